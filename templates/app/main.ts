/**
 * Every system x every environment -> dist/<env>/<system>/ (atomically: dist/ is replaced only
 * when every check passed).
 *
 *   npm run synth
 *   CDK8S_STACKS_ENV=prod CDK8S_STACKS_SYSTEM=example npm run synth    # a subset; the rest of dist/ is untouched
 */
import * as path from 'path';
import { App } from 'cdk8s';
import { ArgoCdApplications, ENVIRONMENT_NAMES, EnvironmentName, SynthesisError, synthesize, writeCdk8sCliOutput } from 'cdk8s-stacks';
import { ENVIRONMENTS } from './environments';
import { SYSTEMS } from './systems';

const list = (value: string | undefined): string[] => (value ?? '').split(',').filter((v) => v.length > 0);
const envs = list(process.env.CDK8S_STACKS_ENV);
const systems = list(process.env.CDK8S_STACKS_SYSTEM);
const unknown = [
  ...envs
    .filter((e) => !(ENVIRONMENT_NAMES as readonly string[]).includes(e))
    .map((e) => `unknown environment '${e}' (allowed: ${ENVIRONMENT_NAMES.join(', ')})`),
  ...systems.filter((s) => !(s in SYSTEMS)).map((s) => `unknown system '${s}' (allowed: ${Object.keys(SYSTEMS).join(', ')})`),
];
if (unknown.length > 0) {
  for (const message of unknown) console.error(`error: ${message}`);
  process.exit(2);
}

const outdir = path.join(__dirname, '..', 'dist');
const app = new App({ outdir: path.join(__dirname, 'cdk8s-app') });
const selectedSystems = systems.length > 0 ? systems : Object.keys(SYSTEMS);
for (const name of (envs.length > 0 ? envs : ENVIRONMENT_NAMES) as EnvironmentName[]) {
  for (const system of selectedSystems) SYSTEMS[system](app, ENVIRONMENTS[name]);
  // The Argo CD app-of-apps lists every system; it is written only when all of them are.
  if (systems.length === 0) new ArgoCdApplications(app, { environment: ENVIRONMENTS[name], systems: Object.keys(SYSTEMS) });
}

try {
  const result = synthesize(app, { outdir, replaceAll: envs.length === 0 && systems.length === 0 });
  for (const folder of result.folders) console.log(`dist/${folder.folder}: ${folder.objects} objects`);
  writeCdk8sCliOutput(result, outdir);
} catch (error) {
  if (!(error instanceof SynthesisError)) throw error;
  console.error(`Synthesis failed; dist/ was not changed.\n${error.message}`);
  process.exit(1);
}
