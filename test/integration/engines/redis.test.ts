/**
 * The Redis construct's generated redis.conf and start script, run by a real Redis
 * (Debian's 7.0); then a workload's exact connection environment writes and reads.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/redis
 *
 * What differs from the pod, and nothing else (each listed below as a substitution): the
 * data directory (volume mount), the ConfigMap mount, the run directory (an emptyDir), the port (a free one instead of
 * 6379), the bind address (loopback instead of every pod address) and the Service host
 * name (127.0.0.1 instead of cache.<namespace>.svc).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ConnectionEnv, ExistingSecret, Probe, Redis, WebService } from '../../../lib';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
  IS_ROOT,
  Json,
  mkdirOwned,
  requirePrograms,
  run,
  RunResult,
  serviceUser,
  Substitution,
  substitute,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

const SECRETS = { 'cache-credentials/redis-password': 'RedisPassw0rd' };
const SERVICE_HOST = 'cache.test-prod.svc';

const { servers, workDir } = engineSession();
let dir: string;
let port: number;
let objects: Json[];
let serverEnv: Record<string, string>;
let user: ReturnType<typeof serviceUser>;

function cli(args: string[], env: Record<string, string> = {}): RunResult {
  return run('redis-cli', ['--no-auth-warning', ...args], { env });
}

const service = (): Substitution[] => [
  { why: 'the Service name resolves only in the cluster', from: SERVICE_HOST, to: '127.0.0.1' },
  { why: 'a free port instead of 6379', from: '6379', to: String(port) },
];

beforeAll(async () => {
  requirePrograms('redis-server', 'redis-cli');
  user = serviceUser('redis');
  port = await freePort();

  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('cache-credentials', ['redis-password']);
  const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const cache = new Redis(chart, 'cache', { use: 'cache', storage: '1Gi', credentials, resources }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(cache, {
    env: ConnectionEnv.all(
      ConnectionEnv.url('REDIS_URL'),
      ConnectionEnv.discrete({ host: 'REDIS_HOST', port: 'REDIS_PORT', password: 'REDIS_PASSWORD' }),
    ),
  });
  objects = synthesized(app);

  dir = workDir('redis', user);
  const data = mkdirOwned(path.join(dir, 'data'), user, 0o750);
  const configDir = mkdirOwned(path.join(dir, 'config'), user, 0o755);
  const sts = find(objects, 'StatefulSet', 'cache');
  const conf = find(objects, 'ConfigMap', 'cache-config').data['redis.conf'];
  writeOwned(
    path.join(configDir, 'redis.conf'),
    substitute(
      conf,
      [
        { why: 'the volume claim is mounted at /data in the pod', from: 'dir /data', to: `dir ${data}` },
        { why: 'a free port instead of 6379', from: 'port 6379', to: `port ${port}` },
        { why: 'loopback instead of every pod address', from: 'bind 0.0.0.0', to: 'bind 127.0.0.1' },
      ],
      'redis.conf',
    ),
    user,
  );

  // The start script from the ConfigMap; it writes the file holding the password into the
  // run directory (an emptyDir under /tmp in the pod) and execs redis-server on it.
  const configMap = find(objects, 'ConfigMap', 'cache-config').data;
  writeOwned(path.join(configDir, 'start.sh'), configMap['start.sh'], user);
  const runDir = mkdirOwned(path.join(dir, 'run'), user, 0o700);
  const server = container(sts, 'cache');
  serverEnv = substituteEnv(containerEnv(server, SECRETS), [
    { why: 'the ConfigMap is mounted at /etc/redis in the pod', from: '/etc/redis', to: configDir },
    { why: 'the emptyDir is mounted at /tmp in the pod', from: '/tmp/redis', to: path.join(runDir, 'redis') },
  ]);
  const command: string[] = server.command.map((a: string) => a.replace('/etc/redis', configDir));
  expect(command).toEqual(['sh', path.join(configDir, 'start.sh'), 'server']);
  servers.start('redis', command[0], command.slice(1), { user: user.name, env: serverEnv });
  const readiness: string[] = server.readinessProbe.exec.command.map((a: string) => a.replace('6379', String(port)));
  await servers.waitUntil('redis', () => run(readiness[0], readiness.slice(1), { env: serverEnv }).status === 0);
}, 120_000);

describe('Redis runs what the Redis construct generated', () => {
  test(`the server runs as ${IS_ROOT ? 'the redis system user' : 'the current (non-root) user'}, with redis.conf in effect`, () => {
    expect(user.uid).not.toBe(0);
    const auth = { REDISCLI_AUTH: SECRETS['cache-credentials/redis-password'] };
    const get = (name: string) =>
      cli(['-p', String(port), 'CONFIG', 'GET', name], auth)
        .stdout.trim()
        .split('\n')[1];
    expect(get('maxmemory')).toBe(String(384 * 2 ** 20));
    expect(get('maxmemory-policy')).toBe('allkeys-lru');
    expect(get('appendonly')).toBe('yes');
    expect(get('dir')).toBe(path.join(dir, 'data'));
    expect(get('protected-mode')).toBe('yes');
  });

  test('the readiness and liveness probes pass', () => {
    const server = container(find(objects, 'StatefulSet', 'cache'), 'cache');
    for (const probe of [server.readinessProbe, server.livenessProbe]) {
      const command: string[] = probe.exec.command.map((a: string) => a.replace('6379', String(port)));
      expect(run(command[0], command.slice(1), { env: serverEnv })).toMatchObject({ status: 0 });
    }
  });

  test("the wait-for-cache init container's command returns with its own environment", () => {
    const wait = container(find(objects, 'Deployment', 'api'), 'wait-for-cache', 'initContainers');
    const env = substituteEnv(containerEnv(wait, SECRETS), service());
    expect(run(wait.command[0], wait.command.slice(1), { env, timeoutMs: 20_000 })).toMatchObject({ status: 0 });
  });

  test('REDIS_URL (password spliced in with $(VAR)), read as client libraries read it: write and read', () => {
    const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), service());
    expect(env.REDIS_URL).toBe(`redis://default:RedisPassw0rd@127.0.0.1:${port}/0`);
    // redis-py, node-redis, ioredis and go-redis: user `default` and the password mean AUTH default <password>.
    const url = new URL(env.REDIS_URL);
    expect(url.username).toBe('default');
    const args = ['-h', url.hostname, '-p', url.port, '-n', url.pathname.slice(1)];
    const auth = { REDISCLI_AUTH: decodeURIComponent(url.password) };
    expect(cli([...args, 'SET', 'greeting', 'hola'], auth).stdout.trim()).toBe('OK');
    expect(cli([...args, 'GET', 'greeting'], auth).stdout.trim()).toBe('hola');
  });

  // redis-cli 6.2+ reads `redis://:pw@` as user "" and fails AUTH (redis/redis#9186); the
  // construct's URL names the user `default`, which works for every client of Redis 6+.
  test('redis-cli -u REDIS_URL (user default) reads what was written', () => {
    const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), service());
    expect(cli(['-u', env.REDIS_URL, 'GET', 'greeting']).stdout.trim()).toBe('hola');
  });

  test('Loopi variables (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD): read what the URL wrote', () => {
    const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), service());
    expect(cli(['-h', env.REDIS_HOST, '-p', env.REDIS_PORT, 'GET', 'greeting'], { REDISCLI_AUTH: env.REDIS_PASSWORD }).stdout.trim()).toBe('hola');
  });

  test('the password is on no command line (ps) and in no file but the private one the start script wrote', () => {
    // redis-server names its process by its address; what ps shows of every process, as booleans (no dump of others' arguments).
    const ps = run('ps', ['-eo', 'args']).stdout;
    expect(ps.includes(`redis-server 127.0.0.1:${port}`)).toBe(true);
    expect(ps.includes(SECRETS['cache-credentials/redis-password'])).toBe(false);
    const written = path.join(dir, 'run', 'redis', 'redis.conf');
    expect(fs.statSync(written).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(written, 'utf8')).toContain(`requirepass "${SECRETS['cache-credentials/redis-password']}"`);
    expect(fs.readFileSync(path.join(dir, 'config', 'redis.conf'), 'utf8')).not.toContain(SECRETS['cache-credentials/redis-password']);
  });

  test('nothing without the password', () => {
    expect(cli(['-p', String(port), 'GET', 'greeting']).stdout).toMatch(/NOAUTH Authentication required/);
    const wrong = cli(['-p', String(port), 'GET', 'greeting'], { REDISCLI_AUTH: 'wrong' });
    expect(wrong.stderr).toMatch(/AUTH failed: WRONGPASS/);
    expect(wrong.stdout).toMatch(/NOAUTH Authentication required/);
  });
});
