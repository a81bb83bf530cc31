import * as fs from 'fs';
import * as path from 'path';
import { demoPlatform, Duration, ENVIRONMENT_PRESETS, environmentPresets, SynthesisError, writeCdk8sCliOutput } from '../../lib';
import { duplicateCdk8sError } from '../../lib/core/single-cdk8s';
import { ENVIRONMENTS } from '../../charts';
import { tmpdir } from '../support/synth';

const GITOPS = { repoURL: 'https://github.com/stackworks/stacks.git', targetRevision: 'main' };
const VAULT = { kind: 'vault', server: 'https://vault.stackworks.io:8200', path: 'secret' } as const;

describe('environment presets', () => {
  test('dev, staging and prod from the presets, each with its cluster profile', () => {
    const envs = environmentPresets({ platform: { dev: demoPlatform(), default: { gitops: GITOPS, secrets: VAULT } } });
    expect(envs.dev.platform.secrets).toEqual({ kind: 'generated' });
    expect(envs.dev.platform.demo).toBe(true);
    expect(envs.prod.platform.secrets).toEqual(VAULT);
    expect([envs.dev.defaultReplicas, envs.staging.defaultReplicas, envs.prod.defaultReplicas]).toEqual([1, 2, 3]);
    expect(envs.prod.requireExplicitResources).toBe(true);
    expect(envs.dev.monitoring.severities).toEqual({ critical: 'warning', warning: 'info' });
    expect(envs.staging.platform.gitops).toEqual({ ...GITOPS, distPath: 'dist' });
  });

  test('overrides change one environment; monitoring options go over the preset timing, overrides over both', () => {
    const envs = environmentPresets({
      platform: { default: { gitops: GITOPS, secrets: VAULT } },
      monitoring: { scrapeInterval: Duration.minutes(1) },
      overrides: { prod: { defaultReplicas: 5, monitoring: { alertFor: Duration.minutes(2) } } },
    });
    expect(envs.prod.defaultReplicas).toBe(5);
    expect(envs.prod.monitoring.alertFor).toBe('2m');
    expect(envs.prod.monitoring.scrapeInterval).toBe('1m');
    expect(envs.staging.defaultReplicas).toBe(ENVIRONMENT_PRESETS.staging.defaultReplicas);
    expect(envs.staging.monitoring.alertFor).toBe('10m');
  });

  test('the repository environments are the presets with its own cluster profiles', () => {
    expect(ENVIRONMENTS.prod.defaultResources).toEqual(ENVIRONMENT_PRESETS.prod.defaultResources);
    expect(ENVIRONMENTS.prod.backupRetention).toBe(14);
    expect(ENVIRONMENTS.staging.platform.secrets.kind).toBe('vault');
    expect(ENVIRONMENTS.dev.platform.demo).toBe(false);
  });

  test.each([
    [{}, 'dev, staging, prod'],
    [{ platform: { dev: demoPlatform() } }, 'staging, prod'],
  ])('a missing cluster profile (%p) is a synthesis error naming the environments, not a crash later', (options, missing) => {
    const call = (): unknown => environmentPresets(options as never);
    expect(call).toThrow(SynthesisError);
    expect(call).toThrow(`[environmentPresets] platform: no cluster profile for ${missing}; give { dev, staging, prod } or a default`);
  });
});

describe('a second copy of cdk8s', () => {
  /** A fake package folder: only package.json matters to resolution. */
  function fakePackage(dir: string): string {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'cdk8s', version: '2.70.106', main: 'index.js' }));
    return fs.realpathSync(dir);
  }

  test('is named, with both paths, when the library and the app resolve different copies', () => {
    const app = tmpdir('two-cdk8s');
    const appCopy = fakePackage(path.join(app, 'node_modules', 'cdk8s'));
    const library = path.join(app, 'node_modules', 'cdk8s-stacks', 'lib-dist', 'lib', 'core');
    fs.mkdirSync(library, { recursive: true });
    const libraryCopy = fakePackage(path.join(app, 'node_modules', 'cdk8s-stacks', 'node_modules', 'cdk8s'));
    const message = duplicateCdk8sError(library, app);
    expect(message).toContain('two copies of cdk8s');
    expect(message).toContain(`${libraryCopy} (loaded by cdk8s-stacks)`);
    expect(message).toContain(`${appCopy} (loaded by the app in ${app})`);
  });

  test('is not reported when both resolve the same copy, or the app has none of its own', () => {
    const app = tmpdir('one-cdk8s');
    fakePackage(path.join(app, 'node_modules', 'cdk8s'));
    const library = path.join(app, 'node_modules', 'cdk8s-stacks', 'lib-dist', 'lib', 'core');
    fs.mkdirSync(library, { recursive: true });
    expect(duplicateCdk8sError(library, app)).toBeUndefined();
    expect(duplicateCdk8sError(path.join(__dirname, '..', '..', 'lib', 'core'), '/')).toBeUndefined();
  });
});

describe('output for the cdk8s CLI', () => {
  test('nothing is written outside the CLI, and a wrong call is a clear error', () => {
    expect(
      writeCdk8sCliOutput({ folders: [], objects: [], waivers: [], warnings: [], securityExceptions: [] }, tmpdir('cli-none'), undefined),
    ).toEqual([]);
    const wrong = (): unknown => writeCdk8sCliOutput({} as never, 'dist', tmpdir('cli-bad'));
    expect(wrong).toThrow('writeCdk8sCliOutput: result must be what synthesize() returned');
  });

  test('one file per dist folder, holding the applied objects in apply order', () => {
    const dist = tmpdir('cli-dist');
    fs.mkdirSync(path.join(dist, 'dev', 'shop', 'restore'), { recursive: true });
    const resources = 'resources:\n  - 00-namespace-shop-dev.yaml\n  - 60-deployment-api.yaml\n';
    fs.writeFileSync(path.join(dist, 'dev', 'shop', 'kustomization.yaml'), resources);
    fs.writeFileSync(path.join(dist, 'dev', 'shop', '00-namespace-shop-dev.yaml'), 'kind: Namespace\n');
    fs.writeFileSync(path.join(dist, 'dev', 'shop', '60-deployment-api.yaml'), 'kind: Deployment');
    fs.writeFileSync(path.join(dist, 'dev', 'shop', 'restore', 'job-db-restore.yaml'), 'kind: Job\n');
    const out = path.join(tmpdir('cli-out'), 'cdk8s.out');
    const written = writeCdk8sCliOutput(
      { folders: [{ folder: 'dev/shop', objects: 2, files: 4 }], objects: [], waivers: [], warnings: [], securityExceptions: [] },
      dist,
      out,
    );
    expect(written).toEqual([path.join(out, 'dev-shop.k8s.yaml')]);
    expect(fs.readFileSync(written[0], 'utf8')).toBe('---\nkind: Namespace\n---\nkind: Deployment\n');
  });
});
