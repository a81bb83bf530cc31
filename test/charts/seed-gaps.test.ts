import { envOf, find, kinds, mainContainer, readmeOf, systemObjects, workloadObject } from './support';

describe('ChatNomina: the seed migration (alembic upgrade head) runs before the API rolls out', () => {
  const prod = systemObjects('chatnomina', 'prod');
  const job = kinds(prod, 'Job').find((j) => j.metadata.name.startsWith('migrate-'))!;

  test('a Job runs alembic upgrade head with the API image, as an Argo CD Sync hook', () => {
    expect(mainContainer(job).command).toEqual(['alembic', 'upgrade', 'head']);
    expect(mainContainer(job).image).toBe(mainContainer(workloadObject(prod, 'api')).image);
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    });
  });

  test('it reads the database as the API does (same variables, same ConfigMap) and waits for the database', () => {
    const c = mainContainer(job);
    expect(Object.keys(envOf(c))).toEqual(expect.arrayContaining(['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'JWT_SECRET']));
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'api-config' } }]);
    expect(job.spec.template.spec.initContainers.map((i: any) => i.name)).toEqual(['wait-for-db']);
  });

  test("the API's pods wait until alembic is at head; the config is one ConfigMap for both", () => {
    const init = workloadObject(prod, 'api').spec.template.spec.initContainers;
    const gate = init.find((i: any) => i.name === 'wait-for-migration');
    expect(gate.command.join(' ')).toContain("alembic current 2>/dev/null | grep -q '(head)'");
    const names = kinds(prod, 'ConfigMap').map((c) => c.metadata.name);
    expect(names).toContain('api-config');
    expect(names.filter((n) => n.startsWith('migrate'))).toEqual([]);
  });

  test('the Service listens on 80 and targets 8000, as in the seed', () => {
    expect(find(prod, 'Service', 'api').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(mainContainer(workloadObject(prod, 'api')).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  });
});

describe('capibara6: volumes, metrics, readiness and latency as the seed lists them', () => {
  const prod = systemObjects('capibara6', 'prod');

  test.each([
    ['data', '/app/data', '20Gi'],
    ['logs', '/app/logs', '10Gi'],
    ['models', '/app/models', '50Gi'],
  ])('a ReadWriteMany volume %s (%s, %s) mounted by the APIs and the workers', (claim, mountPath, size) => {
    expect(find(prod, 'PersistentVolumeClaim', claim).spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: size } },
    });
    for (const name of ['api', 'graphql', 'workers']) {
      const pod = workloadObject(prod, name).spec.template.spec;
      const volume = pod.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === claim);
      expect(volume).toBeDefined();
      expect(mainContainer(workloadObject(prod, name)).volumeMounts).toContainEqual({ name: volume.name, mountPath });
    }
  });

  test('the quota counts the three volumes', () => {
    const quota = kinds(prod, 'ResourceQuota')[0].spec.hard;
    const gi = (q: string) => (q.endsWith('Gi') ? Number(q.slice(0, -2)) * 1024 : Number(q.slice(0, -2)));
    expect(gi(quota['requests.storage'])).toBeGreaterThanOrEqual((20 + 10 + 50) * 1024);
  });

  test('the REST API is scraped at /api/v1/metrics with its bearer token from a Secret', () => {
    const [endpoint] = find(prod, 'ServiceMonitor', 'api').spec.endpoints;
    expect(endpoint).toMatchObject({
      port: 'http',
      path: '/api/v1/metrics',
      authorization: { type: 'Bearer', credentials: { name: 'metrics-scrape-token', key: 'token' } },
    });
    expect(find(prod, 'ExternalSecret', 'metrics-scrape-token').spec.data).toEqual([
      { secretKey: 'token', remoteRef: { key: 'capibara6/prod/metrics-scrape-token', property: 'token' } },
    ]);
  });

  test('GraphQL is ready when its schema answers a query on /graphql', () => {
    expect(mainContainer(workloadObject(prod, 'graphql')).readinessProbe.httpGet).toMatchObject({
      path: '/graphql?query=%7B__typename%7D',
      port: 'http',
    });
  });

  test('p95 latency alerts at the seed targets: REST 200 ms, GraphQL 150 ms', () => {
    const rules = kinds(prod, 'PrometheusRule')[0].spec.groups.flatMap((g: any) => g.rules);
    const latency = rules.find((r: any) => r.alert === 'HttpLatencyP95High');
    expect(latency.expr).toContain('job=~"api"}[5m]))) > 0.2)');
    expect(latency.expr).toContain('job=~"graphql"}[5m]))) > 0.15)');
    expect(latency.annotations.description).toContain('api: 200 ms; graphql: 150 ms');
  });

  test('one ConfigMap of settings for the three workloads of the image', () => {
    const names = ['api', 'graphql', 'workers'].map((n) => mainContainer(workloadObject(prod, n)).envFrom);
    for (const envFrom of names) expect(envFrom).toContainEqual({ configMapRef: { name: 'app-config' } });
    expect(kinds(prod, 'ConfigMap').map((c) => c.metadata.name)).not.toEqual(expect.arrayContaining(['api-config']));
  });

  test("the shared volumes use the profile's file class, the stores its block class; the README reports both with encryption at rest", () => {
    const claims = kinds(prod, 'PersistentVolumeClaim').map((c) => [c.metadata.name, c.spec.accessModes, c.spec.storageClassName]);
    expect(claims.filter(([, modes]) => modes.includes('ReadWriteMany')).sort()).toEqual(
      ['data', 'logs', 'models'].map((n) => [n, ['ReadWriteMany'], 'files-retain']),
    );
    // Backup volumes are ReadWriteOnce on the block class.
    expect(new Set(claims.filter(([, modes]) => !modes.includes('ReadWriteMany')).map(([, , cls]) => cls))).toEqual(new Set(['ssd-retain']));
    const readme = readmeOf('capibara6', 'prod');
    expect(readme).toContain(
      "| `files-retain` (shared (file)) | ReadWriteMany (a file class: NFS, CephFS, EFS, ...) | yes: the cloud provider's volume encryption, with its provider-managed keys | PersistentVolumeClaim `data`, PersistentVolumeClaim `logs`, PersistentVolumeClaim `models` |",
    );
    expect(readme).toMatch(
      /\| `ssd-retain` \(default\) \| ReadWriteOnce \| yes: the cloud provider's volume encryption, with its provider-managed keys \| .*StatefulSet `/,
    );
    expect(readmeOf('capibara6', 'dev')).toContain('| `nfs` (shared (file)) | ReadWriteMany (a file class: NFS, CephFS, EFS, ...) | no |');
  });

  test('in dev the README says who provides the scrape token', () => {
    expect(readmeOf('capibara6', 'dev')).toContain(
      'kubectl -n capibara6-dev create secret generic metrics-scrape-token --from-literal=token="$TOKEN"',
    );
  });
});

describe('Loopi and TechShop: scrape intervals, ports and panels as the seeds give them', () => {
  const loopi = systemObjects('loopi', 'prod');
  const techshop = systemObjects('techshop', 'prod');

  test.each([
    ['Loopi api', '5s', loopi, 'api'],
    ['TechShop app', '10s', techshop, 'app'],
  ] as const)('%s is scraped every %s', (_name, interval, objects, workload) => {
    expect(find(objects, 'ServiceMonitor', workload).spec.endpoints.map((e: any) => e.interval)).toEqual([interval]);
  });

  test("the exporters keep the environment interval (15 s, the seeds' global one)", () => {
    expect(find(loopi, 'ServiceMonitor', 'mysql').spec.endpoints[0].interval).toBe('15s');
  });

  test.each([
    ['Loopi', 8080, loopi, 'api'],
    ['TechShop', 3000, techshop, 'app'],
  ] as const)('%s: the Service listens on 80 and targets %s', (_name, containerPort, objects, workload) => {
    expect(find(objects, 'Service', workload).spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(mainContainer(workloadObject(objects, workload)).ports[0].containerPort).toBe(containerPort);
  });

  test('the Loopi dashboard has a 4xx panel for the API', () => {
    const dashboard = JSON.parse(Object.values<string>(kinds(loopi, 'ConfigMap').find((c) => c.metadata.name === 'dashboard-grafana')!.data)[0]);
    const panel = dashboard.panels.find((p: any) => p.title === 'api client errors (4xx)');
    expect(panel.targets[0].expr).toBe(
      'sum(rate(http_requests_total{namespace="loopi-prod",job="api",status=~"4.."}[5m])) / sum(rate(http_requests_total{namespace="loopi-prod",job="api"}[5m]))',
    );
  });
});

describe('Loopi: the README says what the root image must do to run as the chart user', () => {
  const readme = readmeOf('loopi', 'prod');

  test('the note names the uid, the read-only root filesystem, what the image expects and what it must do', () => {
    expect(readme).toContain('## What the images must do to run here');
    expect(readme).toMatch(
      /- `api` \(`registry\.stackworks\.io\/loopi-api:1\.0\.0`\) runs as uid 10001, gid 10001, with a read-only root filesystem \(writable: \/tmp\)/,
    );
    expect(readme).toMatch(/The image expects: to run as root .* WORKDIR \/root/);
    expect(readme).toMatch(/It must: install the binary outside \/root .*USER 10001/);
  });
});
