import { App } from 'cdk8s';
import { TechShopChart } from '../../charts/techshop';
import { ENVIRONMENTS } from '../../charts';
import {} from '../../lib';
import { NamespaceBudget } from '../../lib/scaling/namespace-budget';
import { errorsOf, UNUSED_OUTDIR } from '../support/synth';
import { envOf, find, kinds, mainContainer, systemObjects, workloadObject } from './support';

describe('TechShop Cloud (seeds/002)', () => {
  const prod = systemObjects('techshop', 'prod');
  const dev = systemObjects('techshop', 'dev');
  const app = workloadObject(prod, 'app');
  const pod = app.spec.template.spec;

  test('Node app on 3000 as uid 1001, read-only root with a writable /tmp', () => {
    const c = mainContainer(app);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, runAsNonRoot: true });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('HPA 3-10 on cpu 70 % and memory 80 %, PDB minAvailable 2', () => {
    const hpa = find(prod, 'HorizontalPodAutoscaler', 'app').spec;
    expect(hpa).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 70],
      ['memory', 80],
    ]);
    expect(find(prod, 'PodDisruptionBudget', 'app').spec.minAvailable).toBe(2);
  });

  test('defect fixed: the VPA does not fight the HPA (recommendations only, within 100m/128Mi and 1 CPU/1Gi)', () => {
    const vpa = find(prod, 'VerticalPodAutoscaler', 'app').spec;
    expect(vpa.updatePolicy.updateMode).toBe('Off');
    expect(vpa.resourcePolicy.containerPolicies[0]).toMatchObject({
      minAllowed: { cpu: '100m', memory: '128Mi' },
      maxAllowed: { cpu: '1', memory: '1Gi' },
    });
  });

  test('defect fixed: the regex path is ImplementationSpecific with use-regex and rewrite-target; 100 req/min', () => {
    const ingress = kinds(prod, 'Ingress').find((i) => i.metadata.name === 'public')!;
    expect(ingress.spec.rules[0].host).toBe('api.techshop-cloud.com');
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific' });
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
      'nginx.ingress.kubernetes.io/limit-rpm': '100',
    });
  });

  test("a ClusterIssuer for Let's Encrypt with admin@techshop-cloud.com", () => {
    const issuer = kinds(prod, 'ClusterIssuer')[0];
    expect(issuer.spec.acme.email).toBe('admin@techshop-cloud.com');
    expect(issuer.metadata.namespace).toBeUndefined();
  });

  test('defect fixed: NetworkPolicy egress includes DNS for every pod', () => {
    const dns = find(prod, 'NetworkPolicy', 'allow-dns').spec;
    expect(dns.podSelector).toEqual({});
    expect(dns.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  });

  test('defect fixed: Redis is three members with a volume each, Sentinel and HAProxy, no cluster mode (not a 3-replica Deployment on one RWO PVC)', () => {
    const redis = find(prod, 'StatefulSet', 'redis');
    expect(redis.spec.replicas).toBe(3);
    expect(redis.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(redis.spec.template.spec.containers.map((c: any) => c.name)).toContain('sentinel');
    expect(JSON.stringify(redis)).not.toMatch(/cluster-enabled/);
    expect(kinds(prod, 'Deployment').map((d) => d.metadata.name)).not.toContain('redis');
    // The app's Service name reaches HAProxy, which reaches the master.
    expect(find(prod, 'Service', 'redis').spec.selector).toEqual(find(prod, 'Deployment', 'redis-proxy').spec.selector.matchLabels);
  });

  test('ServiceAccount without token; no "SecurityContext" kind (the fields live in the pod)', () => {
    expect(find(prod, 'ServiceAccount', 'app').automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(kinds(prod, 'SecurityContext')).toEqual([]);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  /** techshop-prod with its generated budget replaced by an explicit quota; the synth errors. */
  const withQuota = (quota: Record<string, string>): string[] => {
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new TechShopChart(app, ENVIRONMENTS.prod);
    // The chart's own budget replaces the one the pipeline would add from its props.
    new NamespaceBudget(chart, 'seed-budget', { quota });
    return errorsOf(app);
  };
  const SEED_QUOTA = { 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', pods: '20' };

  test('an explicit quota smaller than the stack is a synth error naming the budget and the shortfall', () => {
    const errors = withQuota({
      ...SEED_QUOTA,
      'requests.cpu': '100',
      'limits.cpu': '100',
      'requests.memory': '100Gi',
      'limits.memory': '100Gi',
      pods: '5',
    });
    expect(errors).toEqual([
      expect.stringMatching(/^\[techshop-prod\/seed-budget\] quota: cannot admit the stack at maximum scale .*: pods: 5 < \d+ needed/),
    ]);
  });

  test("defect fixed: the seed's ResourceQuota cannot admit the stack at maximum scale (cpu)", () => {
    // The stack in prod at maximum scale, per pod (requests / limits) x pods:
    //   app       250m / 500m   x 13 (HPA max 10, rolling-update surge 25 % -> 3)  = 3250m / 6500m
    //   mongodb   510m / 1200m  x 3  (mongod 500m/1, exporter 10m/200m)           = 1530m / 3600m
    //   redis     110m / 600m   x 1  (redis 100m/500m, exporter 10m/100m)          =  110m /  600m
    //   minio     100m / 500m   x 1                                                 =  100m /  500m
    //   mongodb-init Job 50m / 500m, minio-buckets Job 10m / 200m, once each      =   60m /  700m
    //   mongodb-backup (dump 100m/1 then upload 50m/500m) and mongodb-restore, once each
    //   total requests.cpu well above the seed's 4; limits.cpu well above the seed's 8.
    const errors = withQuota(SEED_QUOTA);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^\[techshop-prod\/seed-budget\] quota: cannot admit the stack at maximum scale/);
    expect(errors[0]).toMatch(/requests\.cpu: 4 < \d+m needed/);
    expect(errors[0]).toMatch(/limits\.cpu: 8 < \d+m needed/);
  });

  test('the generated quota admits the stack at maximum scale', () => {
    expect(find(prod, 'ResourceQuota', 'stack').spec.hard.pods).toBeDefined();
  });

  test('defect fixed: MongoDB is a 3-member replica set (--replSet, keyfile, headless Service), initiated by a Job', () => {
    const mongo = find(prod, 'StatefulSet', 'mongodb');
    expect(mongo.spec).toMatchObject({ replicas: 3, serviceName: 'mongodb-headless', podManagementPolicy: 'Parallel' });
    const mongod = mainContainer(mongo);
    expect(mongod.image).toMatch(/^docker\.io\/library\/mongo:8\.0\.\d+$/);
    expect(mongod.args).toEqual(expect.arrayContaining(['--replSet', 'rs0', '--keyFile', '/var/run/mongo-keyfile/keyfile', '--bind_ip_all']));
    expect(find(prod, 'Service', 'mongodb-headless').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(mongo.spec.template.spec.volumes).toContainEqual(
      expect.objectContaining({ name: 'keyfile-secret', secret: expect.objectContaining({ secretName: 'mongodb-credentials', defaultMode: 0o400 }) }),
    );
    expect(mongo.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
    expect(mongod.resources).toMatchObject({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(find(prod, 'PodDisruptionBudget', 'mongodb').spec.maxUnavailable).toBe(1);
    const jobs = kinds(prod, 'Job').filter((j) => j.metadata.name.startsWith('mongodb-init-'));
    expect(jobs).toHaveLength(1);
    const members = [0, 1, 2].map((i) => `mongodb-${i}.mongodb-headless.techshop-prod.svc:27017`).join(',');
    expect(envOf(mainContainer(jobs[0])).MONGO_MEMBERS).toEqual({ name: 'MONGO_MEMBERS', value: members });
  });

  test('the app reads MONGODB_URI (every member, replicaSet=rs0, its own user; password by reference) and S3 settings for MinIO', () => {
    const env = envOf(mainContainer(app));
    const members = [0, 1, 2].map((i) => `mongodb-${i}.mongodb-headless.techshop-prod.svc:27017`).join(',');
    expect(env.MONGODB_URI).toEqual({
      name: 'MONGODB_URI',
      value: `mongodb://techshop:$(MONGODB_URI_PASSWORD)@${members}/techshop?replicaSet=rs0&authSource=techshop`,
    });
    expect(env.MONGODB_URI_PASSWORD).toEqual({
      name: 'MONGODB_URI_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'mongodb-credentials', key: 'password' } },
    });
    expect(env.S3_ENDPOINT).toEqual({ name: 'S3_ENDPOINT', value: 'http://minio.techshop-prod.svc:9000' });
    expect(env.S3_BUCKET).toEqual({ name: 'S3_BUCKET', value: 'uploads' });
    // A MinIO user that may use the uploads bucket only, never the root keys.
    expect(env.AWS_ACCESS_KEY_ID).toEqual({ name: 'AWS_ACCESS_KEY_ID', value: 'uploads-rw' });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({
      name: 'AWS_SECRET_ACCESS_KEY',
      valueFrom: { secretKeyRef: { name: 'minio-uploads-rw', key: 'secret-key' } },
    });
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['wait-for-redis', 'wait-for-mongodb', 'wait-for-minio']);
    const egress = find(prod, 'NetworkPolicy', 'app')
      .spec.egress.filter((rule: any) => rule.to[0].podSelector)
      .map((rule: any) => [rule.to[0].podSelector.matchLabels['app.kubernetes.io/name'], rule.ports[0].port]);
    expect(egress).toEqual(
      expect.arrayContaining([
        ['mongodb', 27017],
        ['minio', 9000],
        ['redis-proxy', 6379],
      ]),
    );
  });

  test.each(['dev', 'staging', 'prod'] as const)(
    "%s: the seed's egress to 80/443 for outside services is restored: any address outside the cluster's ranges, those two ports only",
    (envName) => {
      const egress = find(systemObjects('techshop', envName), 'NetworkPolicy', 'app').spec.egress;
      const internet = egress.filter((rule: any) => rule.to.some((peer: any) => peer.ipBlock));
      expect(internet).toEqual([
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'] } }],
          ports: [
            { port: 443, protocol: 'TCP' },
            { port: 80, protocol: 'TCP' },
          ],
        },
      ]);
    },
  );

  test('MinIO: one server, buckets uploads (versioned) and, in staging, backups (expiring after the retention) created by a Job', () => {
    const minio = find(prod, 'StatefulSet', 'minio');
    expect(mainContainer(minio).args).toEqual(['server', '/data', '--address', ':9000', '--console-address', ':9001']);
    const jobs = kinds(systemObjects('techshop', 'staging'), 'Job').filter((j) => j.metadata.name.startsWith('minio-buckets-'));
    expect(jobs).toHaveLength(1);
    const script: string = mainContainer(jobs[0]).command[2];
    expect(script).toContain('mc mb --ignore-existing store/uploads\nmc version enable store/uploads');
    expect(script).toContain('mc mb --ignore-existing store/backups');
    // A backstop: the backup Job's own retention (7 backups, 30 days) applies first.
    expect(script).toContain('"Expiration":{"Days":60}');
  });

  test("dev differs as the seed's values files say: 1 replica, small resources, 1Gi Redis, no ingress", () => {
    expect(workloadObject(dev, 'app').spec.replicas).toBe(1);
    expect(mainContainer(workloadObject(dev, 'app')).resources.limits).toMatchObject({ cpu: '200m', memory: '256Mi' });
    expect(find(dev, 'StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(find(prod, 'StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    const mongo = find(dev, 'StatefulSet', 'mongodb');
    expect(mongo.spec.replicas).toBe(1);
    expect(mongo.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(kinds(dev, 'PodDisruptionBudget').map((p) => p.metadata.name)).not.toContain('mongodb');
    expect(kinds(dev, 'Ingress')).toEqual([]);
    expect(kinds(dev, 'HorizontalPodAutoscaler')).toEqual([]);
  });
});
