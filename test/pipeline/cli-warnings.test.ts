/**
 * The synth command prints warnings (issue 29 item 5: the scaffold's main.ts printed none).
 * runStacksCli is what templates/app/main.ts and this repository's main.ts run; a warning
 * goes to the error stream with its path, field and id, whether the synth succeeds or fails.
 */
import { Construct } from 'constructs';
import { Environment, Probe, runStacksCli, SystemChart, WebService, Worker } from '../../lib';
import { ENVIRONMENTS } from '../../charts';
import { tmpdir } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** A system whose autoscaler targets more CPU than requested (a warning, not an error); `broken` adds an error. */
function system(broken: boolean) {
  return (scope: Construct, env: Environment): SystemChart => {
    const chart = new SystemChart(scope, { system: 'shop', environment: env });
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/shop/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      replicas: 2,
      resources,
    }).autoscale({ min: 2, max: 4, cpuPercent: 150 });
    if (broken) new Worker(chart, 'broken', { image: 'registry.stackworks.io/shop/worker:1.0.0', resources, shutdownGrace: 60 as never });
    return chart;
  };
}

function run(broken: boolean): { code: number; stderr: string } {
  const err: string[] = [];
  const code = runStacksCli({
    systems: { shop: system(broken) },
    environments: ENVIRONMENTS,
    outdir: `${tmpdir('cli-warnings')}/dist`,
    argv: ['--env', 'dev'],
    variables: {},
    log: () => undefined,
    error: (line) => err.push(line),
  });
  return { code, stderr: err.join('\n') };
}

const warning = /1 warning \(not errors\):\n\s+\[shop-dev\/api\/autoscaler\] cpuPercent: 150 % of the cpu request: .* \[autoscaler\.cpu-percent\]/;

test('a successful synth prints its warnings with path, field and id', () => {
  const { code, stderr } = run(false);
  expect(code).toBe(0);
  expect(stderr).toMatch(warning);
});

test('a failed synth prints the warnings too, next to the errors', () => {
  const { code, stderr } = run(true);
  expect(code).toBe(1);
  expect(stderr).toMatch(warning);
  expect(stderr).toMatch(/Synthesis failed.*\n[^]*\[shop-dev\/broken\] shutdownGrace: must be a Duration .* \[worker\.shutdown-grace\]/);
});
