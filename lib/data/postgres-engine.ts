import { CloudNativePgEngine, PostgresSettings } from './cloudnative-pg-engine';
import type { CloudNativePgProps } from './cloudnative-pg-settings';
import { isEngineOf, IStoreEngine, StatefulSetEngine } from './store-engine';

/** What runs a `Postgres` store: the library's own StatefulSet, or a CloudNativePG `Cluster`. */
export type PostgresEngine = IStoreEngine<PostgresSettings>;

/** The engines a `Postgres` store can run on. */
export const PostgresEngine = {
  /** One PostgreSQL server in a StatefulSet rendered by the library (the default). */
  statefulSet(): PostgresEngine {
    return new StatefulSetEngine();
  },

  /** A CloudNativePG `Cluster`: streaming standbys, automated failover, WAL archiving and point-in-time recovery. */
  cloudNativePg(props: CloudNativePgProps): PostgresEngine {
    return new CloudNativePgEngine(props);
  },

  /** Whether `value` is an engine a Postgres store runs on (props are not trusted at run time). */
  isPostgresEngine(value: unknown): value is PostgresEngine {
    return isEngineOf(value, 'postgres');
  },
};
