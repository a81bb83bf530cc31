/**
 * Initialization scripts the user provides (a design's schema: `scripts/tables/*.sql`), run
 * once when a store's database is created, by the engine's own mechanism, or by the Job that
 * prepares the database where the engine has none (MOCO, MongoDB's replica set): one home
 * for reading and checking the files (every engine), the ConfigMap and mount they travel in,
 * the generated runners that execute them as the application account, the checksum those
 * Jobs record, and the guard that keeps a pod from serving a database whose initialization
 * did not finish.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { recordSynthInput } from '../core/synth-inputs';
import type { ValidationReport } from '../core/validation';
import { describeValue } from '../core/describe-value';
import { renderScriptFile } from '../core/script-file';

/**
 * Where the files are mounted, read-only: not in /docker-entrypoint-initdb.d, so the
 * image's entrypoint never runs them itself (as the superuser).
 */
export const INIT_SCRIPTS_DIR = '/etc/init-scripts';
/**
 * The generated runner in /docker-entrypoint-initdb.d; its name sorts after the library's
 * other init scripts (init-app.sh, init-exporter.sh), so the entrypoint runs it last.
 */
export const INIT_SCRIPTS_RUNNER = 'init-scripts.sh';
/**
 * What the files may hold together: a ConfigMap holds at most 1 MiB (keys, metadata and
 * labels included); the rest is margin.
 */
export const INIT_SCRIPTS_MAX_BYTES = 900 * 1024;
/** A ConfigMap key (the file's name in the mount): letters, digits, `-`, `_`, `.`. */
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * What PostgreSQL's and MySQL's init scripts may be: SQL files, with room in the ConfigMap
 * for a line the engine adds to each (CloudNativePG's `SET ROLE`).
 */
export const SQL_INIT_SCRIPT_RULES: InitScriptRules = { extensions: ['.sql'], overheadPerFile: 128 };

/** What MongoDB's init scripts may be: mongosh JavaScript files. */
export const JS_INIT_SCRIPT_RULES: InitScriptRules = { extensions: ['.js'] };

/**
 * Where an engine that runs the files from a Job (MOCO, MongoDB's replica set) records that
 * they ran: a table (MySQL) or a collection (MongoDB) of that name in the application
 * database, written by the application account with the files' checksum.
 */
export const INIT_SCRIPTS_RECORD = 'cdk8s_init_scripts';

/** One file, read at synth time. */
export interface InitScript {
  /** Its name in the ConfigMap and the mount: the basename of `path`. */
  readonly name: string;
  /** The path as given. */
  readonly path: string;
  readonly content: string;
}

/** What a store found in its `initScripts`: the files it could read, and what is wrong, reported on validation. */
export interface InitScripts {
  /** Whether the prop was given at all. */
  readonly given: boolean;
  /** The files read, in the order given (only those that could be read). */
  readonly files: readonly InitScript[];
  /** Problems, reported by reportInitScripts. */
  readonly problems: readonly InitScriptProblem[];
}

type InitScriptProblem =
  | { readonly kind: 'not-a-list'; readonly value: unknown }
  | { readonly kind: 'empty-list' }
  | { readonly kind: 'not-a-path'; readonly index: number; readonly value: unknown }
  | { readonly kind: 'extension'; readonly index: number; readonly path: string }
  | { readonly kind: 'file-name'; readonly index: number; readonly path: string }
  | { readonly kind: 'missing'; readonly index: number; readonly path: string; readonly resolved: string }
  | { readonly kind: 'unreadable'; readonly index: number; readonly path: string; readonly why: string }
  | { readonly kind: 'not-utf8'; readonly index: number; readonly path: string }
  | { readonly kind: 'duplicate'; readonly index: number; readonly path: string; readonly earlier: string }
  | { readonly kind: 'too-large'; readonly bytes: number };

export interface InitScriptRules {
  /** File extensions the engine runs, lower case with the dot, e.g. `['.sql']`. */
  readonly extensions: readonly string[];
  /** Bytes each file's content gets in the ConfigMap besides its own (a prefix the engine adds). @default 0 */
  readonly overheadPerFile?: number;
}

/**
 * Reads the files of `value` (the store's `initScripts`, not trusted to be what its type
 * says) at synth time: relative paths from the directory the synth runs in
 * (`process.cwd()`; the repository root for `npm run synth`). Nothing throws: what is wrong
 * is collected for reportInitScripts. Each file read is recorded as an input of the system,
 * so the incremental synth renders it again when the file changes.
 */
export function readInitScripts(scope: IConstruct, value: unknown, rules: InitScriptRules): InitScripts {
  if (value === undefined) return { given: false, files: [], problems: [] };
  const problems: InitScriptProblem[] = [];
  const files: InitScript[] = [];
  if (!Array.isArray(value)) return { given: true, files, problems: [{ kind: 'not-a-list', value }] };
  if (value.length === 0) return { given: true, files, problems: [{ kind: 'empty-list' }] };
  const names = new Map<string, string>();
  let bytes = 0;
  (value as unknown[]).forEach((entry, index) => {
    if (typeof entry !== 'string' || entry.trim() === '') {
      problems.push({ kind: 'not-a-path', index, value: entry });
      return;
    }
    const name = path.basename(entry);
    if (!rules.extensions.includes(path.extname(name).toLowerCase())) {
      problems.push({ kind: 'extension', index, path: entry });
      return;
    }
    if (!CONFIG_MAP_KEY.test(name) || name.length > 253) {
      problems.push({ kind: 'file-name', index, path: entry });
      return;
    }
    const earlier = names.get(name);
    if (earlier !== undefined) {
      problems.push({ kind: 'duplicate', index, path: entry, earlier });
      return;
    }
    names.set(name, entry);
    const resolved = path.resolve(entry);
    let buffer: Buffer;
    try {
      if (!fs.statSync(resolved).isFile()) throw new Error('not a regular file');
      buffer = fs.readFileSync(resolved);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') problems.push({ kind: 'missing', index, path: entry, resolved });
      else problems.push({ kind: 'unreadable', index, path: entry, why: code ?? (error as Error).message });
      return;
    }
    recordSynthInput(scope, resolved, buffer);
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
    } catch {
      problems.push({ kind: 'not-utf8', index, path: entry });
      return;
    }
    bytes += buffer.length + Buffer.byteLength(name) + (rules.overheadPerFile ?? 0);
    files.push({ name, path: entry, content });
  });
  if (bytes > INIT_SCRIPTS_MAX_BYTES) problems.push({ kind: 'too-large', bytes });
  return { given: true, files, problems };
}

/** Reports what readInitScripts found wrong, on `initScripts` (or `initScripts[i]`). */
export function reportInitScripts(report: ValidationReport, scripts: InitScripts, rules: InitScriptRules): void {
  const allowed = `a ${rules.extensions.join(' or ')} file`;
  for (const p of scripts.problems) {
    switch (p.kind) {
      case 'not-a-list':
        report.error('init-scripts.not-a-list', 'initScripts', `must be a list of file paths (is ${describeValue(p.value)})`);
        break;
      case 'empty-list':
        report.error(
          'init-scripts.empty',
          'initScripts',
          'lists no file; leave initScripts unset when there is nothing to run (a list that came out empty is usually a wrong folder)',
        );
        break;
      case 'not-a-path':
        report.error('init-scripts.not-a-path', `initScripts[${p.index}]`, `must be the path of ${allowed} (is ${describeValue(p.value)})`);
        break;
      case 'extension':
        report.error('init-scripts.extension', `initScripts[${p.index}]`, `'${p.path}' must be ${allowed}`);
        break;
      case 'file-name':
        report.error(
          'init-scripts.file-name',
          `initScripts[${p.index}]`,
          `'${path.basename(p.path)}' cannot be a ConfigMap key: name the file with letters, digits, '-', '_' and '.' only (at most 253)`,
        );
        break;
      case 'missing':
        report.error(
          'init-scripts.file-missing',
          `initScripts[${p.index}]`,
          `'${p.path}' does not exist (looked for ${p.resolved}; relative paths are read from the directory the synth runs in, ${process.cwd()})`,
        );
        break;
      case 'unreadable':
        report.error('init-scripts.file-unreadable', `initScripts[${p.index}]`, `'${p.path}' cannot be read as a file (${p.why})`);
        break;
      case 'not-utf8':
        report.error('init-scripts.not-utf8', `initScripts[${p.index}]`, `'${p.path}' is not UTF-8 text; save it as UTF-8 (a ConfigMap holds text)`);
        break;
      case 'duplicate':
        report.error(
          'init-scripts.duplicate-name',
          `initScripts[${p.index}]`,
          `'${p.path}' has the same file name as '${p.earlier}'; each file is a key of one ConfigMap, so names must differ`,
        );
        break;
      case 'too-large':
        report.error(
          'init-scripts.too-large',
          'initScripts',
          `the files hold ${p.bytes} bytes together, more than the ${INIT_SCRIPTS_MAX_BYTES} a ConfigMap (at most 1 MiB) takes with room for its metadata; load bulk data from the application or a MigrationJob`,
        );
        break;
    }
  }
}

/** Reports init scripts given to an engine that has no way to run them: `why` says why, `instead` what to do. */
export function refuseInitScripts(report: ValidationReport, why: string, instead: string): void {
  report.error('init-scripts.unsupported-engine', 'initScripts', `${why}; init scripts run with ${instead}`);
}

/** The ConfigMap's data: each file under its name. */
export function initScriptsData(files: readonly InitScript[], prefix = ''): Record<string, string> {
  return Object.fromEntries(files.map((f) => [f.name, `${prefix}${f.content}`]));
}

/**
 * The checksum of a set of init scripts (sha256, hex): their names and contents, in order.
 * A Job that runs them once records it, and compares it on every later run.
 */
export function initScriptsDigest(files: readonly InitScript[]): string {
  return createHash('sha256')
    .update(JSON.stringify(files.map((f) => [f.name, f.content])))
    .digest('hex');
}

/** The names of `files` as shell words, in order (names are ConfigMap keys: no character needs quoting, quoted anyway). */
function shellWords(files: readonly InitScript[]): string {
  return files.map((f) => `'${f.name}'`).join(' ');
}

/** Where the marker of an unfinished initialization lives: the volume's root, beside the data directory. */
export function initMarker(volumePath: string): string {
  return `${volumePath}/initialization-incomplete`;
}

/**
 * The runner (scripts/postgres-init-scripts.sh) the PostgreSQL entrypoint runs last: each
 * file as the application role in the application database, in one transaction each.
 */
export function renderPostgresInitScriptsRunner(files: readonly InitScript[], server: { socketDir: string; port: number; marker: string }): string {
  return renderScriptFile(__dirname, 'scripts/postgres-init-scripts.sh', {
    FILES: shellWords(files),
    DIR: INIT_SCRIPTS_DIR,
    SOCKET_DIR: server.socketDir,
    PORT: String(server.port),
    MARKER: server.marker,
  });
}

/** The runner (scripts/mysql-init-scripts.sh) the MySQL entrypoint runs last: each file as the application account in its database. */
export function renderMySqlInitScriptsRunner(files: readonly InitScript[], server: { socket: string; marker: string }): string {
  return renderScriptFile(__dirname, 'scripts/mysql-init-scripts.sh', {
    FILES: shellWords(files),
    DIR: INIT_SCRIPTS_DIR,
    SOCKET: server.socket,
    MARKER: server.marker,
  });
}

/**
 * The runner (scripts/moco-init-scripts.sh) of MOCO's app-user Job, after it made the
 * account: once, each file as the application account on the primary, the run recorded
 * with the files' checksum in the application database.
 */
export function renderMocoInitScriptsRunner(
  files: readonly InitScript[],
  server: { readonly host: string; readonly port: number; readonly database: string; readonly user: string },
): string {
  return renderScriptFile(__dirname, 'scripts/moco-init-scripts.sh', {
    DIR: INIT_SCRIPTS_DIR,
    RECORD: INIT_SCRIPTS_RECORD,
    DIGEST: initScriptsDigest(files),
    FILES: shellWords(files),
    NAMES: files.map((f) => f.name).join(','),
    HOST: server.host,
    PORT: String(server.port),
    DATABASE: server.database,
    USER: server.user,
  });
}

/**
 * The server container's command with init scripts (scripts/init-guard.sh, run by `sh -c`
 * before the image's entrypoint): the image's entrypoint initializes an empty data
 * directory and aborts when an init script fails, but the restarted container finds the
 * data directory there and starts the server on the half-initialised database. The guard
 * marks an initialization as begun on the volume (the runner removes the mark when the last
 * file succeeded) and refuses to start while a mark is there.
 * @param initialized a shell test that is true once the data directory holds a database
 */
export function initGuardCommand(options: { marker: string; initialized: string; store: string }): string[] {
  const text = renderScriptFile(__dirname, 'scripts/init-guard.sh', {
    MARKER: options.marker,
    INITIALIZED: options.initialized,
    STORE: options.store,
  });
  return ['sh', '-c', text, 'init-guard'];
}
