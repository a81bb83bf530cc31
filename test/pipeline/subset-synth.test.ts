/**
 * Every subset form of the synth command (runStacksCli, what main.ts and the scaffold's
 * main.ts run): it replaces exactly its folders (nested ones included) and keeps the rest
 * byte for byte; when it fails, dist is checked and reported unchanged; what an interrupted
 * synth left is finished or discarded first. In-process, on copies of the repository's output.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Environment, runStacksCli, runSynthCli, SystemChart, Worker } from '../../lib';
import { ENVIRONMENTS, SYSTEMS } from '../../charts';
import { expectedAfter, SUBSET_FORMS, subsetFixture } from '../support/subset-forms';
import { tmpdir, treeDigest } from '../support/synth';

const fixture = subsetFixture();

/** A copy of the tree before, in a folder of its own. */
function copyOfBefore(): { parent: string; dist: string } {
  const parent = tmpdir('subset');
  const dist = path.join(parent, 'dist');
  fs.cpSync(fixture.before, dist, { recursive: true });
  return { parent, dist };
}

function run(dist: string, argv: readonly string[], variables: Record<string, string>, systems = SYSTEMS) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runStacksCli({
    systems,
    environments: ENVIRONMENTS,
    outdir: dist,
    argv,
    variables,
    log: (l) => out.push(l),
    error: (l) => err.push(l),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe.each(SUBSET_FORMS)('synth $name', (form) => {
  test('replaces its folders (nested ones included) with the complete output and keeps everything else byte for byte', () => {
    const { parent, dist } = copyOfBefore();
    const result = run(dist, form.argv, form.variables);
    expect(result.stderr).not.toContain('Synthesis failed');
    expect(result.code).toBe(0);
    expect(treeDigest(dist)).toEqual(expectedAfter(form, fixture));
    expect(fs.readdirSync(parent)).toEqual(['dist']);
    // The same report as a full synth: summary, waivers, security exceptions.
    expect(result.stdout).toMatch(/^Synthesized \d+ objects into /);
    expect(result.stdout).toContain('Policy waivers:');
    expect(result.stdout).toContain('Security exceptions:');
  });

  test('a failure leaves dist byte-identical, says so only after checking, and leaves no staging folder', () => {
    const { parent, dist } = copyOfBefore();
    const broken = Object.fromEntries(
      Object.entries(SYSTEMS).map(([name, make]) => [
        name,
        (scope: Construct, env: Environment): SystemChart => {
          const chart = make(scope, env);
          new Worker(chart, 'broken', { image: 'docker.io/library/busybox:latest', resources: { requests: { cpu: '1m' } } as never });
          return chart;
        },
      ]),
    );
    const result = run(dist, form.argv, form.variables, broken);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Synthesis failed; dist/ was not changed.');
    expect(result.stderr).toMatch(/broken\] resources\.limits: is required/);
    expect(treeDigest(dist)).toEqual(fixture.beforeDigest);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });
});

describe('the synth command', () => {
  test('bad arguments: exit code 2, every problem and the usage, nothing written', () => {
    const { dist } = copyOfBefore();
    const result = run(dist, ['--env', 'qa', '--system', 'nope', '--outdir'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown environment 'qa'; valid environments: dev, staging, prod");
    expect(result.stderr).toContain(`error: unknown system 'nope'; valid systems: ${Object.keys(SYSTEMS).join(', ')}`);
    expect(result.stderr).toContain('error: --outdir needs a value');
    expect(result.stderr).toContain('usage: synth [--env <env>');
    expect(treeDigest(dist)).toEqual(fixture.beforeDigest);
  });

  test('an unknown value in CDK8S_STACKS_ENV is refused like --env', () => {
    const result = run(copyOfBefore().dist, [], { CDK8S_STACKS_ENV: 'production' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown environment 'production'");
  });

  test('finishes the swap of a synth killed between its two renames before anything else, and says so', () => {
    const parent = tmpdir('interrupted');
    const dist = path.join(parent, 'dist');
    // What a synth killed after moving dist away and before moving the new tree in leaves.
    const staging = path.join(parent, '.dist-staging-999999999-cut');
    fs.cpSync(fixture.complete, path.join(staging, 'next'), { recursive: true });
    fs.cpSync(fixture.before, path.join(staging, 'old'), { recursive: true });
    fs.writeFileSync(path.join(staging, 'target'), dist);
    fs.writeFileSync(path.join(staging, 'ready'), '');
    const result = run(dist, ['--env', 'prod', '--system', 'loopi'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('An earlier synth was interrupted while it swapped in its output; finished it: dist/ is its complete output');
    expect(treeDigest(dist)).toEqual(fixture.completeDigest);
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });

  test('a failure after dist was written is not reported as "dist/ was not changed"', () => {
    const { dist } = copyOfBefore();
    const errors: string[] = [];
    const code = runSynthCli({
      build: () => {
        const app = new App({ outdir: tmpdir('unused') });
        SYSTEMS.loopi(app, ENVIRONMENTS.dev);
        return app;
      },
      outdir: dist,
      replaceAll: false,
      afterWrite: () => {
        throw new Error('disk full while copying for the cdk8s CLI');
      },
      log: () => undefined,
      error: (l) => errors.push(l),
    });
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('Synthesis failed; dist/ differs from before this run');
    expect(errors.join('\n')).toContain('disk full while copying for the cdk8s CLI');
    expect(errors.join('\n')).not.toContain('was not changed');
  });

  test('a build that changes dist and then throws is caught by the check', () => {
    const { dist } = copyOfBefore();
    const errors: string[] = [];
    const code = runSynthCli({
      build: () => {
        fs.writeFileSync(path.join(dist, 'NOTES.txt'), 'changed');
        throw new Error('boom');
      },
      outdir: dist,
      error: (l) => errors.push(l),
      log: () => undefined,
    });
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(/^Synthesis failed; dist\/ differs from before this run .*\n1 error while building the charts:\n {2}boom$/);
  });
});
