import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { Environment, EnvironmentProps, PlatformProps, PolicyRule, SynthesisError, SystemChart, synthesize, SynthResult } from '../../lib';
import { ENVIRONMENTS } from '../../charts';

/** cdk8s wants an outdir; our pipeline never writes there (dry runs, or its own dist). Not created. */
export const UNUSED_OUTDIR = path.join(os.tmpdir(), 'cdk8s-stacks-unused');

/** Changes to a test environment: any prop, and fields of its cluster profile (merged over the real one's). */
export type TestEnvOverrides = Partial<Omit<EnvironmentProps, 'platform'>> & { readonly platform?: Partial<PlatformProps> };

/**
 * An environment for tests, based on the real one with overrides. The real profile's public DNS
 * is left out unless the overrides give one: unit tests route hosts of every domain, and the
 * repository's zones would refuse them (public-dns.host-outside-domains); the DNS tests give theirs.
 */
export function testEnv(name: 'dev' | 'staging' | 'prod' = 'prod', overrides: TestEnvOverrides = {}): Environment {
  const base = ENVIRONMENTS[name];
  const { platform, ...rest } = overrides;
  const { publicDns: _, ...real } = base.platform.props;
  return new Environment({ ...base, ...rest, platform: { ...real, ...platform } as PlatformProps, name });
}

/** A fresh app with one system chart, for unit tests of constructs. */
export function testChart(env: Environment = testEnv(), system = 'test'): { app: App; chart: SystemChart } {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system, environment: env });
  return { app, chart };
}

/**
 * Synthesizes without writing; returns every object. Throws SynthesisError on validation
 * errors. Unit tests of constructs check construct validation only (`rules: []`); the
 * policy rules have their own tests and run over the whole repository in synth tests.
 */
export function render(app: App, rules: readonly PolicyRule[] = []): SynthResult {
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules });
}

/** The objects of an app as plain JSON, optionally filtered by kind. */
export function objectsOf(app: App, kind?: string): Array<Record<string, any>> {
  return render(app)
    .objects.map((o) => o.object)
    .filter((o) => kind === undefined || o.kind === kind);
}

/** The one object of `kind` named `name`. */
export function objectOf(app: App, kind: string, name: string): Record<string, any> {
  const found = objectsOf(app, kind).filter((o) => o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} '${name}', found ${found.length}`);
  return found[0];
}

/** The ids of the validation errors of an app, each `[path] id` (empty when it synthesizes): what tests assert. */
export function errorIdsOf(app: App, rules: readonly PolicyRule[] = []): string[] {
  try {
    render(app, rules);
    return [];
  } catch (e) {
    if (e instanceof SynthesisError) return e.issues.map((i) => `[${i.path}] ${i.id}`);
    throw e;
  }
}

/** The validation messages of an app (empty when it synthesizes); with `rules`, policy violations too. */
export function errorsOf(app: App, rules: readonly PolicyRule[] = []): string[] {
  try {
    render(app, rules);
    return [];
  } catch (e) {
    if (e instanceof SynthesisError) return e.issues.map((i) => `[${i.path}] ${i.message}`);
    throw e;
  }
}

/** A fresh temporary folder, removed when the test file finishes (test/support/cleanup.ts). */
export function tmpdir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-stacks-${prefix}-`));
  TEMPORARY_FOLDERS.push(dir);
  return dir;
}

export const TEMPORARY_FOLDERS: string[] = [];

/** Every file below `dir` with a sha256 of its content, sorted by path: equal trees give equal maps. */
export function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
