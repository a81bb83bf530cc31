import type { MocoEngineOptions } from './moco-cluster';
import { MocoEngine, MySqlSettings } from './moco-engine';
import { isEngineOf, IStoreEngine, StatefulSetEngine } from './store-engine';

export type { MocoBackupOptions, MocoEngineOptions } from './moco-cluster';

/** What runs a `MySql` store: its own single-server StatefulSet, or the MOCO operator. */
export type MySqlEngine = IStoreEngine<MySqlSettings>;

/**
 * The engines a `MySql` store can run on. `statefulSet()` (the default) renders the store's
 * own single-server StatefulSet; `moco()` hands it to the MOCO operator (primary + replicas,
 * failover, backups with binary logs and point-in-time recovery).
 */
export const MySqlEngine = {
  /** The plain StatefulSet of the MySql construct (one server). */
  statefulSet(): MySqlEngine {
    return new StatefulSetEngine();
  },

  /** A MOCO `MySQLCluster` (github.com/cybozu-go/moco). */
  moco(options: MocoEngineOptions): MySqlEngine {
    return new MocoEngine(options);
  },

  /** Whether `value` is an engine a MySql store runs on (props are not trusted at run time). */
  isMySqlEngine(value: unknown): value is MySqlEngine {
    return isEngineOf(value, 'mysql');
  },
};
