/**
 * Shared machinery of the real-engines suite: synthesizing a chart, turning a container's
 * env list into the environment a process in that pod sees (secretKeyRef values from the
 * test's passwords, `$(VAR)` expanded as Kubernetes does), explicit substitutions of the
 * values that only make sense inside a pod (mount paths, ports, Service host names),
 * servers run as non-root users on 127.0.0.1, and cleanup of every process started.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { objectsOf } from '../../support/synth';
import type { App } from 'cdk8s';

export type Json = Record<string, any>;

/** Every object the app synthesizes (construct validation on, as in the unit tests). */
export function synthesized(app: App): Json[] {
  return objectsOf(app);
}

export function find(objects: Json[], kind: string, name: string): Json {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} '${name}' in the synthesized objects, found ${found.length}`);
  return found[0];
}

/** The pod spec of a StatefulSet or Deployment. */
export function podSpec(object: Json): Json {
  return object.spec.template.spec;
}

export function container(object: Json, name: string, kind: 'containers' | 'initContainers' = 'containers'): Json {
  const found = (podSpec(object)[kind] ?? []).find((c: Json) => c.name === name);
  if (!found) throw new Error(`${object.kind} ${object.metadata.name} has no ${kind} '${name}'`);
  return found;
}

/** Secret values the test provides, by `<secret name>/<key>`. */
export type SecretValues = Readonly<Record<string, string>>;

/** `$(VAR)` expansion as the kubelet does it: earlier variables only, `$$` escapes, unknown references kept. */
export function expandKubernetes(value: string, defined: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(defined, name) ? defined[name] : match;
  });
}

/**
 * The environment a container's process gets from its `env` list: plain values,
 * secretKeyRef values resolved from `secrets` and downward-API fields from `fields` (a
 * reference the test has no value for is an error), in order, with `$(VAR)` expanded from
 * the variables before it.
 */
export function containerEnv(c: Json, secrets: SecretValues, fields: Readonly<Record<string, string>> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of c.env ?? []) {
    if (entry.value !== undefined) {
      out[entry.name] = expandKubernetes(String(entry.value), out);
    } else if (entry.valueFrom?.fieldRef) {
      // The downward API (the pod's name): the test says which pod it stands in for.
      const value = fields[entry.valueFrom.fieldRef.fieldPath];
      if (value === undefined)
        throw new Error(`container '${c.name}' env ${entry.name} reads ${entry.valueFrom.fieldRef.fieldPath}, for which the test has no value`);
      out[entry.name] = value;
    } else if (entry.valueFrom?.secretKeyRef) {
      const ref = entry.valueFrom.secretKeyRef;
      const value = secrets[`${ref.name}/${ref.key}`];
      if (value === undefined)
        throw new Error(`container '${c.name}' env ${entry.name} reads Secret ${ref.name} key ${ref.key}, for which the test has no value`);
      out[entry.name] = value;
    } else {
      throw new Error(`container '${c.name}' env ${entry.name}: ${JSON.stringify(entry.valueFrom)} is not supported by this suite`);
    }
  }
  if ((c.envFrom ?? []).length > 0) throw new Error(`container '${c.name}' uses envFrom, which this suite does not resolve`);
  return out;
}

/** One replacement of a value that only makes sense in a pod, with the reason; it must apply. */
export interface Substitution {
  /** Why the value differs outside the pod. */
  readonly why: string;
  readonly from: string;
  readonly to: string;
}

/** All occurrences of each `from`, in order. Every substitution must match: a generated text that changed fails loudly. */
export function substitute(text: string, substitutions: readonly Substitution[], what: string): string {
  let out = text;
  for (const s of substitutions) {
    if (!out.includes(s.from))
      throw new Error(`substitution '${s.from}' -> '${s.to}' (${s.why}) does not apply to ${what}; did the generated text change?\n${text}`);
    out = out.split(s.from).join(s.to);
  }
  return out;
}

/** Applies substitutions that apply; for env maps where not every variable holds every value. */
export function substituteWhereFound(text: string, substitutions: readonly Substitution[]): string {
  let out = text;
  for (const s of substitutions) out = out.split(s.from).join(s.to);
  return out;
}

export function substituteEnv(env: Readonly<Record<string, string>>, substitutions: readonly Substitution[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, substituteWhereFound(v, substitutions)]));
}

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

/** The system user a server runs as: the package's own, else `nobody`; when not root, whoever runs the suite. */
export function serviceUser(preferred: string): { name: string; uid: number; gid: number } {
  if (!IS_ROOT) return { name: os.userInfo().username, uid: process.getuid!(), gid: process.getgid!() };
  for (const name of [preferred, 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error(`neither '${preferred}' nor 'nobody' exists to run the server as`);
}

/** A fresh directory owned by `user`. */
export function workDir(prefix: string, user: { uid: number; gid: number }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `engines-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  if (IS_ROOT) fs.chownSync(dir, user.uid, user.gid);
  return dir;
}

/**
 * A test file's servers and work directories, from the file's top level: one afterAll stops
 * every server (also when a test failed), then removes every directory its `workDir` made.
 */
export function engineSession(): { servers: Servers; workDir: (prefix: string, user: { uid: number; gid: number }) => string } {
  const servers = new Servers();
  const dirs: string[] = [];
  afterAll(async () => {
    await servers.stopAll();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    servers,
    workDir: (prefix, user) => {
      const dir = workDir(prefix, user);
      dirs.push(dir);
      return dir;
    },
  };
}

export function mkdirOwned(dir: string, user: { uid: number; gid: number }, mode = 0o700): string {
  fs.mkdirSync(dir, { recursive: true, mode });
  fs.chmodSync(dir, mode);
  if (IS_ROOT) fs.chownSync(dir, user.uid, user.gid);
  return dir;
}

export function writeOwned(file: string, content: string, user: { uid: number; gid: number }, mode = 0o644): string {
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
  if (IS_ROOT) fs.chownSync(file, user.uid, user.gid);
  return file;
}

/** `command args` as `user` (runuser when root). */
function asUser(user: string | undefined, command: string, args: readonly string[]): [string, string[]] {
  if (user && IS_ROOT) return ['runuser', ['-u', user, '--', command, ...args]];
  return [command, [...args]];
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly user?: string;
  readonly input?: string;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; the environment is exactly `env` plus PATH, LANG and HOME. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): RunResult {
  const [cmd, argv] = asUser(options.user, command, args);
  const r: SpawnSyncReturns<string> = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: baseEnv(options.env),
    input: options.input,
    cwd: options.cwd ?? os.tmpdir(),
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Like run(), but a non-zero exit is an error carrying the output. */
export function mustRun(command: string, args: readonly string[], options: RunOptions = {}): string {
  const r = run(command, args, options);
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let extraPath: string[] = [];
/** Directories searched before PATH (Debian keeps PostgreSQL's server programs out of it). */
export function prependPath(dir: string): void {
  if (!extraPath.includes(dir)) extraPath = [dir, ...extraPath];
}

function baseEnv(env: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    PATH: [...extraPath, process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'].join(':'),
    LANG: 'C.UTF-8',
    HOME: os.tmpdir(),
    ...env,
  };
}

/** Servers started by a test file; all stopped in afterAll, also when a test failed. */
export class Servers {
  private readonly running = new Map<string, { child: ChildProcess; log: string[]; exited?: number | null; stopSignal: NodeJS.Signals }>();

  /** Starts `command` as `user` in its own process group; its output is kept for error messages. */
  public start(
    name: string,
    command: string,
    args: readonly string[],
    options: { user?: string; env?: Readonly<Record<string, string>>; stopSignal?: NodeJS.Signals } = {},
  ): void {
    if (this.running.has(name)) throw new Error(`server '${name}' is already running`);
    const [cmd, argv] = asUser(options.user, command, args);
    const child = spawn(cmd, argv, { env: baseEnv(options.env), detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: os.tmpdir() });
    const entry = { child, log: [] as string[], exited: undefined as number | null | undefined, stopSignal: options.stopSignal ?? 'SIGTERM' };
    const keep = (chunk: Buffer) => {
      entry.log.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (entry.log.length > 400) entry.log.splice(0, entry.log.length - 400);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code) => {
      entry.exited = code;
    });
    child.on('error', (e) => {
      entry.log.push(`spawn error: ${e.message}`);
      entry.exited = -1;
    });
    this.running.set(name, entry);
  }

  public log(name: string): string {
    return (this.running.get(name)?.log ?? []).slice(-80).join('\n');
  }

  /**
   * Polls `check` until it succeeds; fails loudly with the server's log when the server
   * exits or the time runs out.
   */
  public async waitUntil(name: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) throw new Error(`server '${name}' was not started`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (entry.exited !== undefined) throw new Error(`server '${name}' exited (${entry.exited}) before it was ready:\n${this.log(name)}`);
      if (check()) return;
      if (Date.now() > deadline) throw new Error(`server '${name}' was not ready after ${timeoutMs / 1000} s:\n${this.log(name)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Stops one server (its stop signal, then SIGKILL after `graceMs`) and waits for it. */
  public async stop(name: string, graceMs = 20_000): Promise<void> {
    const entry = this.running.get(name);
    if (!entry) return;
    this.running.delete(name);
    if (entry.exited !== undefined) return;
    const exited = new Promise<void>((resolve) => entry.child.once('exit', () => resolve()));
    signalGroup(entry.child, entry.stopSignal);
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([exited.then(() => 'exited' as const), timer])) === 'timeout') {
      signalGroup(entry.child, 'SIGKILL');
      await exited;
    }
    // Children of the group that outlived the leader.
    signalGroup(entry.child, 'SIGKILL');
  }

  public async stopAll(): Promise<void> {
    for (const name of [...this.running.keys()].reverse()) await this.stop(name);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * A PostgreSQL server (Debian's) in `<dir>/data` as `user` on a free loopback port, its superuser
 * `postgres` with `superuserPassword` (scram-sha-256), then the role app_user and its database app.
 * `psql(sql, database = 'app')` runs as the superuser.
 */
export async function startAppPostgres(
  servers: Servers,
  dir: string,
  user: { name: string; uid: number; gid: number },
  superuserPassword: string,
): Promise<{ port: number; psql: (sql: string, database?: string) => string }> {
  const data = mkdirOwned(path.join(dir, 'data'), user);
  const sock = mkdirOwned(path.join(dir, 'run'), user, 0o775);
  const pw = writeOwned(path.join(dir, 'pw'), `${superuserPassword}\n`, user, 0o600);
  mustRun('initdb', ['-D', data, '--username=postgres', `--pwfile=${pw}`, '--auth=scram-sha-256'], { user: user.name, timeoutMs: 120_000 });
  const port = await freePort();
  servers.start('postgres', 'postgres', ['-D', data, '-p', String(port), '-k', sock, '-c', 'listen_addresses=127.0.0.1'], {
    user: user.name,
    stopSignal: 'SIGINT',
  });
  const su = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres', PGPASSWORD: superuserPassword };
  await servers.waitUntil('postgres', () => run('pg_isready', ['-q'], { env: su }).status === 0);
  const psql = (sql: string, database = 'app') =>
    mustRun('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-d', database, '-c', sql], { env: su }).trim();
  psql("CREATE ROLE app_user LOGIN PASSWORD 'AppUserPassw0rd'", 'postgres');
  psql('CREATE DATABASE app OWNER app_user', 'postgres');
  return { port, psql };
}

/** The newest PostgreSQL server programs Debian installed, e.g. /usr/lib/postgresql/15/bin. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'bin', 'postgres'))) : [];
  if (majors.length === 0) throw new Error(missingPackages());
  return path.join(root, majors.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

export function requirePrograms(...programs: string[]): void {
  const missing = programs.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`], { env: baseEnv() }).status !== 0);
  if (missing.length) throw new Error(`${missing.join(', ')} not found. ${missingPackages()}`);
}

export function missingPackages(): string {
  return "Run scripts/engines/test-engines.sh (as root it installs them), or: sudo sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql mariadb-server mariadb-client redis-server redis-tools redis-sentinel haproxy nginx-light memcached openssl'";
}
