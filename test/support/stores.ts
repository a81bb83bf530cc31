/**
 * The small data stores several test files build the same way: generated credentials,
 * one application database, 1Gi. Tests that check the stores' own props build their own.
 */
import { ConnectionEnv, ExistingSecret, MySql, MySqlProps, Postgres, PostgresProps, Probe, SystemChart, SystemSecret, WebService } from '../../lib';

/** What the store's own tests do not care about here: with or without the metrics exporter. */
export interface SampleStoreOptions {
  /** @default false */
  readonly exporter?: boolean;
}

/** The opt-out unit tests give a store whose backup is not what they test (without one, staging and prod refuse the store). */
export const NOT_BACKED_UP_IN_TEST = { reason: 'a unit test of the store itself: its data is thrown away with the test' } as const;

const monitoring = (options: SampleStoreOptions) => (options.exporter ? { monitoring: { exporter: true } } : {});

/** Postgres 17 `db` with database `app`; credentials the Secret `pg` (superuser, app, monitoring role). */
export function samplePostgres(chart: SystemChart, resources: PostgresProps['resources'], options: SampleStoreOptions = {}): Postgres {
  return new Postgres(chart, 'db', {
    version: '17',
    database: 'app',
    storage: '1Gi',
    credentials: new SystemSecret(chart, 'pg', { keys: ['postgres-password', 'password', 'monitoring-password'] }),
    resources,
    ...monitoring(options),
  });
}

/** MySQL `mysql` with database `app`; credentials the Secret `my` (root, app, exporter account). */
export function sampleMySql(chart: SystemChart, resources: MySqlProps['resources'], options: SampleStoreOptions = {}): MySql {
  return new MySql(chart, 'mysql', {
    database: 'app',
    storage: '1Gi',
    credentials: new SystemSecret(chart, 'my', { keys: ['root-password', 'password', 'exporter-password'] }),
    resources,
    ...monitoring(options),
  });
}

/**
 * Postgres 17 `db` (database `app`, role `app_user`, 10Gi, the existing Secret `db-credentials`)
 * and the WebService `api` on 8080 connected to it by `DATABASE_URL`.
 */
export function postgresWithApi(chart: SystemChart, resources: PostgresProps['resources']): { db: Postgres; api: WebService } {
  const db = new Postgres(chart, 'db', {
    version: '17',
    database: 'app',
    user: 'app_user',
    storage: '10Gi',
    credentials: ExistingSecret.named('db-credentials', ['postgres-password', 'password']),
    resources,
  });
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(db, { env: ConnectionEnv.url('DATABASE_URL') });
  return { db, api };
}

/**
 * The FastAPI template's backend: WebService `backend` on 8000, connected to `db` by the
 * template's POSTGRES_* variables and a URL for SQLAlchemy-style clients.
 */
export function fastApiBackend(chart: SystemChart, db: Postgres, resources: PostgresProps['resources']): WebService {
  const backend = new WebService(chart, 'backend', {
    image: 'registry.stackworks.io/org/backend:1.0.0',
    ports: [{ name: 'http', port: 8000 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  backend.connect(db, {
    env: ConnectionEnv.all(
      ConnectionEnv.discrete({
        host: 'POSTGRES_SERVER',
        port: 'POSTGRES_PORT',
        database: 'POSTGRES_DB',
        user: 'POSTGRES_USER',
        password: 'POSTGRES_PASSWORD',
      }),
      ConnectionEnv.url('DATABASE_URL'),
    ),
  });
  return backend;
}
