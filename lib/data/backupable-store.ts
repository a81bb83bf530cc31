import type { AdminConnection, BackupEngine, IBackupable } from '../backup/backupable';
import { BackupSchedule, BackupScheduleProps } from '../backup/backup-schedule';
import { addCheck } from '../core/validation';
import { StatefulStore } from './stateful-store';

/**
 * A data store whose data is backed up and restored (PostgreSQL, MySQL, MongoDB, Redis):
 * what every such engine shares, so each engine only says how its tools reach it.
 */
export abstract class BackupableStore extends StatefulStore implements IBackupable {
  public abstract readonly backupEngine: BackupEngine;
  public abstract readonly backupDatabases: readonly string[];
  public abstract adminConnection(): AdminConnection;

  /** Scheduled, verified backups of this store (and the Job that restores them). */
  public backup(props: BackupScheduleProps): BackupSchedule {
    const ownBackups = this.engine.ownBackups;
    const schedule = new BackupSchedule(this.chart, `${this.name}-backup`, this, props);
    if (ownBackups) {
      // Refused: one error on the call, and nothing of it rendered (its objects would clash
      // with the engine's own backup objects and be reported again as duplicate names).
      addCheck(this, (report) => report.error('store.backup.engine-backs-up-itself', 'backup()', ownBackups));
      for (const refused of [schedule, schedule.restoreJob]) refused.node.scope?.node.tryRemoveChild(refused.node.id);
    } else {
      this.markBackedUp();
    }
    return schedule;
  }
}
