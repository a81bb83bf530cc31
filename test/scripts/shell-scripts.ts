/**
 * Every shell script the library can put into dist/, for shellcheck (shellcheck.test.ts):
 * the scripts the library renders, in every variant (each engine, both backup targets,
 * restore, the init scripts with and without their optional parts, the MinIO bucket script),
 * and every script found in the objects of dist/ (ConfigMap entries with a shebang, and
 * `sh -c` / `bash -c` commands of containers, probes and hooks).
 */
import { renderMocoAppUserScript } from '../../lib/data/moco-cluster';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import type { BackupEngine } from '../../lib/backup/backupable';
import { backupScript, downloadScript, restoreScript, uploadScript } from '../../lib/backup/scripts';
import { BackupTarget } from '../../lib/backup/target';
import { Duration } from '../../lib/core/duration';
import { bucketBackupScripts } from '../../lib/data/bucket-backup';
import { Bucket, BucketUser, renderBucketScript } from '../../lib/data/minio';
import { renderMySqlExporterInitScript } from '../../lib/data/mysql-config';
import { renderRedisStartScript } from '../../lib/data/redis-ha';
import { renderPostgresInitScript } from '../../lib/data/postgres-config';
import {
  initGuardCommand,
  InitScript,
  renderMocoInitScriptsRunner,
  renderMySqlInitScriptsRunner,
  renderPostgresInitScriptsRunner,
} from '../../lib/data/init-scripts';
import { renderTlsReloadScript } from '../../lib/data/tls-reloader';
import { loadManifestDir } from '../support/schema/manifests';

export type Shell = 'sh' | 'bash';

export interface ShellScript {
  /** Where it comes from, for the report. */
  readonly origin: string;
  readonly shell: Shell;
  readonly text: string;
}

export const ENGINES: readonly BackupEngine[] = ['postgres', 'mysql', 'redis', 'mongo'];

/** The scripts the library renders, in every variant. */
export function libraryScripts(): ShellScript[] {
  const out: ShellScript[] = [];
  const bash = (origin: string, text: string) => out.push({ origin, shell: 'bash', text });
  const sh = (origin: string, text: string) => out.push({ origin, shell: 'sh', text });
  for (const engine of ENGINES) {
    for (const target of ['volume', 's3'] as const) bash(`backupScript(${engine}, ${target})`, backupScript(engine, 'store', target));
    bash(`restoreScript(${engine})`, restoreScript(engine, 'store'));
  }
  bash('uploadScript', uploadScript('store'));
  bash('downloadScript', downloadScript('store'));
  for (const timescale of [false, true]) {
    for (const monitoring of [false, true]) {
      sh(`renderPostgresInitScript(timescale ${timescale}, monitoring ${monitoring})`, renderPostgresInitScript({ timescale, monitoring }));
    }
  }
  bash('renderMySqlExporterInitScript', renderMySqlExporterInitScript());
  sh(
    'renderTlsReloadScript(postgres)',
    renderTlsReloadScript('postgres', { SOCKET_DIR: '/var/run/postgresql', PORT: '5432', SUPERUSER: 'postgres' }),
  );
  sh('renderTlsReloadScript(mysql)', renderTlsReloadScript('mysql', { SOCKET: '/var/run/mysqld/mysqld.sock' }));
  sh('renderRedisStartScript', renderRedisStartScript());
  const files: InitScript[] = [
    { name: 'tables.sql', path: 'scripts/tables.sql', content: '' },
    { name: 'rows.sql', path: 'scripts/rows.sql', content: '' },
  ];
  const marker = '/var/lib/db/initialization-incomplete';
  sh('renderPostgresInitScriptsRunner', renderPostgresInitScriptsRunner(files, { socketDir: '/var/run/postgresql', port: 5432, marker }));
  bash('renderMySqlInitScriptsRunner', renderMySqlInitScriptsRunner(files, { socket: '/var/run/mysqld/mysqld.sock', marker }));
  for (const initialized of ['[ -s "$PGDATA/PG_VERSION" ]', "[ -d '/var/lib/mysql/data/mysql' ]"]) {
    sh(`initGuardCommand(${initialized})`, initGuardCommand({ marker, initialized, store: 'db' })[2]);
  }
  bash(
    'renderMocoInitScriptsRunner',
    renderMocoInitScriptsRunner(files, { host: 'moco-mysql-primary.loopi-prod.svc', port: 3306, database: 'loopi_db', user: 'loopi' }),
  );
  bash('renderMocoAppUserScript', renderMocoAppUserScript({ host: 'moco-mysql-primary.loopi-prod.svc', database: 'loopi_db', user: 'loopi' }));
  sh('renderBucketScript(no buckets)', renderBucketScript([]));
  const { buckets, users } = bucketFixture();
  sh('renderBucketScript(buckets, users)', renderBucketScript(buckets, users));
  for (const target of [
    BackupTarget.volume({ size: '1Gi' }),
    BackupTarget.s3({ bucket: 'b', accessKeyId: 'k', secretAccessKey: 'unused' as never }),
  ]) {
    for (const [name, text] of Object.entries(bucketBackupScripts('store', target))) bash(`bucketBackupScripts(${target.kind}) ${name}`, text);
  }
  return out;
}

/** Buckets with and without versioning and expiry, and a user of each access level. */
function bucketFixture(): { buckets: Bucket[]; users: BucketUser[] } {
  // Plain objects of the shape renderBucketScript reads: the script's variants, without a store.
  const bucket = (name: string, options: Bucket['options']) => ({ name, options }) as Bucket;
  const buckets = [
    bucket('plain', {}),
    bucket('versioned', { versioning: true }),
    bucket('expiring', { expireAfter: Duration.days(7) }),
    bucket('both', { versioning: true, expireAfter: Duration.days(30) }),
    bucket('public', { publicRead: true }),
  ];
  const user = (b: Bucket, access: BucketUser['access'], key: string): BucketUser =>
    ({ bucket: b, access, accessKey: key, policy: `bucket-${key}`, secretKey: { secretName: 'unused', key: 'secret-key' } }) as unknown as BucketUser;
  return { buckets, users: [user(buckets[0], 'read', 'plain-ro'), user(buckets[1], 'readwrite', 'versioned-rw')] };
}

/** Every shell script in the objects under `dist`; ConfigMap entries without a known shebang are reported in `problems`. */
export function distScripts(dist: string): { scripts: ShellScript[]; problems: string[] } {
  const loaded = loadManifestDir(dist);
  const scripts: ShellScript[] = [];
  const problems = [...loaded.errors];
  for (const doc of loaded.documents) {
    const where = `dist/${doc.file}`;
    const object = doc.object as Record<string, any>;
    if (object.kind === 'ConfigMap' && object.data) {
      for (const [key, text] of Object.entries<string>(object.data)) {
        if (!key.endsWith('.sh') && !text.startsWith('#!')) continue;
        const shell = shebangShell(text);
        if (shell) scripts.push({ origin: `${where} data[${key}]`, shell, text });
        else problems.push(`${where} data[${key}]: no #!/bin/sh or bash shebang, so its shell is unknown`);
      }
    }
    walk(object, '', (node, at) => {
      const argv = [...stringArray(node.command), ...stringArray(node.args)];
      const shell = path.basename(argv[0] ?? '');
      if ((shell === 'sh' || shell === 'bash') && argv[1] === '-c' && argv.length >= 3) {
        scripts.push({ origin: `${where} ${at}`, shell, text: `${argv[2]}\n` });
      }
    });
  }
  return { scripts, problems };
}

function shebangShell(text: string): Shell | undefined {
  const first = text.split('\n', 1)[0];
  if (/^#!\s*\/(usr\/)?bin\/sh\b/.test(first)) return 'sh';
  if (/^#!\s*\/(usr\/)?bin\/bash\b/.test(first) || /^#!\s*\/usr\/bin\/env\s+bash\b/.test(first)) return 'bash';
  return undefined;
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : [];
}

function walk(node: unknown, at: string, visit: (node: Record<string, unknown>, at: string) => void): void {
  if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${at}[${i}]`, visit));
  else if (node !== null && typeof node === 'object') {
    visit(node as Record<string, unknown>, at);
    for (const [key, value] of Object.entries(node)) walk(value, at ? `${at}.${key}` : key, visit);
  }
}

/** shellcheck must be there: without it this throws how to install it (never a skip, in CI or not). */
export function requireShellcheck(env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync('shellcheck', ['--version'], { encoding: 'utf8', env });
  if (r.error || r.status !== 0) {
    const ci = env.CI === 'true' ? ' In CI, .ci/run installs it before the tests: check its output.' : '';
    throw new Error(
      `shellcheck not found: every generated shell script must pass it. Install it (Debian/Ubuntu, as root): apt-get update && apt-get install shellcheck.${ci}`,
    );
  }
}

/**
 * shellcheck with every finding (style and info included) on `scripts`, each checked once
 * however often it occurs. Returns the findings, each line naming where the script comes from.
 */
export function shellcheck(scripts: readonly ShellScript[]): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-shellcheck-'));
  try {
    const unique = new Map<string, { file: string; shell: Shell; origins: string[] }>();
    for (const s of scripts) {
      const id = `${s.shell}\0${s.text}`;
      let entry = unique.get(id);
      if (!entry) {
        entry = { file: path.join(dir, `${unique.size}.${s.shell}`), shell: s.shell, origins: [] };
        fs.writeFileSync(entry.file, s.text);
        unique.set(id, entry);
      }
      entry.origins.push(s.origin);
    }
    const findings: string[] = [];
    for (const shell of ['sh', 'bash'] as const) {
      const entries = [...unique.values()].filter((e) => e.shell === shell);
      if (entries.length === 0) continue;
      const r = spawnSync('shellcheck', ['--norc', `--shell=${shell}`, '--severity=style', '--format=gcc', ...entries.map((e) => e.file)], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      if (r.error) throw r.error;
      // 0: no findings; 1: findings (listed on stdout); anything else: shellcheck itself failed.
      if (r.status !== 0 && r.status !== 1) throw new Error(`shellcheck exited with ${r.status}: ${r.stderr}`);
      const lines = r.stdout.split('\n').filter((l) => l !== '');
      if (r.status === 1 && lines.length === 0) throw new Error(`shellcheck failed without findings: ${r.stderr}`);
      for (const line of lines) {
        const entry = entries.find((e) => line.startsWith(`${e.file}:`));
        if (!entry) {
          findings.push(line);
          continue;
        }
        const more = entry.origins.length > 1 ? ` (and ${entry.origins.length - 1} more)` : '';
        findings.push(`${entry.origins[0]}${more}${line.slice(entry.file.length)}`);
      }
    }
    return findings;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
