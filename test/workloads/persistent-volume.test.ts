import { ApiObject, App } from 'cdk8s';
import { PersistentVolume, Probe, ScheduledTask, SystemChart, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

function web(chart: SystemChart, id: string, replicas = 1): WebService {
  return new WebService(chart, id, {
    image: `registry.stackworks.io/org/${id}:1.0.0`,
    ports: [{ name: 'http', port: 3000 }],
    readiness: Probe.http('/'),
    resources,
    replicas,
  });
}

function task(chart: SystemChart, id: string): ScheduledTask {
  return new ScheduledTask(chart, id, { image: `registry.stackworks.io/org/${id}:1.0.0`, command: ['run'], schedule: '0 3 * * *', resources });
}

describe('PersistentVolume shared by a workload and its scheduled task', () => {
  // The profile declares every class the output names: prod's own and the NFS class the shared claim needs.
  const storage = { defaultClass: 'ssd-retain', classes: { 'ssd-retain': { preinstalled: true }, nfs: { preinstalled: true } } } as const;
  const { app, chart } = testChart(testEnv('prod', { platform: { storage } }));
  const git = web(chart, 'git');
  const gc = task(chart, 'gc');
  const repos = new PersistentVolume(chart, 'repositories', { size: '20Gi', accessMode: 'ReadWriteMany', storageClassName: 'nfs' });
  repos.mountOn(git, '/data/git');
  repos.mountOn(gc, '/data/git', { readOnly: true });

  test('synthesizes without errors', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('renders one claim with its size, access mode and storage class', () => {
    expect(objectOf(app, 'PersistentVolumeClaim', 'repositories').spec).toEqual({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'nfs',
      resources: { requests: { storage: '20Gi' } },
    });
  });

  test.each([
    ['Deployment', 'git', undefined],
    ['CronJob', 'gc', true],
  ])('the %s %s mounts the claim (readOnly: %s)', (kind, name, readOnly) => {
    const object = objectOf(app, kind, name);
    const pod = kind === 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'pv-repositories', persistentVolumeClaim: { claimName: 'repositories', readOnly } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'pv-repositories', mountPath: '/data/git', readOnly });
  });

  test('the namespace quota counts the claim once', () => {
    const quota = objectOf(app, 'ResourceQuota', 'stack').spec.hard;
    expect(quota.persistentvolumeclaims).toBe('3'); // ceil(1 * 1.2) + 1
    expect(quota['requests.storage']).toBe('24Gi'); // 20Gi * 1.2
  });
});

describe('PersistentVolume defaults', () => {
  test('ReadWriteOnce and the environment storage class, mounted by one single-replica workload', () => {
    const { app, chart } = testChart();
    new PersistentVolume(chart, 'uploads', { size: '5Gi' }).mountOn(web(chart, 'api'), '/uploads');
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'PersistentVolumeClaim', 'uploads').spec.accessModes).toEqual(['ReadWriteOnce']);
  });

  test('a ReadOnlyMany volume may be mounted read-only by many replicas', () => {
    const { app, chart } = testChart();
    new PersistentVolume(chart, 'models', { size: '50Gi', accessMode: 'ReadOnlyMany' }).mountOn(web(chart, 'api', 3), '/models', { readOnly: true });
    expect(errorsOf(app)).toEqual([]);
  });

  test('a ReadWriteOnce volume used by one scheduled task alone is allowed', () => {
    const { app, chart } = testChart();
    new PersistentVolume(chart, 'reports', { size: '1Gi' }).mountOn(task(chart, 'report'), '/reports');
    expect(errorsOf(app)).toEqual([]);
  });
});

describe("ReadWriteMany volumes and the profile's shared class", () => {
  const noShared = { storage: { defaultClass: 'ssd', classes: { ssd: { preinstalled: true } } } } as const;

  test('a ReadWriteMany claim without a class takes storage.sharedClass, a ReadWriteOnce claim storage.defaultClass', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const api = web(chart, 'api', 3);
    const shared = new PersistentVolume(chart, 'uploads', { size: '5Gi', accessMode: 'ReadWriteMany' });
    shared.mountOn(api, '/uploads');
    new PersistentVolume(chart, 'scratch', { size: '1Gi' }).mountOn(task(chart, 'report'), '/scratch');
    expect(errorsOf(app)).toEqual([]);
    expect(shared.storageClassName).toBe('files-retain');
    expect(objectOf(app, 'PersistentVolumeClaim', 'uploads').spec.storageClassName).toBe('files-retain');
    expect(objectOf(app, 'PersistentVolumeClaim', 'scratch').spec.storageClassName).toBe('ssd-retain');
  });

  test('without a shared class in the profile, a ReadWriteMany claim without its own class is refused', () => {
    const { app, chart } = testChart(testEnv('prod', { platform: noShared }));
    new PersistentVolume(chart, 'uploads', { size: '5Gi', accessMode: 'ReadWriteMany' }).mountOn(web(chart, 'api', 3), '/uploads');
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[test-prod\/uploads\] accessMode: 'ReadWriteMany' needs a storage class that provisions shared \(file\) volumes, and environment 'prod's cluster profile names none: declare it as platform\.storage\.sharedClass/,
      ),
    ]);
  });

  test("a ReadWriteMany claim that names the profile's block class is refused, with the shared class to use instead", () => {
    const { app, chart } = testChart(testEnv('prod'));
    new PersistentVolume(chart, 'uploads', { size: '5Gi', accessMode: 'ReadWriteMany', storageClassName: 'ssd-retain' }).mountOn(
      web(chart, 'api', 3),
      '/uploads',
    );
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[test-prod\/uploads\] storageClassName: 'ssd-retain' is the cluster profile's block class \(storage\.defaultClass\), where a 'ReadWriteMany' claim stays Pending; leave storageClassName out to use its shared class 'files-retain'/,
      ),
    ]);
  });

  test('a ReadWriteMany claim may name another declared class explicitly', () => {
    const { app, chart } = testChart(
      testEnv('prod', { platform: { storage: { ...noShared.storage, classes: { ssd: { preinstalled: true }, cephfs: { preinstalled: true } } } } }),
    );
    new PersistentVolume(chart, 'uploads', { size: '5Gi', accessMode: 'ReadWriteMany', storageClassName: 'cephfs' }).mountOn(
      web(chart, 'api', 3),
      '/u',
    );
    expect(errorsOf(app)).toEqual([]);
  });
});

describe('PersistentVolume refusals', () => {
  type Setup = (chart: SystemChart) => void;
  test.each<[string, Setup, string, RegExp]>([
    ['a size that is no quantity', (c) => new PersistentVolume(c, 'v', { size: '20 GB' }), 'size', /'20 GB' is not a valid quantity/],
    ['a fractional size', (c) => new PersistentVolume(c, 'v', { size: '0.5' }), 'size', /'0.5' is not a whole number of bytes/],
    ['a size in milli-units', (c) => new PersistentVolume(c, 'v', { size: '100m' }), 'size', /'100m' is in milli-units/],
    ['a zero size', (c) => new PersistentVolume(c, 'v', { size: '0' }), 'size', /'0' must be greater than zero/],
    ['a size that is a number', (c) => new PersistentVolume(c, 'v', { size: 20 as never }), 'size', /must be a quantity such as '20Gi'/],
    [
      'an unknown access mode',
      (c) => new PersistentVolume(c, 'v', { size: '1Gi', accessMode: 'rwx' as never }),
      'accessMode',
      /'rwx' must be one of/,
    ],
    ['an empty storage class', (c) => new PersistentVolume(c, 'v', { size: '1Gi', storageClassName: '' }), 'storageClassName', /non-empty/],
    ['an invalid claim name', (c) => new PersistentVolume(c, 'Data_1', { size: '1Gi' }), 'id', /'Data_1' .* \(it names the PersistentVolumeClaim\)/],
    [
      'a relative mount path',
      (c) => new PersistentVolume(c, 'v', { size: '1Gi' }).mountOn(web(c, 'api'), 'data'),
      'mountOn[0].mountPath',
      /'data' must be an absolute path other than \//,
    ],
    [
      'a path mounted twice',
      (c) => new PersistentVolume(c, 'v', { size: '1Gi' }).mountOn(web(c, 'api'), '/tmp'),
      'mountOn[0].mountPath',
      /'\/tmp' is mounted more than once/,
    ],
    [
      'a ReadOnlyMany volume mounted read-write',
      (c) => new PersistentVolume(c, 'v', { size: '1Gi', accessMode: 'ReadOnlyMany' }).mountOn(web(c, 'api', 3), '/models'),
      'mountOn[0].readOnly',
      /a 'ReadOnlyMany' volume can only be mounted read-only: pass \{ readOnly: true \}/,
    ],
    [
      'a ReadWriteOnce volume on a workload with 3 replicas',
      (c) => new PersistentVolume(c, 'v', { size: '1Gi' }).mountOn(web(c, 'api', 3), '/data'),
      'accessMode',
      /'ReadWriteOnce' attaches to one node, but it is mounted by api \(up to 3 replicas\).*use accessMode: 'ReadWriteMany'.*one writer/,
    ],
    [
      'a ReadWriteOnce volume shared with a CronJob',
      (c) => {
        const v = new PersistentVolume(c, 'v', { size: '1Gi' });
        v.mountOn(web(c, 'api'), '/data');
        v.mountOn(task(c, 'gc'), '/data');
      },
      'accessMode',
      /mounted by api, gc \(a CronJob, which runs beside the others\), whose pods can run on different nodes at once/,
    ],
    [
      'a ReadWriteOncePod volume shared by two workloads',
      (c) => {
        const v = new PersistentVolume(c, 'v', { size: '1Gi', accessMode: 'ReadWriteOncePod' });
        v.mountOn(web(c, 'api'), '/data');
        v.mountOn(new Worker(c, 'w', { image: 'registry.stackworks.io/org/w:1.0.0', resources }), '/data');
      },
      'accessMode',
      /'ReadWriteOncePod' attaches to one node/,
    ],
  ])('%s is refused at %s', (_name, setup, field, message) => {
    const { app, chart } = testChart();
    setup(chart);
    const errors = errorsOf(app).filter((e) => e.startsWith(`[test-prod/v] ${field}: `) || e.startsWith(`[test-prod/Data_1] ${field}: `));
    expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test('a volume of another system cannot be mounted', () => {
    const { app, chart } = testChart();
    const other = new SystemChart(app, { system: 'other', environment: testEnv() });
    new PersistentVolume(chart, 'v', { size: '1Gi' }).mountOn(web(other, 'api'), '/data');
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[test-prod\/v\] mountOn\[0\]: other-prod\/api runs in namespace 'other-prod'.*create the volume/),
      ]),
    );
  });
});

describe('raw PersistentVolumeClaim objects (escape hatch) and the namespace budget', () => {
  function raw(storage: unknown) {
    const { app, chart } = testChart();
    new ApiObject(chart, 'raw-claim', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'raw' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    });
    return app;
  }

  test('a raw claim is counted like a typed volume', () => {
    const quota = objectOf(raw('10Gi'), 'ResourceQuota', 'stack').spec.hard;
    expect(quota.persistentvolumeclaims).toBe('3');
    expect(quota['requests.storage']).toBe('12Gi');
  });

  test('a raw claim and a typed volume are both counted, and an explicit quota too small for them is refused', () => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const quota = { 'requests.storage': '15Gi', persistentvolumeclaims: '1' };
    const shop = new SystemChart(app, { system: 'shop', environment: testEnv('prod'), budget: { quota } });
    new PersistentVolume(shop, 'v', { size: '10Gi' });
    new ApiObject(shop, 'raw-claim', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'raw' },
      spec: { resources: { requests: { storage: '10Gi' } } },
    });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[shop-prod\/budget\] quota: cannot admit the stack.*persistentvolumeclaims: 1 < 2 needed.*requests\.storage: 15Gi < 20Gi needed/,
      ),
    ]);
  });

  test('a typed volume with a bad size is reported once, by the volume', () => {
    const { app, chart } = testChart();
    new PersistentVolume(chart, 'v', { size: 'lots' });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/^\[test-prod\/v\] size: 'lots' is not a valid quantity/)]);
  });

  test.each([
    [undefined, /is missing/],
    ['lots', /'lots' is not a valid quantity/],
    [20, /is not a quantity \(20\)/],
  ])('a raw claim whose storage is %p is a synth error naming the claim', (storage, message) => {
    const errors = errorsOf(raw(storage)).filter((e) => e.includes('persistentvolumeclaims: test-prod/raw-claim: spec.resources.requests.storage'));
    expect(errors).toEqual([expect.stringMatching(message)]);
    expect(errors[0]).toMatch(/the quota counts every claim by its requested size, so give it a quantity such as '10Gi'/);
  });
});
