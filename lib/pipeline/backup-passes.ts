import { ApiObject, App, Chart, Duration } from 'cdk8s';
import { BackupSchedule } from '../backup/backup-schedule';
import { checkCronSchedule, cronPeriodSeconds } from '../core/cron';
import { SystemChart } from '../core/system-chart';
import { BucketBackup } from '../data/bucket-backup';
import { StatefulStore } from '../data/stateful-store';
import type { RunbookContext } from '../data/store-engine';
import { ARGOCD_NAMESPACE } from '../gitops/argocd-applications';
import { SystemAlerts } from '../observability/system-alerts';
import { RenderedObject } from '../gitops/render';
import { ModelIndex } from './model-index';
import { bucketRestoreRunbook, restoreRunbook, writersByStore } from './restore-runbook';

const WATCHED = new WeakSet<object>();
const ALERTED = new WeakSet<object>();

/** The data stores of a chart, each with its engine. */
function storesOf(chart: Chart): StatefulStore[] {
  return chart.node.findAll().filter((c): c is StatefulStore => c instanceof StatefulStore && Chart.of(c) === chart);
}

function backupsOf(chart: Chart): Array<BackupSchedule | BucketBackup> {
  return chart.node
    .findAll()
    .filter((c): c is BackupSchedule | BucketBackup => (c instanceof BackupSchedule || c instanceof BucketBackup) && Chart.of(c) === chart);
}

/**
 * Synth pass: every backup CronJob is watched by the system's alerts (a failed run, or no
 * successful run for longer than the schedule's period): the library's own, and those an
 * engine's operator makes from its backup plan (MOCO's). A schedule that is not valid cron is
 * reported by its own validation instead. The alerts each store's engine asks for (CloudNativePG:
 * WAL archiving failing for longer than the rpo) are added too. Each once, however often the
 * app is synthesized.
 */
export function watchBackups(app: App): void {
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) {
    for (const backup of backupsOf(chart)) {
      if (WATCHED.has(backup) || checkCronSchedule(backup.effectiveSchedule)) continue;
      WATCHED.add(backup);
      SystemAlerts.watchCronJob(backup, backup.name, Duration.seconds(cronPeriodSeconds(backup.effectiveSchedule)));
    }
    const alerts = SystemAlerts.of(chart);
    for (const store of storesOf(chart)) {
      const plan = store.engine.backupPlan();
      if (plan?.cronJobName && !WATCHED.has(store) && !checkCronSchedule(plan.schedule)) {
        WATCHED.add(store);
        SystemAlerts.watchCronJob(store, plan.cronJobName, Duration.seconds(cronPeriodSeconds(plan.schedule)));
      }
      if (alerts && !ALERTED.has(store)) {
        ALERTED.add(store);
        for (const rule of store.engine.alerts()) alerts.addAlert(rule);
      }
    }
  }
}

/**
 * What the stores' restore runbooks need from the system around them, found once per chart
 * (per store, the whole tree was searched and the ResourceQuota's budget re-rendered once for
 * every store: quadratic in the number of stores). The quota is read from its rendered form.
 */
function runbookContexts(chart: SystemChart, rendered?: readonly RenderedObject[], index?: ModelIndex): (store: StatefulStore) => RunbookContext {
  const constructs = index ? index.constructsOf(chart) : chart.node.findAll().filter((c) => Chart.of(c) === chart);
  const quota = constructs.find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'ResourceQuota');
  const json = quota && (rendered?.find((o) => o.construct === quota)?.object ?? quota.toJson());
  const resourceQuota = quota ? { name: quota.metadata.name!, hard: (json.spec?.hard ?? {}) as Record<string, string> } : undefined;
  const writers = writersByStore(chart);
  return (store) => ({ writers: writers.get(store.name) ?? [], argocdNamespace: ARGOCD_NAMESPACE, resourceQuota });
}

/**
 * The "Backups and restore" section of a system's README: one runbook per backed-up store
 * (the library's backups, then each engine's own), and the stores deliberately not backed up
 * with the reason given for each; or none.
 * @param rendered the chart's rendered objects (renderChart), read instead of rendering again @default - rendered here
 * @param index the model index of the synth, instead of walking the tree @default - the tree is walked
 */
export function backupReadmeSections(chart: SystemChart, rendered?: readonly RenderedObject[], index?: ModelIndex): string[] {
  const stores = index ? index.ofType(chart, StatefulStore) : storesOf(chart);
  const contextOf = runbookContexts(chart, rendered, index);
  const backups = index
    ? index.constructsOf(chart).filter((c): c is BackupSchedule | BucketBackup => c instanceof BackupSchedule || c instanceof BucketBackup)
    : backupsOf(chart);
  const runbooks = [
    ...backups.map((backup) => (backup instanceof BucketBackup ? bucketRestoreRunbook(backup) : restoreRunbook(backup))),
    ...stores.flatMap((store) => store.engine.restoreRunbook(contextOf(store)) ?? []),
  ];
  const optOuts = stores.flatMap((store) => {
    const decision = store.backupDecision;
    return decision?.kind === 'none' ? [`- \`${store.name}\`: ${decision.reason}`] : [];
  });
  const notBackedUp = optOuts.length === 0 ? [] : [['### Not backed up, on purpose', '', ...optOuts].join('\n')];
  const parts = [...runbooks, ...notBackedUp];
  return parts.length === 0 ? [] : [['## Backups and restore', ...parts.flatMap((r) => ['', r])].join('\n')];
}
