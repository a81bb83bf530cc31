import { Construct } from 'constructs';
import { Environment, SystemChart } from '../lib';
import { LoopiChart } from './loopi';
import { TechShopChart } from './techshop';

export { ENVIRONMENTS } from './environments';

/** Every system of the repository, by the name used in dist/ and on the command line. */
export const SYSTEMS: Readonly<Record<string, (scope: Construct, env: Environment) => SystemChart>> = {
  loopi: (scope, env) => new LoopiChart(scope, env),
  techshop: (scope, env) => new TechShopChart(scope, env),
};
