import { App } from 'cdk8s';
import { buildStacksApp, Environment, EnvironmentName } from 'cdk8s-stacks';
import { ENVIRONMENTS } from './environments';
import { SYSTEMS } from './index';

export interface RepositoryAppOptions {
  /** @default - all environments */
  readonly envs?: readonly EnvironmentName[];
  /** @default - all systems */
  readonly systems?: readonly string[];
  /** Scratch folder cdk8s may use; nothing is written there by our pipeline. */
  readonly outdir?: string;
  /**
   * The environments with their cluster profiles (the GitOps suite synthesizes with a test
   * profile: its own Git server and API server).
   * @default ENVIRONMENTS
   */
  readonly environments?: Readonly<Record<EnvironmentName, Environment>>;
}

/**
 * The app of this repository: the selected systems in the selected environments, plus the
 * Argo CD apps of each complete environment. The same app `npm run synth` builds (main.ts).
 */
export function buildRepositoryApp(options: RepositoryAppOptions = {}): App {
  return buildStacksApp({
    systems: SYSTEMS,
    environments: options.environments ?? ENVIRONMENTS,
    selectEnvironments: options.envs,
    selectSystems: options.systems,
    appOutdir: options.outdir ?? '.build/cdk8s-app',
  });
}
