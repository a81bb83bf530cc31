import { Duration, JsonPatch } from 'cdk8s';
import { BackupTarget, fromSecret, MySql, ObjectStore, PersistentVolume, Postgres, Probe, SystemChart, SystemSecret, Worker } from '../../../../lib';
import { NO_BACKUP, patch, PlanChange, RESOURCES } from './change';
import { cnpg } from './refused';

const worker = (chart: SystemChart): Worker =>
  new Worker(chart, 'worker', {
    image: 'registry.stackworks.io/org/worker:1.0.0',
    command: ['worker'],
    liveness: Probe.exec(['true']),
    resources: RESOURCES,
  });

const postgres = (chart: SystemChart, id = 'db'): Postgres =>
  new Postgres(chart, id, {
    version: '17',
    database: 'app',
    storage: '1Gi',
    credentials: new SystemSecret(chart, `${id}-credentials`, { keys: ['postgres-password', 'password'] }),
    resources: RESOURCES,
  });

const mysql = (chart: SystemChart): MySql =>
  new MySql(chart, 'mysql', {
    database: 'app',
    storage: '1Gi',
    credentials: new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password'] }),
    resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
  });

const s3 = (chart: SystemChart, bucket: string) => {
  const keys = new SystemSecret(chart, 'backup-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  return BackupTarget.s3({
    bucket,
    region: 'us-east-1',
    accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
  });
};

/** Changes that lose data, or stop protecting it. Kubernetes accepts all of them. */
export const DATA_LOSS_CHANGES: readonly PlanChange[] = [
  {
    id: 'claim-removed',
    title: 'a volume is no longer declared',
    risks: ['data-loss.claim-removed'],
    server: 'accepts',
    build: (chart, side) => {
      const w = worker(chart);
      if (side === 'before') new PersistentVolume(chart, 'files', { size: '1Gi', storageClassName: 'standard' }).mountOn(w, '/files');
    },
  },
  {
    id: 'claim-renamed',
    title: 'a volume is renamed (its construct id changed): removal plus an empty new claim, refused by the quota while the old claim is kept',
    risks: ['data-loss.claim-renamed', 'refused.quota-exceeded'],
    server: 'refuses',
    build: (chart, side) => {
      const w = worker(chart);
      new PersistentVolume(chart, side === 'before' ? 'files' : 'uploads', { size: '1Gi', storageClassName: 'standard' }).mountOn(w, '/files');
    },
  },
  {
    id: 'store-renamed',
    title: 'a store is renamed: its StatefulSet, its backup claim and its backup schedule all get new names',
    risks: ['data-loss.statefulset-claims-orphaned', 'data-loss.claim-renamed', 'refused.quota-exceeded'],
    server: 'refuses',
    build: (chart, side) => {
      const db = postgres(chart, side === 'before' ? 'db' : 'database');
      db.backup({ target: BackupTarget.volume({ size: '2Gi', storageClassName: 'standard' }) });
    },
  },
  {
    id: 'store-removed',
    title: 'a store is removed (its StatefulSet had claim templates)',
    risks: ['data-loss.statefulset-claims-orphaned'],
    server: 'accepts',
    build: (chart, side) => {
      worker(chart);
      if (side === 'before') postgres(chart).noBackup(NO_BACKUP);
    },
  },
  {
    id: 'cnpg-removed',
    title: 'a CloudNativePG cluster is removed, with its scheduled backups',
    environment: 'prod',
    risks: ['data-loss.database-cluster-removed', 'data-loss.backup-removed'],
    server: 'accepts',
    build: (chart, side) => {
      worker(chart);
      if (side === 'before') cnpg(chart);
    },
  },
  {
    id: 'backup-removed',
    title: "a store's backup schedule is replaced by noBackup()",
    risks: ['data-loss.backup-removed', 'data-loss.claim-removed'],
    server: 'accepts',
    build: (chart, side) => {
      const db = postgres(chart);
      if (side === 'before') db.backup({ target: BackupTarget.volume({ size: '2Gi', storageClassName: 'standard' }) });
      else db.noBackup(NO_BACKUP);
    },
  },
  {
    id: 'backup-destination',
    title: 'backups go to another bucket',
    risks: ['data-loss.backup-destination-changed'],
    server: 'accepts',
    build: (chart, side) => void mysql(chart).backup({ target: s3(chart, side === 'before' ? 'backups-a' : 'backups-b') }),
  },
  {
    id: 'backup-retention',
    title: 'fewer backups are kept',
    risks: ['data-loss.retention-shortened'],
    server: 'accepts',
    build: (chart, side) => void mysql(chart).backup({ target: s3(chart, 'backups-a'), keep: side === 'before' ? 7 : 3 }),
  },
  {
    id: 'cnpg-retention',
    title: "a CloudNativePG cluster's base backups are kept for less time",
    environment: 'prod',
    risks: ['data-loss.retention-shortened'],
    server: 'accepts',
    build: (chart, side) => void cnpg(chart, 'db', { retention: side === 'before' ? Duration.days(30) : Duration.days(7) }),
  },
  {
    id: 'cnpg-destination',
    title: "a CloudNativePG cluster's WAL archive moves to another path",
    environment: 'prod',
    risks: ['data-loss.backup-destination-changed'],
    server: 'accepts',
    build: (chart, side) => void cnpg(chart, 'db', { prefix: side === 'before' ? 'db' : 'db-v2' }),
  },
  {
    id: 'cnpg-shrunk',
    title: "a CloudNativePG cluster's storage is made smaller (the operator's webhook would refuse it; the API server does not)",
    environment: 'prod',
    risks: ['data-loss.storage-shrunk'],
    server: 'accepts',
    build: (chart, side) => void cnpg(chart, 'db', { storage: side === 'before' ? '10Gi' : '5Gi' }),
  },
  {
    id: 'cnpg-class',
    title: "a CloudNativePG cluster's storage class changes",
    environment: 'prod',
    risks: ['data-loss.storage-class-changed'],
    server: 'accepts',
    build: (chart, side) => void cnpg(chart, 'db', { storageClassName: side === 'before' ? 'standard' : 'fast' }),
  },
  {
    id: 'claims-not-retained',
    title: "a StatefulSet's claims are deleted with it (retention policy Retain -> Delete)",
    risks: ['data-loss.reclaim-policy-changed'],
    server: 'accepts',
    build: (chart, side) => {
      const db = postgres(chart).noBackup(NO_BACKUP);
      if (side === 'after')
        patch(db, 'StatefulSet', JsonPatch.replace('/spec/persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Delete', whenScaled: 'Delete' }));
    },
  },
  {
    id: 'bucket-removed',
    title: 'an object store bucket is no longer declared',
    risks: ['data-loss.bucket-removed'],
    server: 'accepts',
    build: (chart, side) => {
      const store = new ObjectStore(chart, 'minio', {
        storage: '1Gi',
        credentials: new SystemSecret(chart, 'minio-credentials', { keys: ['root-user', 'root-password'] }),
        resources: RESOURCES,
      }).noBackup(NO_BACKUP);
      store.addBucket('uploads');
      if (side === 'before') store.addBucket('archive');
    },
  },
];
