import { Construct } from 'constructs';
import { Environment, SystemChart } from 'cdk8s-stacks';
import { Capibara6Chart } from './capibara6';
import { environmentFor } from './environments';
import { ChatNominaChart } from './chatnomina';
import { FeatureModelsChart } from './feature-models';
import { LoopiChart } from './loopi';
import { TechShopChart } from './techshop';

export { ENVIRONMENTS } from './environments';

/** Every system of the repository, by the name used in dist/ and on the command line. */
export const SYSTEMS: Readonly<Record<string, (scope: Construct, env: Environment) => SystemChart>> = {
  loopi: (scope, env) => new LoopiChart(scope, environmentFor('loopi', env)),
  'feature-models': (scope, env) => new FeatureModelsChart(scope, env),
  techshop: (scope, env) => new TechShopChart(scope, env),
  chatnomina: (scope, env) => new ChatNominaChart(scope, env),
  capibara6: (scope, env) => new Capibara6Chart(scope, environmentFor('capibara6', env)),
};
