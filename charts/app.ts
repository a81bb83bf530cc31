import { App } from 'cdk8s';
import { ArgoCdApplications, Environment, EnvironmentName } from 'cdk8s-stacks';
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

/** The app of this repository: the selected systems in the selected environments, plus the Argo CD apps. */
export function buildRepositoryApp(options: RepositoryAppOptions = {}): App {
  const app = new App({ outdir: options.outdir ?? '.build/cdk8s-app' });
  const allSystems = Object.keys(SYSTEMS);
  const systems = options.systems ?? allSystems;
  const environments = options.environments ?? ENVIRONMENTS;
  for (const envName of options.envs ?? (Object.keys(environments) as EnvironmentName[])) {
    const env = environments[envName];
    for (const system of systems) SYSTEMS[system](app, env);
    // The app-of-apps lists every system; it is regenerated only when the environment is complete.
    if (systems.length === allSystems.length) {
      // With the platform layer and its Prometheus, made by the synth from what the systems need.
      new ArgoCdApplications(app, { environment: env, systems: allSystems });
    }
  }
  return app;
}
