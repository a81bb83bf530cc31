import { MongoDbSettings, PerconaEngine } from './percona-engine';
import type { PerconaEngineOptions } from './psmdb-cluster';
import { isEngineOf, IStoreEngine, StatefulSetEngine } from './store-engine';

export type { PerconaBackupOptions, PerconaEngineOptions } from './psmdb-cluster';

/** What runs a `MongoDb` store: its own replica set StatefulSet, or the Percona Operator for MongoDB. */
export type MongoDbEngine = IStoreEngine<MongoDbSettings>;

/**
 * The engines a `MongoDb` store can run on. `statefulSet()` (the default) renders the store's
 * own replica set StatefulSet; `percona()` hands it to the Percona Operator for MongoDB
 * (replica set management, failover, PBM backups with oplog point-in-time recovery).
 */
export const MongoDbEngine = {
  /** The plain StatefulSet of the MongoDb construct. */
  statefulSet(): MongoDbEngine {
    return new StatefulSetEngine();
  },

  /** A `PerconaServerMongoDB` (github.com/percona/percona-server-mongodb-operator). */
  percona(options: PerconaEngineOptions): MongoDbEngine {
    return new PerconaEngine(options);
  },

  /** Whether `value` is an engine a MongoDb store runs on (props are not trusted at run time). */
  isMongoDbEngine(value: unknown): value is MongoDbEngine {
    return isEngineOf(value, 'mongodb');
  },
};
