import { Duration, JsonPatch } from 'cdk8s';
import {
  AppConfig,
  BackupTarget,
  fromSecret,
  MigrationJob,
  PersistentVolume,
  Postgres,
  PostgresEngine,
  Probe,
  Redis,
  SystemChart,
  SystemSecret,
  WebService,
  Worker,
} from '../../../../lib';
import { apiObject, NO_BACKUP, patch, PlanChange, RESOURCES } from './change';

const web = (chart: SystemChart, id = 'api'): WebService =>
  new WebService(chart, id, {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources: RESOURCES,
  });

const redis = (chart: SystemChart, id = 'cache', storageClassName?: string): Redis =>
  new Redis(chart, id, {
    use: 'cache',
    storage: '1Gi',
    credentials: new SystemSecret(chart, `${id}-credentials`, { keys: ['redis-password'] }),
    resources: RESOURCES,
    ...(storageClassName ? { storageClassName } : {}),
  }).noBackup(NO_BACKUP);

const worker = (chart: SystemChart, id = 'worker'): Worker =>
  new Worker(chart, id, {
    image: 'registry.stackworks.io/org/worker:1.0.0',
    command: ['worker'],
    liveness: Probe.exec(['true']),
    resources: RESOURCES,
  });

/** Changes to fields the API server holds immutable, and mutable controls next to them. */
export const REFUSED_CHANGES: readonly PlanChange[] = [
  {
    id: 'deploy-selector',
    title: 'a Deployment selects its pods by another label',
    risks: ['refused.selector-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const api = web(chart);
      if (side === 'after')
        patch(
          api,
          'Deployment',
          JsonPatch.add('/spec/selector/matchLabels/tier', 'web'),
          JsonPatch.add('/spec/template/metadata/labels/tier', 'web'),
        );
    },
  },
  {
    id: 'sts-selector',
    title: "a store's StatefulSet selects its pods by another label",
    risks: ['refused.selector-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after')
        patch(
          cache,
          'StatefulSet',
          JsonPatch.add('/spec/selector/matchLabels/tier', 'cache'),
          JsonPatch.add('/spec/template/metadata/labels/tier', 'cache'),
        );
    },
  },
  {
    id: 'sts-claim-size',
    title: "a store's volume grows (its StatefulSet's claim template)",
    risks: ['refused.statefulset-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      new Redis(chart, 'cache', {
        use: 'cache',
        storage: side === 'before' ? '1Gi' : '2Gi',
        credentials: new SystemSecret(chart, 'cache-credentials', { keys: ['redis-password'] }),
        resources: RESOURCES,
      }).noBackup(NO_BACKUP);
    },
  },
  {
    id: 'sts-claim-class',
    title: "a store's volumes move to another storage class",
    risks: ['refused.statefulset-field-changed', 'data-loss.storage-class-changed'],
    server: 'refuses',
    build: (chart, side) => void redis(chart, 'cache', side === 'before' ? 'standard' : 'fast'),
  },
  {
    id: 'sts-service-name',
    title: "a StatefulSet's governing Service changes",
    risks: ['refused.statefulset-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after') patch(cache, 'StatefulSet', JsonPatch.replace('/spec/serviceName', 'cache'));
    },
  },
  {
    id: 'sts-pod-management',
    title: "a StatefulSet's pod management policy changes",
    risks: ['refused.statefulset-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after') patch(cache, 'StatefulSet', JsonPatch.replace('/spec/podManagementPolicy', 'Parallel'));
    },
  },
  {
    id: 'sts-history-limit',
    title: "a StatefulSet's revisionHistoryLimit changes (immutable before Kubernetes 1.30)",
    risks: (minor) => (minor >= 30 ? [] : ['refused.statefulset-field-changed']),
    server: (minor) => (minor >= 30 ? 'accepts' : 'refuses'),
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after') patch(cache, 'StatefulSet', JsonPatch.replace('/spec/revisionHistoryLimit', 2));
    },
  },
  {
    id: 'sts-template',
    title: 'control: a StatefulSet gets a new image and retention policy (both mutable)',
    risks: [],
    server: 'accepts',
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after')
        patch(
          cache,
          'StatefulSet',
          JsonPatch.add('/spec/template/metadata/annotations/restarted', 'yes'),
          JsonPatch.replace('/spec/minReadySeconds', 5),
        );
    },
  },
  {
    id: 'job-template',
    title: "a migration Job's pod template changes under the same name (an Argo CD hook: conditional, refused by kubectl apply)",
    risks: ['refused.job-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const job = new MigrationJob(chart, 'migrate', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        command: ['migrate', 'up'],
        readyCheck: 'true',
        resources: RESOURCES,
      });
      if (side === 'after') apiObject(job, 'Job').addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { note: 'changed' }));
    },
  },
  {
    id: 'job-template-plain',
    title: 'a Job that is not an Argo CD hook changes its pod template under the same name',
    risks: ['refused.job-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const job = new MigrationJob(chart, 'migrate', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        command: ['migrate', 'up'],
        readyCheck: 'true',
        resources: RESOURCES,
      });
      const object = apiObject(job, 'Job');
      object.addJsonPatch(
        JsonPatch.remove('/metadata/annotations/argocd.argoproj.io~1hook'),
        JsonPatch.remove('/metadata/annotations/argocd.argoproj.io~1hook-delete-policy'),
      );
      if (side === 'after') object.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { note: 'changed' }));
    },
  },
  {
    id: 'job-renamed',
    title: "control: a migration's command changes, so its Job gets a new name (a hash of the template)",
    risks: [],
    server: 'accepts',
    build: (chart, side) => {
      new MigrationJob(chart, 'migrate', {
        image: 'registry.stackworks.io/org/api:1.0.0',
        command: side === 'before' ? ['migrate', 'up'] : ['migrate', 'up', '--all'],
        readyCheck: 'true',
        resources: RESOURCES,
      });
    },
  },
  {
    id: 'pvc-class',
    title: 'a claim moves to another storage class',
    risks: ['refused.claim-spec-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, 'files', { size: '1Gi', storageClassName: side === 'before' ? 'standard' : 'fast' }).mountOn(w, '/files');
    },
  },
  {
    id: 'pvc-access-mode',
    title: "a claim's access mode changes",
    risks: ['refused.claim-spec-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, 'files', {
        size: '1Gi',
        storageClassName: 'standard',
        accessMode: side === 'before' ? 'ReadWriteOnce' : 'ReadWriteMany',
      }).mountOn(w, '/files');
    },
  },
  {
    id: 'pvc-shrink',
    title: 'a bound claim asks for less storage',
    risks: ['refused.claim-shrunk'],
    server: 'refuses',
    boundClaims: true,
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, 'files', { size: side === 'before' ? '2Gi' : '1Gi', storageClassName: 'expandable' }).mountOn(w, '/files');
    },
  },
  {
    id: 'pvc-grow-expandable',
    title: 'a bound claim in a class that allows expansion grows (conditional: accepted here)',
    risks: ['refused.claim-resize-needs-expansion'],
    server: 'accepts',
    boundClaims: true,
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, 'files', { size: side === 'before' ? '1Gi' : '2Gi', storageClassName: 'expandable' }).mountOn(w, '/files');
    },
  },
  {
    id: 'pvc-grow-fixed',
    title: 'a bound claim in a class that does not allow expansion grows (conditional: refused here)',
    risks: ['refused.claim-resize-needs-expansion'],
    server: 'refuses',
    boundClaims: true,
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, 'files', { size: side === 'before' ? '1Gi' : '2Gi', storageClassName: 'fixed' }).mountOn(w, '/files');
    },
  },
  {
    id: 'svc-headless',
    title: 'a Service is made headless (clusterIP: None)',
    risks: ['refused.service-cluster-ip-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const api = web(chart);
      if (side === 'after') patch(api, 'Service', JsonPatch.add('/spec/clusterIp', 'None'));
    },
  },
  {
    id: 'svc-not-headless',
    title: "a store's headless Service loses clusterIP: None (accepted; the Service stays headless)",
    risks: ['refused.service-cluster-ip-changed'],
    server: 'accepts',
    build: (chart, side) => {
      const cache = redis(chart);
      if (side === 'after') apiObject(cache, 'Service', 'cache-headless').addJsonPatch(JsonPatch.remove('/spec/clusterIp'));
    },
  },
  {
    id: 'svc-cluster-ip',
    title: 'a Service is given another fixed clusterIP',
    risks: ['refused.service-cluster-ip-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const api = web(chart);
      patch(api, 'Service', JsonPatch.add('/spec/clusterIp', side === 'before' ? '10.96.77.10' : '10.96.77.11'));
    },
  },
  {
    id: 'cm-immutable-data',
    title: "an immutable ConfigMap's data changes",
    risks: ['refused.immutable-data-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const config = new AppConfig(chart, 'settings', { env: { MODE: side === 'before' ? 'a' : 'b' } });
      apiObject(config, 'ConfigMap').addJsonPatch(JsonPatch.add('/immutable', true));
    },
  },
  {
    id: 'cm-mutable-again',
    title: 'an immutable ConfigMap is made mutable',
    risks: ['refused.immutable-data-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const config = new AppConfig(chart, 'settings', { env: { MODE: 'a' } });
      apiObject(config, 'ConfigMap').addJsonPatch(JsonPatch.add('/immutable', side === 'before'));
    },
  },
  {
    id: 'rolebinding-role',
    title: 'a RoleBinding binds another Role',
    risks: ['refused.role-ref-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const w = worker(chart);
      w.allowApiAccess([{ apiGroup: '', resource: 'configmaps', verbs: ['list'] }]);
      if (side === 'after') {
        const role = apiObject(w, 'Role');
        role.addJsonPatch(JsonPatch.replace('/metadata/name', 'worker-reader'));
        apiObject(w, 'RoleBinding').addJsonPatch(JsonPatch.replace('/roleRef/name', 'worker-reader'));
      }
    },
  },
  {
    id: 'cnpg-backup-cluster',
    title: "a CloudNativePG ScheduledBackup points at another cluster (the CRD's `self == oldSelf` rule)",
    environment: 'prod',
    risks: ['refused.custom-resource-field-changed'],
    server: 'refuses',
    build: (chart, side) => {
      const db = cnpg(chart);
      if (side === 'after') apiObject(db, 'ScheduledBackup').addJsonPatch(JsonPatch.replace('/spec/cluster/name', 'other'));
    },
  },
];

/** A CloudNativePG PostgreSQL with S3 backups (prod requires backups). */
export function cnpg(
  chart: SystemChart,
  id = 'db',
  o: { storage?: string; storageClassName?: string; instances?: number; retention?: Duration; prefix?: string } = {},
): Postgres {
  const keys = new SystemSecret(chart, `${id}-s3`, { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  return new Postgres(chart, id, {
    version: '17',
    database: 'app',
    storage: o.storage ?? '10Gi',
    ...(o.storageClassName ? { storageClassName: o.storageClassName } : {}),
    credentials: new SystemSecret(chart, `${id}-credentials`, { keys: ['password'], basicAuthUsername: 'app' }),
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    engine: PostgresEngine.cloudNativePg({
      instances: o.instances ?? 3,
      rpo: Duration.minutes(5),
      backup: {
        target: BackupTarget.s3({
          bucket: 'corpus-backups',
          region: 'us-east-1',
          prefix: o.prefix ?? 'db',
          accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
          secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
        }),
        retention: o.retention ?? Duration.days(30),
      },
    }),
  });
}
