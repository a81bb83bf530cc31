/**
 * The objects a backup site runs for one CloudNativePG store that is a replica of another
 * site's (`engine.replicaOf`), synthesized by the library: no environment of this repository
 * deploys a backup site, so the cluster suite applies these beside dist/ to have the real API
 * server admit them (the Cluster's bootstrap.recovery, replica and externalClusters, the
 * origin's ObjectStore).
 */
import { App } from 'cdk8s';
import { BackupTarget, Environment, ExistingSecret, fromSecret, Postgres, PostgresEngine, SystemChart, SystemSecret, synthesize } from '../../../lib';
import { ENVIRONMENTS } from '../../../charts/environments';
import { UNUSED_OUTDIR } from '../../support/synth';

type Json = Record<string, any>;

/** The replica Cluster and the ObjectStores of system `standby` in environment `env`, in namespace `standby-<env>`. */
export function standbyObjects(env: 'dev' | 'staging' | 'prod'): Json[] {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const { publicDns: _, ...platform } = ENVIRONMENTS[env].platform.props;
  const chart = new SystemChart(app, { system: 'standby', environment: new Environment({ ...ENVIRONMENTS[env], platform }) });
  const keys = ExistingSecret.named('backup-s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
  const s3 = (bucket: string, prefix: string) =>
    BackupTarget.s3({
      bucket,
      prefix,
      region: 'us-east-1',
      accessKeyId: fromSecret(keys, 'AWS_ACCESS_KEY_ID'),
      secretAccessKey: fromSecret(keys, 'AWS_SECRET_ACCESS_KEY'),
    });
  new Postgres(chart, 'db', {
    version: '15',
    database: 'chatnomina',
    user: 'chatnomina',
    storage: '50Gi',
    credentials: new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'], basicAuthUsername: 'chatnomina' }),
    resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
    engine: PostgresEngine.cloudNativePg({
      instances: 2,
      backup: { target: s3('chatnomina-backups-standby', 'chatnomina-standby/cnpg') },
      replicaOf: { target: s3('chatnomina-backups-prod', 'chatnomina-prod/cnpg') },
    }),
  });
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] })
    .objects.map((o) => o.object as Json)
    .filter((o) => o.kind === 'Cluster' || o.kind === 'ObjectStore');
}
