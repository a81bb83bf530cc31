import { BackupTarget, ConnectionEnv, DEFAULT_RULES, fromSecret, SystemSecret, Probe, SystemChart, WebService } from '../../lib';
import { MySql, MySqlProps } from '../../lib/data/mysql';
import { MySqlEngine, MocoEngineOptions } from '../../lib/data/mysql-engine';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { expectOneError, testStrictSchemaValidation } from '../support/construct-tests';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };

function build(props: Partial<MySqlProps> = {}, env: 'dev' | 'staging' | 'prod' = 'prod') {
  const { app, chart } = testChart(testEnv(env));
  const credentials = new SystemSecret(chart, 'mysql-credentials', { keys: ['root-password', 'password'] });
  const s3Keys = new SystemSecret(chart, 'backup-s3', { keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] });
  const offCluster = BackupTarget.s3({
    bucket: 'loopi-mysql-backups',
    region: 'eu-west-1',
    accessKeyId: fromSecret(s3Keys, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: fromSecret(s3Keys, 'AWS_SECRET_ACCESS_KEY'),
  });
  const moco = (options: Partial<MocoEngineOptions> = {}) =>
    MySqlEngine.moco({ instances: 3, rpo: '1h', backup: { target: offCluster, schedule: '0 * * * *' }, ...options });
  const mysql = new MySql(chart, 'mysql', {
    database: 'loopi_db',
    user: 'loopi',
    storage: '20Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
    engine: moco(),
    ...props,
  });
  return { app, chart, mysql };
}

const loopiApi = (chart: SystemChart) =>
  new WebService(chart, 'api', { image: 'loopi-api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources });

describe('MySql on MOCO', () => {
  const { app, chart, mysql } = build();
  const api = loopiApi(chart);
  api.connect(mysql, {
    env: ConnectionEnv.discrete({
      host: 'DB_HOST',
      readOnlyHost: 'DB_READ_HOST',
      port: 'DB_PORT',
      database: 'DB_NAME',
      user: 'DB_USER',
      password: 'DB_PASSWORD',
    }),
  });
  const cluster = objectOf(app, 'MySQLCluster', 'mysql');

  test('synthesizes without errors', () => {
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
  });

  test('dump', () => {
    console.log(
      JSON.stringify(
        objectsOf(app).filter((o) => !['api'].includes(o.metadata.name)),
        null,
        1,
      ),
    );
    expect(cluster).toBeDefined();
  });
});
