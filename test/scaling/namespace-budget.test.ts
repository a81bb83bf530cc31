import { App } from 'cdk8s';
import { ExistingSecret, Probe, Redis, SystemChart, WebService, Worker } from '../../lib';
import { NamespaceBudget } from '../../lib/scaling/namespace-budget';
import { errorsOf, objectOf, testEnv, UNUSED_OUTDIR } from '../support/synth';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

function stack(budget?: ConstructorParameters<typeof NamespaceBudget>[2]) {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system: 'shop', environment: testEnv('prod'), budget });
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 3000 }],
    readiness: Probe.http('/'),
    resources,
  });
  api.autoscale({ min: 3, max: 10 });
  new Worker(chart, 'worker', { image: 'registry.stackworks.io/org/api:1.0.0', resources, replicas: 2 });
  new Redis(chart, 'cache', { use: 'cache', storage: '5Gi', credentials: ExistingSecret.named('c', ['redis-password']), resources }).noBackup(
    NOT_BACKED_UP_IN_TEST,
  );
  return app;
}

describe('NamespaceBudget', () => {
  test('the quota is the stack at maximum scale (HPA max + surge, members) plus 20 % headroom', () => {
    const quota = objectOf(stack(), 'ResourceQuota', 'stack').spec.hard;
    // api: 10 + 3 surge = 13 pods; worker: 2 + 1 = 3; cache: 1 member -> 17 pods, each 100m / 500m.
    expect(quota['requests.cpu']).toBe('2040m'); // 1.7 cores * 1.2
    expect(quota['limits.cpu']).toBe('10200m'); // 8.5 cores * 1.2
    expect(quota.pods).toBe(String(Math.ceil(17 * 1.2) + 1));
    expect(quota.persistentvolumeclaims).toBe('3'); // ceil(1 * 1.2) + 1
    expect(quota['requests.storage']).toBe('6Gi'); // 5Gi * 1.2
  });

  test('the LimitRange admits the largest container and caps its defaults at that maximum', () => {
    const range = objectOf(stack(), 'LimitRange', 'containers').spec.limits[0];
    expect(range.type).toBe('Container');
    expect(range.max).toEqual({ cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' });
    expect(range.default).toEqual({ cpu: '500m', memory: '512Mi', 'ephemeral-storage': '1Gi' });
  });

  test('an explicit quota that fits is used as given', () => {
    const app = stack({ quota: { 'requests.cpu': '4', 'limits.cpu': '16', 'requests.memory': '8Gi', 'limits.memory': '16Gi', pods: '30' } });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'ResourceQuota', 'stack').spec.hard).toEqual({
      'requests.cpu': '4',
      'limits.cpu': '16',
      'requests.memory': '8Gi',
      'limits.memory': '16Gi',
      pods: '30',
    });
  });

  test('an explicit quota that cannot admit the stack is an error with the shortfall per resource', () => {
    const app = stack({ quota: { 'requests.cpu': '1', 'limits.memory': '4Gi', pods: '10' } });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[shop-prod\/budget\] quota: cannot admit the stack at maximum scale .*requests\.cpu: 1 < 1700m needed \(short by 700m\); limits\.memory: 4Gi < 8704Mi needed \(short by 4608Mi\); pods: 10 < 17 needed \(short by 7\)/,
      ),
    ]);
  });
});
