import * as fs from 'fs';
import * as path from 'path';
import { buildRepositoryApp } from '../../charts/app';
import { EnvironmentName, synthesize, SystemChart } from '../../lib';
import { Architecture, ArchitectureEdge, routeLabel } from '../../lib/gitops/architecture';
import { architectureToMermaid, shortImage, tierRows } from '../../lib/gitops/architecture-mermaid';
import { ArchitectureNode } from '../../lib/gitops/architecture-model';
import { systemReadme } from '../../lib/gitops/system-readme';
import { backupReadmeSections } from '../../lib/pipeline/backup-passes';
import { UNUSED_OUTDIR } from '../support/synth';

function graphOf(system: string, env: EnvironmentName): Architecture {
  const app = buildRepositoryApp({ envs: [env], systems: [system], outdir: UNUSED_OUTDIR });
  synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true });
  const chart = app.node.children.find(SystemChart.isSystemChart) as SystemChart;
  return Architecture.of(chart);
}

const edge = (from: string, to: string, kind: ArchitectureEdge['kind']) => expect.objectContaining({ from, to, kind });

describe('architecture graph of the real systems', () => {
  test('techshop staging: the Mongo backup goes to the MinIO bucket and back through the restore Job; setup Jobs point at what they set up', () => {
    const graph = graphOf('techshop', 'staging');
    const bucket = { id: 'bucket-backups-mongodb', kind: 'destination', label: 'backups', details: { note: 'techshop-staging/mongodb/ on minio' } };
    expect(graph.allNodes).toContainEqual(bucket);
    expect(graph.allEdges).toEqual(
      expect.arrayContaining([
        edge('mongodb', 'mongodb-backup', 'backup'),
        edge('mongodb-backup', 'bucket-backups-mongodb', 'backup'),
        edge('bucket-backups-mongodb', 'mongodb-restore', 'restore'),
        edge('mongodb-restore', 'mongodb', 'restore'),
        edge('minio-buckets', 'minio', 'setup'),
        edge('mongodb-init', 'mongodb', 'setup'),
      ]),
    );
    const mermaid = graph.toMermaid();
    expect(mermaid).toContain('n_minio_buckets -.->|"creates buckets, users"| n_minio');
    expect(mermaid).toContain('n_mongodb_init -.->|"initiates replica set, users"| n_mongodb');
    expect(mermaid).toContain('n_mongodb_backup ==> n_bucket_backups_mongodb');
    expect(mermaid).toContain('n_mongodb ==> n_mongodb_backup');
    expect(mermaid).toContain('n_bucket_backups_mongodb -.-> n_mongodb_restore');
  });

  test('techshop prod: Mongo and MinIO back up off-site to AWS S3, each with its own loop; the bucket copy is a mirror', () => {
    const graph = graphOf('techshop', 'prod');
    for (const store of ['mongodb', 'minio']) {
      expect(graph.allNodes).toContainEqual({
        id: `bucket-techshop-backups-${store}`,
        kind: 'destination',
        label: 'techshop-backups',
        details: { note: `techshop-prod/${store}/ on AWS S3` },
      });
      expect(graph.allEdges).toEqual(
        expect.arrayContaining([
          edge(store, `${store}-backup`, 'backup'),
          edge(`${store}-backup`, `bucket-techshop-backups-${store}`, 'backup'),
          edge(`bucket-techshop-backups-${store}`, `${store}-restore`, 'restore'),
          edge(`${store}-restore`, store, 'restore'),
        ]),
      );
    }
    expect(graph.allEdges).toContainEqual(expect.objectContaining({ from: 'minio', to: 'minio-backup', label: 'mirror' }));
  });

  test('chatnomina staging (prod PostgreSQL archives through CloudNativePG): stores sharing a bucket get a destination each (their prefixes), so their backup loops stay apart', () => {
    const graph = graphOf('chatnomina', 'staging');
    const bucket = 'bucket-chatnomina-backups-staging';

    expect(graph.allNodes).toEqual(
      expect.arrayContaining([
        { id: `${bucket}-db`, kind: 'destination', label: 'chatnomina-backups-staging', details: { note: 'chatnomina-staging/db/ on AWS S3' } },
        { id: `${bucket}-cache`, kind: 'destination', label: 'chatnomina-backups-staging', details: { note: 'chatnomina-staging/cache/ on AWS S3' } },
      ]),
    );
    const copies = [edge('db-backup', `${bucket}-db`, 'backup'), edge('cache-backup', `${bucket}-cache`, 'backup')];
    expect(graph.allEdges).toEqual(expect.arrayContaining(copies));
  });

  test('member counts: a replica set with x3, an autoscaled Deployment with its range, fixed replicas with their count', () => {
    const techshop = graphOf('techshop', 'prod').toMermaid();
    expect(techshop).toContain('n_mongodb[("mongodb x3<br/>mongo:8.0.13<br/>replica set<br/>mongodb :27017")]');
    expect(techshop).toContain('n_app["app x3-10 (HPA)<br/>techshop/app:1.0.0"]');
    expect(graphOf('feature-models', 'prod').toMermaid()).toContain('n_celery_worker["celery-worker x2<br/>');
    // One member: no count drawn.
    expect(graphOf('techshop', 'dev').toMermaid()).toContain('n_mongodb[("mongodb<br/>mongo:8.0.13<br/>replica set<br/>');
  });

  test('readable route labels: the prefix stripped by the regex rewrite is said in words, not as a back-reference', () => {
    const mermaid = graphOf('techshop', 'prod').toMermaid();
    expect(mermaid).toContain('n_endpoint_public -->|"/api/... → /... (prefix stripped)"| n_app');
    expect(mermaid).not.toContain('$2');
  });

  test('capibara6 staging: volume backups show the claim and its size; the port is drawn once on each store, not on every client edge', () => {
    // Staging: both databases are single servers with volume backups (prod's db is on CloudNativePG).
    const graph = graphOf('capibara6', 'staging');
    const claim = (store: string, size: string) => ({
      id: `claim-${store}-backups`,
      kind: 'destination',
      label: `${store}-backups`,
      details: { note: `volume claim ${size}` },
    });
    expect(graph.allNodes).toEqual(expect.arrayContaining([claim('db', '20Gi'), claim('metrics-db', '50Gi')]));
    const mermaid = graph.toMermaid();
    expect(mermaid.match(/postgresql :5432/g)).toHaveLength(2);
    expect(mermaid.match(/redis :6379/g)).toHaveLength(2);
    expect(mermaid).toContain('  n_api --> n_db\n');
    expect(mermaid).toContain('n_db_backup[["db-backup<br/>postgres:17.6<br/>0 2 * * * UTC"]]');
    expect(mermaid).toContain('n_db_restore[["db-restore<br/>postgres:17.6<br/>restore, run by hand"]]');
  });

  test('feature-models: the migration is dotted to every workload it gates, and the diagram flows top to bottom with a legend', () => {
    const graph = graphOf('feature-models', 'prod');
    expect(graph.allEdges).toEqual(expect.arrayContaining([edge('prestart', 'backend', 'migrate'), edge('prestart', 'celery-worker', 'migrate')]));
    const mermaid = graph.toMermaid();
    expect(mermaid).toContain('n_prestart -.-> n_backend');
    expect(mermaid).toMatch(/^---\ntitle: "stadium: endpoint · box: service\/worker · [^\n]+"\n[\s\S]*---\nflowchart TB\n/);
  });

  test('the restore runbook still names only the clients of a store as the writers to stop (not its setup Job)', () => {
    const graph = graphOf('techshop', 'prod');
    const app = buildRepositoryApp({ envs: ['prod'], systems: ['techshop'], outdir: UNUSED_OUTDIR });
    const chart = app.node.children.find(SystemChart.isSystemChart) as SystemChart;
    const result = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true });
    const readme = systemReadme(
      chart,
      result.objects.filter((o) => o.folder === 'prod/techshop'),
      backupReadmeSections(chart),
    );
    expect(graph.allEdges).toContainEqual(edge('mongodb-init', 'mongodb', 'setup'));
    expect(readme).toContain('kubectl -n techshop-prod scale deployment/app --replicas=0');
    expect(readme).not.toMatch(/scale \S+\/mongodb-init/);
  });
});

describe('layout: wide stores with common clients are stacked in the Data tier', () => {
  const wideNote = 'primary + streaming standbys (CloudNativePG)';
  const store = (id: string, note?: string): ArchitectureNode => ({
    id,
    kind: 'store',
    label: id,
    details: note ? { image: 'postgres:17.6', note } : { image: 'redis:7.4.5' },
  });
  const nodes = (): ArchitectureNode[] => [
    { id: 'api', kind: 'service', label: 'api' },
    { id: 'workers', kind: 'worker', label: 'workers' },
    { id: 'web', kind: 'service', label: 'web' },
    store('cache'),
    store('db', wideNote),
    store('metrics-db', wideNote),
    { id: 'cache-backup', kind: 'backup', label: 'cache-backup' },
    { id: 'cache-backups', kind: 'destination', label: 'cache-backups' },
    { id: 'db-bucket', kind: 'destination', label: 'db-bucket' },
    { id: 'metrics-db-bucket', kind: 'destination', label: 'metrics-db-bucket' },
  ];
  const connect = (from: string, to: string): ArchitectureEdge => ({ from, to, kind: 'connect', label: 'port' });
  const backup = (from: string, to: string): ArchitectureEdge => ({ from, to, kind: 'backup', label: '' });
  const backups = [
    backup('cache', 'cache-backup'),
    backup('cache-backup', 'cache-backups'),
    backup('db', 'db-bucket'),
    backup('metrics-db', 'metrics-db-bucket'),
  ];
  const rowIds = (rows: ArchitectureNode[][] | undefined) => rows?.map((row) => row.map((n) => n.id));

  test('two wide stores reached by two common clients take a row each; the backups of the upper row reach past the lower one', () => {
    const edges = [...['api', 'workers'].flatMap((c) => ['cache', 'db', 'metrics-db'].map((s) => connect(c, s))), ...backups];
    expect(rowIds(tierRows(nodes(), edges).get('Data'))).toEqual([['cache', 'db'], ['metrics-db']]);
    const mermaid = architectureToMermaid(nodes(), edges).split('\n');
    // The second row hangs from the first; the first row's backup edges span one rank more.
    expect(mermaid).toContain('  n_cache ~~~ n_metrics_db');
    expect(mermaid).toContain('  n_cache ===> n_cache_backup');
    expect(mermaid).toContain('  n_db ===> n_db_bucket');
    expect(mermaid).toContain('  n_metrics_db ==> n_metrics_db_bucket');
    // Edges within the Backups tier, and the clients' edges, keep their one rank.
    expect(mermaid).toContain('  n_cache_backup ==> n_cache_backups');
    expect(mermaid).toContain('  n_api --> n_metrics_db');
  });

  test('a node of the Backups tier nothing points to hangs from the lowest row of the Data tier', () => {
    const edges = [...['api', 'workers'].flatMap((c) => ['db', 'metrics-db'].map((s) => connect(c, s))), ...backups];
    const withOrphan: ArchitectureNode[] = [...nodes(), { id: 'restore-test', kind: 'backup', label: 'restore-test' }];
    const mermaid = architectureToMermaid(withOrphan, edges).split('\n');
    expect(mermaid).toContain('  n_metrics_db ~~~ n_restore_test');
    expect(mermaid).not.toContain('  n_cache ~~~ n_restore_test');
  });

  test.each([
    [
      'the wide stores share one client only',
      [connect('api', 'db'), connect('api', 'metrics-db'), connect('workers', 'db'), connect('web', 'metrics-db'), connect('web', 'cache')],
    ],
    [
      'only narrow stores share the clients',
      [...['api', 'workers', 'web'].flatMap((c) => [connect(c, 'cache'), connect(c, 'db')]), connect('web', 'metrics-db')],
    ],
  ])('one row when %s', (_, clientEdges) => {
    const edges = [...clientEdges, ...backups];
    expect(rowIds(tierRows(nodes(), edges).get('Data'))).toEqual([['cache', 'db', 'metrics-db']]);
    const mermaid = architectureToMermaid(nodes(), edges).split('\n');
    expect(mermaid.filter((l) => /~~~|===>/.test(l))).toEqual([]);
  });

  test('capibara6 prod: db and metrics-db (three instances each, CloudNativePG) are stacked; the others keep one row', () => {
    const graph = graphOf('capibara6', 'prod');
    expect(rowIds(tierRows(graph.allNodes, graph.allEdges).get('Data'))).toEqual([['cache', 'db', 'queue'], ['metrics-db']]);
    for (const env of ['dev', 'staging'] as const) {
      const other = graphOf('capibara6', env);
      expect(tierRows(other.allNodes, other.allEdges).get('Data')).toHaveLength(1);
    }
    const mermaid = graph.toMermaid().split('\n');
    expect(mermaid).toContain('  n_cache ~~~ n_metrics_db');
    expect(mermaid).toContain('  n_queue ===> n_queue_backup');
    expect(mermaid).toContain('  n_metrics_db ==> n_bucket_capibara6_backups_prod_metrics_db');
  });
});

describe('labels', () => {
  test.each([
    [{ path: '/api(/|$)(.*)', match: 'Regex', literalPrefix: '/api', rewrite: '/$2' }, '/api/... → /... (prefix stripped)'],
    [{ path: '/', match: 'Prefix', literalPrefix: '/' }, '/'],
    [{ host: 'api.example.org', path: '/graphql', match: 'Prefix', literalPrefix: '/graphql' }, 'api.example.org/graphql'],
    [{ path: '/v1', match: 'Prefix', literalPrefix: '/v1', rewrite: '/' }, '/v1/... → /... (prefix stripped)'],
    [{ path: '/v1', match: 'Prefix', literalPrefix: '/v1', rewrite: '/v2/' }, '/v1/... → /v2/...'],
    [{ path: '/health', match: 'Exact', literalPrefix: '/health' }, '/health (exact)'],
  ])('route %j reads %s', (route, label) => {
    expect(routeLabel(route)).toBe(label);
  });

  test.each([
    ['quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z', 'minio/minio:RELEASE.2025-04-22'],
    ['docker.io/library/postgres:17.6', 'postgres:17.6'],
    ['localhost:5000/team/app:1.2.3', 'team/app:1.2.3'],
    ['capibara6/api:1.0.0', 'capibara6/api:1.0.0'],
    [`ghcr.io/org/app@sha256:${'a'.repeat(64)}`, 'org/app@sha256:aaaaaaaaaaaa'],
    [`redis:7.4.5@sha256:${'b'.repeat(64)}`, 'redis:7.4.5'],
  ])('image %s is shown as %s', (image, shown) => {
    expect(shortImage(image)).toBe(shown);
  });
});

describe('synthesis stays free of any browser', () => {
  test('nothing synth builds from (main.ts, charts/, lib/) imports mermaid-cli or puppeteer; only the diagram command and suite do', () => {
    const root = path.resolve(__dirname, '../..');
    const sources = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (e.isDirectory()) return sources(path.join(dir, e.name));
        return e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [];
      });
    const files = [path.join(root, 'main.ts'), ...sources(path.join(root, 'charts')), ...sources(path.join(root, 'lib'))];
    expect(files.length).toBeGreaterThan(50);
    const browser = /from '(@mermaid-js\/[^']+|puppeteer[^']*|mermaid)'|require\('(puppeteer|@mermaid-js)/;
    const browserImports = files.filter((f) => browser.test(fs.readFileSync(f, 'utf8')));
    expect(browserImports).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'scripts/diagrams/render.mjs'), 'utf8')).toContain("from '@mermaid-js/mermaid-cli'");
  });
});
