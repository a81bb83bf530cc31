/**
 * The small data stores several test files build the same way: generated credentials,
 * one application database, 1Gi. Tests that check the stores' own props build their own.
 */
import { MySql, MySqlProps, Postgres, PostgresProps, SystemChart, SystemSecret } from '../../lib';

/** What the store's own tests do not care about here: with or without the metrics exporter. */
export interface SampleStoreOptions {
  /** @default false */
  readonly exporter?: boolean;
}

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
