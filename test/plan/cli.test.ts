import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { acknowledgeChange, BackupTarget, PersistentVolume, Postgres, Probe, runPlanCli, SystemChart, SystemSecret, Worker } from '../../lib';
import { readFolderDist, readGitDist } from '../../lib/plan/baseline';
import { parsePlanArgs } from '../../lib/plan/cli';
import { testEnv, tmpdir, UNUSED_OUTDIR } from '../support/synth';
import { RESOURCES } from '../integration/cluster/plan-corpus/change';

/**
 * `plan` end to end on a small system in a git repository of its own: the baseline read
 * with git, the text and Markdown reports, `--check` and the acknowledgements.
 */
interface Variant {
  /** The store's volume class. */
  readonly storageClass: string;
  readonly withFiles: boolean;
  readonly ack?: (db: Postgres, chart: SystemChart) => void;
}

/** The dev environment with the classes the claims below move between declared as the cluster's own. */
const DEV = (() => {
  const storage = testEnv('dev').platform.props.storage;
  const own = { preinstalled: true as const };
  return testEnv('dev', { platform: { storage: { ...storage, classes: { ...storage?.classes, standard: own, fast: own, slow: own } } } });
})();

function build(v: Variant): App {
  const app = new App({ outdir: UNUSED_OUTDIR });
  const chart = new SystemChart(app, { system: 'shop', environment: DEV });
  const db = new Postgres(chart, 'db', {
    version: '17',
    database: 'app',
    storage: '1Gi',
    storageClassName: v.storageClass,
    credentials: new SystemSecret(chart, 'db-credentials', { keys: ['postgres-password', 'password'] }),
    resources: RESOURCES,
  });
  db.backup({ target: BackupTarget.volume({ size: '2Gi', storageClassName: 'standard' }) });
  const worker = new Worker(chart, 'worker', {
    image: 'registry.stackworks.io/org/worker:1.0.0',
    command: ['work'],
    liveness: Probe.exec(['true']),
    resources: RESOURCES,
  });
  if (v.withFiles) new PersistentVolume(chart, 'files', { size: '1Gi', storageClassName: 'standard' }).mountOn(worker, '/files');
  v.ack?.(db, chart);
  return app;
}

function repoWith(v: Variant): string {
  const dir = tmpdir('plan-cli-');
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: 'pipe' });
  git('init', '-q');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  // The baseline: what `npm run synth` would have committed.
  const { synthesize } = jest.requireActual('../../lib') as typeof import('../../lib');
  synthesize(build(v), { outdir: path.join(dir, 'dist') });
  git('add', '-A');
  git('commit', '-qm', 'baseline');
  return dir;
}

function run(dir: string, v: Variant, args: string[] = []): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const { args: parsed, rest, errors } = parsePlanArgs(args);
  expect({ rest, errors }).toEqual({ rest: [], errors: [] });
  const code = runPlanCli({ ...parsed, build: () => build(v), distDir: path.join(dir, 'dist'), log: (l) => out.push(l), error: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const BEFORE: Variant = { storageClass: 'standard', withFiles: true };

describe('plan CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = repoWith(BEFORE);
  });

  test('an unchanged tree: no changes, exit 0, dist untouched', () => {
    const before = fs.readdirSync(path.join(dir, 'dist', 'dev', 'shop')).sort();
    const r = run(dir, BEFORE, ['--check']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^No changes: 1 folder matches the baseline \(HEAD:dist\/\)\.$/);
    expect(fs.readdirSync(path.join(dir, 'dist', 'dev', 'shop')).sort()).toEqual(before);
  });

  test('blocking changes fail --check and print the acknowledgement to type; the Markdown has the same', () => {
    const after: Variant = { storageClass: 'fast', withFiles: false };
    const md = path.join(dir, 'plan.md');
    const r = run(dir, after, ['--check', '--markdown', md]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/plan --check: 3 blocking change\(s\) without acknowledgement/);
    expect(r.out).toMatch(/^ {2}- PersistentVolumeClaim\/files$/m);
    expect(r.out).toMatch(/^ {6}spec\.volumeClaimTemplates\[data\]\.spec\.storageClassName: "standard" -> "fast"$/m);
    expect(r.out).toMatch(/BLOCKING refused\.statefulset-field-changed dev\/shop StatefulSet\/db spec\.volumeClaimTemplates/);
    expect(r.out).toMatch(/BLOCKING data-loss\.storage-class-changed dev\/shop StatefulSet\/db/);
    expect(r.out).toMatch(/BLOCKING data-loss\.claim-removed dev\/shop PersistentVolumeClaim\/files/);
    expect(r.out).toMatch(
      /acknowledgeChange\(<the chart of dev\/shop>, \{ risk: 'data-loss\.claim-removed', baseline: '[0-9a-f]{8}', object: 'PersistentVolumeClaim\/files'/,
    );
    const text = fs.readFileSync(md, 'utf8');
    expect(text).toMatch(/^## cdk8s-stacks plan$/m);
    expect(text).toMatch(/\*\*3 blocking changes without acknowledgement\.\*\*/);
    expect(text).toMatch(/\| :no_entry: blocking \| `data-loss\.storage-class-changed` \| `dev\/shop StatefulSet\/db` \|/);
    expect(text).toMatch(/^- PersistentVolumeClaim\/files$/m);
    // Without --check the plan only reports.
    expect(run(dir, after).code).toBe(0);
  });

  test('acknowledged with the printed fingerprints, --check passes and the plan lists the reasons', () => {
    const after: Variant = { storageClass: 'fast', withFiles: false };
    const first = run(dir, after);
    const fp = (risk: string) => new RegExp(`risk: '${risk.replace('.', '\\.')}', baseline: '([0-9a-f]{8})'`).exec(first.out)![1];
    const acked: Variant = {
      ...after,
      ack: (db, chart) => {
        acknowledgeChange(db, {
          risk: 'data-loss.storage-class-changed',
          baseline: fp('data-loss.storage-class-changed'),
          reason: 'dev data is disposable',
        });
        acknowledgeChange(db, {
          risk: 'refused.statefulset-field-changed',
          baseline: fp('refused.statefulset-field-changed'),
          reason: 'replaced with Replace=true',
        });
        acknowledgeChange(chart, {
          risk: 'data-loss.claim-removed',
          baseline: fp('data-loss.claim-removed'),
          object: 'PersistentVolumeClaim/files',
          reason: 'files moved to S3',
        });
      },
    };
    const r = run(dir, acked, ['--check']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Risks: 3 \(0 blocking without acknowledgement, 3 acknowledged\)/);
    expect(r.out).toMatch(/^ {2}shop-dev\/db data-loss\.storage-class-changed \([0-9a-f]{8}\): dev data is disposable$/m);
  });

  test('an acknowledgement on another construct, or with another fingerprint, covers nothing and is stale', () => {
    const after: Variant = { storageClass: 'fast', withFiles: true };
    const fingerprint = /risk: 'data-loss\.storage-class-changed', baseline: '([0-9a-f]{8})'/.exec(run(dir, after).out)![1];
    const wrongPlace: Variant = {
      ...after,
      ack: (_db, chart) =>
        acknowledgeChange(chart.node.findChild('worker'), { risk: 'data-loss.storage-class-changed', baseline: fingerprint, reason: 'x' }),
    };
    const r = run(dir, wrongPlace, ['--check', '--strict-acknowledgements']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/Stale acknowledgements \(1\)/);
  });

  test('once the change has landed, its acknowledgement is stale: reported, and fatal only with --strict-acknowledgements', () => {
    const landed: Variant = { storageClass: 'fast', withFiles: true };
    const fingerprint = /risk: 'data-loss\.storage-class-changed', baseline: '([0-9a-f]{8})'/.exec(run(dir, landed).out)![1];
    const landedDir = repoWith(landed);
    const acked: Variant = {
      ...landed,
      ack: (db) => acknowledgeChange(db, { risk: 'data-loss.storage-class-changed', baseline: fingerprint, reason: 'moved' }),
    };
    const r = run(landedDir, acked, ['--check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^No changes/);
    expect(r.out).toMatch(
      /Stale acknowledgements \(1\): they match no change in this plan[^\n]*remove them:\n {2}shop-dev\/db data-loss\.storage-class-changed/,
    );
    expect(run(landedDir, acked, ['--check', '--strict-acknowledgements']).code).toBe(1);
    // The same field changed again later: the old acknowledgement does not cover the new change.
    const again: Variant = { ...acked, storageClass: 'slow' };
    const r2 = run(landedDir, again, ['--check']);
    expect(r2.code).toBe(1);
    expect(r2.out).toMatch(/BLOCKING data-loss\.storage-class-changed/);
  });

  test('bad acknowledgements are synth errors naming the construct and the field', () => {
    const bad: Variant = {
      ...BEFORE,
      ack: (db) => acknowledgeChange(db, { risk: 'data-loss.everything' as never, baseline: 'xyz', reason: ' ' }),
    };
    const r = run(dir, bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /\[shop-dev\/db\] acknowledgeChange\.risk: "data-loss\.everything" is not a known risk \(known: refused\.selector-changed, /,
    );
    expect(r.err).toMatch(/\[shop-dev\/db\] acknowledgeChange\.reason: " " must say why the change is safe/);
    expect(r.err).toMatch(/\[shop-dev\/db\] acknowledgeChange\.baseline: "xyz" must be the 8-hex-digit fingerprint/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  test('a bad baseline is exit 2 with the reason; arguments are checked', () => {
    expect(run(dir, BEFORE, ['--baseline', 'no-such-ref'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--baseline no-such-ref: no such commit/),
    });
    expect(run(dir, BEFORE, ['--baseline-dir', path.join(dir, 'nope')])).toMatchObject({ code: 2, err: expect.stringMatching(/not a folder/) });
    expect(parsePlanArgs(['--kubernetes', '27', '--baseline', 'a', '--baseline-dir', 'b', '--x']).errors).toEqual([
      '--kubernetes "27" must be a release such as 1.27 or 1.30',
      '--baseline and --baseline-dir exclude each other',
    ]);
    expect(parsePlanArgs(['--x']).rest).toEqual(['--x']);
  });

  test('the git and folder baselines read the same tree (restore/ files in their folder, READMEs and kustomizations left out)', () => {
    const git = readGitDist(dir, 'HEAD', 'dist');
    const folder = readFolderDist(path.join(dir, 'dist'));
    expect([...git.keys()]).toEqual(['dev/shop']);
    expect([...git.get('dev/shop')!.keys()].sort()).toEqual([...folder.get('dev/shop')!.keys()].sort());
    expect([...git.get('dev/shop')!.keys()]).toEqual(expect.arrayContaining(['40-statefulset-db.yaml', expect.stringMatching(/^restore\//)]));
    expect([...git.get('dev/shop')!.keys()].filter((f) => /README|kustomization/.test(f))).toEqual([]);
    for (const [file, text] of git.get('dev/shop')!) expect(folder.get('dev/shop')!.get(file)).toBe(text);
  });
});
