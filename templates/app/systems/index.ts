import { Construct } from 'constructs';
import { Environment, SystemChart } from 'cdk8s-stacks';
import { ExampleSystem } from './example';

/** Every system, by the name used in dist/ and in CDK8S_STACKS_SYSTEM. */
export const SYSTEMS: Readonly<Record<string, (scope: Construct, env: Environment) => SystemChart>> = {
  example: (scope, env) => new ExampleSystem(scope, env),
};
