import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { App } from 'cdk8s';
import { EnvironmentName, SynthResult, synthesize } from 'cdk8s-stacks';
import { ENVIRONMENTS } from '../environments';
import { ExampleSystem } from '../systems/example';

/** Synthesizes one environment without writing dist/ (construct validation and policy rules included). */
function render(env: EnvironmentName): SynthResult {
  const app = new App({ outdir: path.join(os.tmpdir(), 'cdk8s-unused') });
  new ExampleSystem(app, ENVIRONMENTS[env]);
  return synthesize(app, { outdir: path.join(os.tmpdir(), 'cdk8s-unused'), dryRun: true });
}

const objects = (env: EnvironmentName) => render(env).objects.map((o) => o.object);

/** The one object of that kind and name; fails the test when there is none. */
function find(env: EnvironmentName, kind: string, name: string): Record<string, any> {
  const found = objects(env).find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `no ${kind} ${name} in ${env}`);
  return found;
}

test('prod runs three replicas of the web service behind TLS', () => {
  const deployment = find('prod', 'Deployment', 'web');
  assert.equal(deployment.spec.replicas, 3);
  const ingress = objects('prod').find((o) => o.kind === 'Ingress');
  assert.deepEqual(ingress?.spec.tls?.[0]?.hosts, ['example.my-company.io']);
});

test('the web service reaches Redis through environment variables', () => {
  const deployment = find('dev', 'Deployment', 'web');
  const names = deployment.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
  for (const name of ['REDIS_HOST', 'REDIS_PORT', 'REDIS_PASSWORD']) assert.ok(names.includes(name), `${name} missing from ${names}`);
});

// The dev manifests, compared with the recorded snapshot (test/__snapshots__/dev.json, written
// on the first run; rewrite it with UPDATE_SNAPSHOTS=1 after a deliberate change; CI=true fails instead).
test('dev manifests match the snapshot', () => {
  const actual = JSON.stringify(objects('dev'), null, 2) + '\n';
  const file = path.join(__dirname, '..', '..', 'test', '__snapshots__', 'dev.json');
  if (!fs.existsSync(file) || process.env.UPDATE_SNAPSHOTS === '1') {
    assert.ok(process.env.CI !== 'true' || process.env.UPDATE_SNAPSHOTS === '1', `no snapshot ${file} (run the tests once locally)`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  assert.equal(actual, fs.readFileSync(file, 'utf8'));
});
