import { App, Chart } from 'cdk8s';
import { BackupSchedule } from '../backup/backup-schedule';
import { checkCronSchedule, cronPeriodSeconds } from '../core/cron';
import { SystemChart } from '../core/system-chart';
import { BucketBackup } from '../data/bucket-backup';
import { StatefulStore } from '../data/stateful-store';
import { SystemAlerts } from '../observability/system-alerts';
import { MongoDb } from '../data/mongodb';
import { MySql } from '../data/mysql';
import { bucketRestoreRunbook, mocoRestoreRunbook, perconaRestoreRunbook, restoreRunbook } from './restore-runbook';

const WATCHED = new WeakSet<object>();

/** The MySql stores of a chart whose backups MOCO takes. */
function mocoBackupsOf(chart: Chart): MySql[] {
  return chart.node.findAll().filter((c): c is MySql => c instanceof MySql && Chart.of(c) === chart && c.moco?.backupSchedule !== undefined);
}

function backupsOf(chart: Chart): Array<BackupSchedule | BucketBackup> {
  return chart.node
    .findAll()
    .filter((c): c is BackupSchedule | BucketBackup => (c instanceof BackupSchedule || c instanceof BucketBackup) && Chart.of(c) === chart);
}

/**
 * Synth pass: every backup CronJob is watched by the system's alerts (a failed run, or no
 * successful run for longer than the schedule's period). A schedule that is not valid cron
 * is reported by the BackupSchedule's own validation instead. Each backup is watched once,
 * however often the app is synthesized.
 */
export function watchBackups(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    for (const backup of backupsOf(chart)) {
      if (WATCHED.has(backup) || checkCronSchedule(backup.effectiveSchedule)) continue;
      WATCHED.add(backup);
      SystemAlerts.watchCronJob(backup, backup.name, cronPeriodSeconds(backup.effectiveSchedule));
    }
    // MOCO's CronJob, made by the operator from the BackupPolicy.
    for (const store of mocoBackupsOf(chart)) {
      const schedule = store.moco!.backupSchedule!;
      if (WATCHED.has(store) || checkCronSchedule(schedule)) continue;
      WATCHED.add(store);
      SystemAlerts.watchCronJob(store, `moco-backup-${store.name}`, cronPeriodSeconds(schedule));
    }
  }
}

/**
 * The "Backups and restore" section of a system's README: one runbook per backed-up store,
 * and the stores deliberately not backed up with the reason given for each; or none.
 */
export function backupReadmeSections(chart: SystemChart): string[] {
  const runbooks = [
    ...backupsOf(chart).map((backup) => (backup instanceof BucketBackup ? bucketRestoreRunbook(backup) : restoreRunbook(backup))),
    ...mocoBackupsOf(chart).map((store) => mocoRestoreRunbook(store, store.moco!)),
    ...chart.node
      .findAll()
      .filter((c): c is MongoDb => c instanceof MongoDb && Chart.of(c) === chart && c.percona?.backupSchedule !== undefined)
      .map((store) => perconaRestoreRunbook(store, store.percona!)),
  ];
  const optOuts = chart.node
    .findAll()
    .filter((c): c is StatefulStore => c instanceof StatefulStore && Chart.of(c) === chart)
    .flatMap((store) => {
      const decision = store.backupDecision;
      return decision?.kind === 'none' ? [`- \`${store.name}\`: ${decision.reason}`] : [];
    });
  const notBackedUp = optOuts.length === 0 ? [] : [['### Not backed up, on purpose', '', ...optOuts].join('\n')];
  const parts = [...runbooks, ...notBackedUp];
  return parts.length === 0 ? [] : [['## Backups and restore', ...parts.flatMap((r) => ['', r])].join('\n')];
}
