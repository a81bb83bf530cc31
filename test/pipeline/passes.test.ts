import { ApiObject } from 'cdk8s';
import { BackupTarget, declareCheckExceptions, MigrationJob, SystemAlerts, waiveLinter, WebService } from '../../lib';
import { Architecture } from '../../lib/gitops/architecture';
import { linterWaiversOf } from '../../lib/policy/linter-waivers';
import { errorsOf, objectOf, objectsOf, render, testChart } from '../support/synth';
import { postgresWithApi } from '../support/stores';

const resources = { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } };

function system() {
  const { app, chart } = testChart();
  const { db, api } = postgresWithApi(chart, resources);
  const migrate = new MigrationJob(chart, 'migrate', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    command: ['migrate'],
    readyCheck: 'check',
    resources,
  });
  migrate.gate(api);
  new SystemAlerts(chart, 'alerts', {});
  db.backup({ target: BackupTarget.volume({ size: '20Gi' }) });
  return { app, chart };
}

describe('constructs render only themselves; the pipeline derives the rest', () => {
  test('before synthesis the chart holds only what the constructs made; the passes add the system foundation once', () => {
    const { app, chart } = system();
    expect(chart.node.tryFindChild('namespace')).toBeUndefined();
    expect(Architecture.of(chart).allEdges).toEqual([]);
    render(app);
    render(app);
    expect(objectsOf(app, 'Namespace').map((n) => n.metadata.name)).toEqual(['test-prod']);
    expect(objectsOf(app, 'ResourceQuota')).toHaveLength(1);
    expect(objectsOf(app, 'NetworkPolicy').map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default-deny', 'allow-dns']));
  });

  test('the architecture graph is read from the relationships the methods recorded', () => {
    const { app, chart } = system();
    render(app);
    expect(Architecture.of(chart).allEdges).toEqual(
      expect.arrayContaining([
        { from: 'api', to: 'db', label: 'postgresql :5432', kind: 'connect' },
        { from: 'migrate', to: 'api', label: 'migrates schema before start', kind: 'migrate' },
        { from: 'db', to: 'db-backup', label: 'dump', kind: 'backup' },
        { from: 'db-backup', to: 'claim-db-backups', label: 'copy', kind: 'backup' },
        { from: 'claim-db-backups', to: 'db-restore', label: 'read backup', kind: 'restore' },
        { from: 'db-restore', to: 'db', label: 'restores on demand', kind: 'restore' },
      ]),
    );
    expect(Architecture.of(chart).allNodes).toEqual(
      expect.arrayContaining([
        {
          id: 'api',
          kind: 'service',
          label: 'api',
          details: { image: 'registry.stackworks.io/org/api:1.0.0', replicas: expect.stringMatching(/^x\d/) },
        },
        { id: 'migrate', kind: 'job', label: 'migrate', details: expect.objectContaining({ note: 'schema migration, runs first' }) },
        { id: 'db-backup', kind: 'backup', label: 'db-backup', details: expect.objectContaining({ note: '0 2 * * * UTC' }) },
        { id: 'db-restore', kind: 'backup', label: 'db-restore', details: expect.objectContaining({ note: 'restore, run by hand' }) },
        { id: 'claim-db-backups', kind: 'destination', label: 'db-backups', details: { note: 'volume claim 20Gi' } },
      ]),
    );
  });

  test('a backup CronJob is watched by the alerts once, however often the app is synthesized', () => {
    const { app } = system();
    render(app);
    const rules = objectOf(app, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: { rules: Array<{ alert?: string; expr: string }> }) => g.rules);
    const backupRules = rules.filter((r: { expr: string }) => r.expr.includes('db-backup'));
    expect(backupRules.length).toBeGreaterThan(0);
    render(app);
    const again = objectOf(app, 'PrometheusRule', 'alerts').spec.groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules);
    expect(again).toEqual(rules);
  });

  test('the metrics Service and ServiceMonitor are made for workloads that declared metrics, and only them', () => {
    const { app, chart } = system();
    const api = chart.node.findChild('api') as WebService;
    api.exposeMetrics({ port: 'http' });
    expect(api.node.tryFindChild('metrics-monitor')).toBeUndefined();
    expect(objectsOf(app, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['api']);
  });
});

describe('linter waivers are derived from the exceptions a construct declares', () => {
  test('each declared exception becomes the waivers of the linters checking it, with the reason', () => {
    const { chart } = testChart();
    const object = new ApiObject(chart, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    declareCheckExceptions(object, { imageUid: 'uid 999 owns the image files', singleReplica: 'one by design' });
    declareCheckExceptions(object, { singleReplica: 'a later reason does not replace the first' });
    expect(linterWaiversOf(object)).toEqual([
      { linter: 'kube-score', check: 'container-security-context-user-group-id', reason: 'uid 999 owns the image files' },
      { linter: 'checkov', check: 'CKV_K8S_40', reason: 'uid 999 owns the image files' },
      { linter: 'kube-score', check: 'deployment-replicas', reason: 'one by design' },
    ]);
  });

  test('an explicit waiver of the same check wins; both kinds render as annotations', () => {
    const { app, chart } = testChart();
    const object = new ApiObject(chart, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    waiveLinter(object, 'checkov', 'CKV_K8S_40', 'explicit');
    declareCheckExceptions(object, { imageUid: 'declared' });
    const annotations = objectOf(app, 'ConfigMap', 'x').metadata.annotations;
    expect(annotations).toMatchObject({
      'kube-score/ignore': 'container-security-context-user-group-id',
      'kube-score.waiver.cdk8s-stacks.io/container-security-context-user-group-id': 'declared',
      'checkov.io/skip1': 'CKV_K8S_40=explicit',
    });
  });

  test("an unknown exception, or a reason that is not one line without '=', is a collected synth error", () => {
    const { app, chart } = testChart();
    const object = new ApiObject(chart, 'x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    declareCheckExceptions(object, { tagPinnedImages: 'a=b', imageUid: '', noReadinessProbe: 'two\nlines', ...({ noProbe: 'typo' } as object) });
    expect(errorsOf(app)).toEqual([
      `[test-prod/x] exceptions.tagPinnedImages: "a=b" must be a reason: one line of text without '='`,
      `[test-prod/x] exceptions.imageUid: "" must be a reason: one line of text without '='`,
      `[test-prod/x] exceptions.noReadinessProbe: "two\\nlines" must be a reason: one line of text without '='`,
      expect.stringMatching(/^\[test-prod\/x\] exceptions\.noProbe: is not a known exception \(known: defaultPullPolicy, /),
    ]);
    expect(linterWaiversOf(object)).toEqual([]);
  });
});
