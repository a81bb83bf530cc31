/**
 * The Redis construct with `replicas: 3`, run by real programs: three Redis servers (Debian's
 * 7.0), the three Sentinels beside them and HAProxy (Debian's 2.6), each started from what the
 * construct generated (the ConfigMaps' redis.conf, sentinel.conf, start script and
 * haproxy.cfg, the containers' commands and environments) as non-root users. A workload's
 * exact REDIS_URL writes through HAProxy, and a backup's `redis-cli --rdb` streams the master's
 * snapshot through it; the master is killed with its Sentinel (a node
 * lost); Sentinel promotes a replica; writes through HAProxy reach the new master; the old
 * member, started again, rejoins as a replica of the new master, never as a second master.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/redis-sentinel
 *
 * What differs from the pods, and nothing else (each listed below as a substitution): the
 * members' DNS names (127.0.0.1 with a free port per server and per Sentinel, the ports the
 * pods' names stand in for), the pods' names (the downward API), the ConfigMap and emptyDir
 * mounts, the data directories, the bind addresses (loopback instead of every pod address) and
 * the client Service's name.
 */
import * as path from 'path';
import { ConnectionEnv, Duration, ExistingSecret, Probe, Redis, WebService } from '../../../lib';
import { NOT_BACKED_UP_IN_TEST } from '../../support/stores';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
  Json,
  mkdirOwned,
  requirePrograms,
  run,
  serviceUser,
  Substitution,
  substitute,
  substituteEnv,
  synthesized,
  writeOwned,
} from './support';

const PASSWORD = 'SentinelPassw0rd';
const SECRETS = { 'cache-credentials/redis-password': PASSWORD };
const MEMBERS = [0, 1, 2];
const DOMAIN = 'cache-headless.test-prod.svc';
/** The test's Sentinel timing, through the construct's typed option. */
const DOWN_AFTER = Duration.seconds(1);

const { servers, workDir } = engineSession();
let objects: Json[];
let dir: string;
let redisUser: ReturnType<typeof serviceUser>;
let proxyUser: ReturnType<typeof serviceUser>;
const redisPorts: number[] = [];
const sentinelPorts: number[] = [];
let proxyPort: number;
let healthPort = 0;
let clientEnv: Record<string, string>;

function cli(port: number, args: string[]): string {
  const r = run('redis-cli', ['--no-auth-warning', '-h', '127.0.0.1', '-p', String(port), ...args], {
    env: { REDISCLI_AUTH: PASSWORD },
    timeoutMs: 10_000,
  });
  return `${r.stdout}${r.stderr}`.trim();
}

/** The client's way in: redis-cli with the workload's REDIS_URL (user default, the password from the Secret). */
function client(args: string[]): string {
  const r = run('redis-cli', ['--no-auth-warning', '-u', clientEnv.REDIS_URL, ...args], { timeoutMs: 10_000 });
  return `${r.stdout}${r.stderr}`.trim();
}

function replication(port: number): Record<string, string> {
  return Object.fromEntries(
    cli(port, ['INFO', 'replication'])
      .split('\n')
      .map((l) => l.trim().split(':'))
      .filter((kv) => kv.length === 2),
  );
}

/** `SENTINEL MASTER cache` as asked of Sentinel i: its view of the master, field by field. */
function sentinelMaster(i: number): Record<string, string> {
  const lines = cli(sentinelPorts[i], ['SENTINEL', 'MASTER', 'cache']).split('\n');
  return Object.fromEntries(Array.from({ length: Math.floor(lines.length / 2) }, (_, k) => [lines[2 * k], lines[2 * k + 1]]));
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not after ${timeoutMs / 1000} s\n${MEMBERS.map((i) => servers.log(`sentinel-${i}`)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pods' names and ports -> this machine's, for member i (its server, its Sentinel) and every other. */
function names(): Substitution[] {
  return MEMBERS.flatMap((i) => [
    { why: `cache-${i}'s server, by its stable name`, from: `cache-${i}.${DOMAIN}:6379`, to: `127.0.0.1:${redisPorts[i]}` },
    { why: `cache-${i}'s Sentinel, by its stable name`, from: `cache-${i}.${DOMAIN}:26379`, to: `127.0.0.1:${sentinelPorts[i]}` },
  ]);
}

function memberDirs(i: number) {
  const base = path.join(dir, `cache-${i}`);
  return { base, config: path.join(base, 'config'), data: path.join(base, 'data'), tmp: path.join(base, 'tmp') };
}

/** Starts member i's container `name` (`cache`: the server, `sentinel`), with its pod's environment. */
function startContainer(i: number, name: 'cache' | 'sentinel'): void {
  const d = memberDirs(i);
  const c = container(find(objects, 'StatefulSet', 'cache'), name);
  const env = substituteEnv(containerEnv(c, SECRETS, { 'metadata.name': `cache-${i}` }), [
    ...names(),
    // First: the test's directories are under /tmp too.
    { why: 'the tmp emptyDir is mounted at /tmp', from: '/tmp/', to: `${d.tmp}/` },
    { why: 'the ConfigMap is mounted at /etc/redis', from: '/etc/redis', to: d.config },
  ]);
  const command: string[] = c.command.map((a: string) => a.replace('/etc/redis', d.config));
  servers.start(`${name === 'cache' ? 'redis' : 'sentinel'}-${i}`, command[0], command.slice(1), {
    user: redisUser.name,
    env,
    stopSignal: 'SIGKILL',
  });
}

async function startMember(i: number): Promise<void> {
  startContainer(i, 'cache');
  startContainer(i, 'sentinel');
  await servers.waitUntil(`redis-${i}`, () => cli(redisPorts[i], ['PING']) === 'PONG', 30_000);
  await servers.waitUntil(`sentinel-${i}`, () => cli(sentinelPorts[i], ['PING']) === 'PONG', 30_000);
}

/** Kills member i's server and Sentinel at once (SIGKILL): its node is gone. */
async function killMember(i: number): Promise<void> {
  await Promise.all([servers.stop(`redis-${i}`), servers.stop(`sentinel-${i}`)]);
}

beforeAll(async () => {
  requirePrograms('redis-server', 'redis-cli', 'redis-check-rdb', 'haproxy');
  redisUser = serviceUser('redis');
  proxyUser = serviceUser('haproxy');
  for (const _ of MEMBERS) {
    redisPorts.push(await freePort());
    sentinelPorts.push(await freePort());
  }
  proxyPort = await freePort();
  healthPort = await freePort();

  const { app, chart } = testChart();
  const credentials = ExistingSecret.named('cache-credentials', ['redis-password']);
  const resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const cache = new Redis(chart, 'cache', {
    use: 'sessions',
    storage: '1Gi',
    credentials,
    resources,
    replicas: 3,
    sentinel: { downAfter: DOWN_AFTER, failoverTimeout: Duration.seconds(10) },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(cache, { env: ConnectionEnv.url('REDIS_URL') });
  objects = synthesized(app);

  dir = workDir('redis-sentinel', redisUser);
  const files = find(objects, 'ConfigMap', 'cache-config').data;
  for (const i of MEMBERS) {
    const d = memberDirs(i);
    mkdirOwned(d.base, redisUser, 0o755);
    mkdirOwned(d.config, redisUser, 0o755);
    mkdirOwned(d.data, redisUser, 0o750);
    mkdirOwned(d.tmp, redisUser, 0o700);
    writeOwned(path.join(d.config, 'start.sh'), files['start.sh'], redisUser);
    writeOwned(
      path.join(d.config, 'redis.conf'),
      substitute(
        files['redis.conf'],
        [
          { why: 'the volume claim is mounted at /data', from: 'dir /data', to: `dir ${d.data}` },
          { why: "the pod's port stands for this member's free port", from: 'port 6379', to: `port ${redisPorts[i]}` },
          { why: 'loopback instead of every pod address', from: 'bind 0.0.0.0', to: 'bind 127.0.0.1' },
        ],
        'redis.conf',
      ),
      redisUser,
    );
    writeOwned(
      path.join(d.config, 'sentinel.conf'),
      substitute(
        files['sentinel.conf'],
        [
          { why: 'the tmp emptyDir is mounted at /tmp', from: 'dir /tmp/', to: `dir ${d.tmp}/` },
          { why: "the pod's Sentinel port stands for this member's free port", from: 'port 26379', to: `port ${sentinelPorts[i]}` },
          { why: 'loopback instead of every pod address', from: 'bind 0.0.0.0', to: 'bind 127.0.0.1' },
        ],
        'sentinel.conf',
      ),
      redisUser,
    );
  }

  // As the StatefulSet starts them (OrderedReady): cache-0 first, alone, then the others.
  for (const i of MEMBERS) await startMember(i);
  await eventually('both replicas connected to cache-0', () => (replication(redisPorts[0]).connected_slaves === '2' ? true : undefined));
  // A settled group: every Sentinel knows both replicas (from the master's INFO, every 10 s)
  // and the two other Sentinels (hello messages, every 2 s). A replica a Sentinel has not
  // yet seen is not reconfigured by a failover.
  await eventually('every Sentinel knows both replicas and both other Sentinels', () =>
    MEMBERS.every((i) => {
      const m = sentinelMaster(i);
      return m['num-slaves'] === '2' && m['num-other-sentinels'] === '2';
    })
      ? true
      : undefined,
  );

  // HAProxy, from its Deployment and ConfigMap.
  const proxy = find(objects, 'Deployment', 'cache-proxy');
  const proxyDir = mkdirOwned(path.join(dir, 'proxy'), proxyUser, 0o755);
  const cfg = substitute(
    find(objects, 'ConfigMap', 'cache-proxy-config').data['haproxy.cfg'],
    [
      // Fully qualified in haproxy.cfg: HAProxy's resolver applies no search list.
      ...MEMBERS.map((i) => ({ why: `cache-${i}'s server`, from: `cache-${i}.${DOMAIN}.cluster.local:6379`, to: `127.0.0.1:${redisPorts[i]}` })),
      { why: 'loopback and a free port instead of every pod address on 6379', from: 'bind :6379', to: `bind 127.0.0.1:${proxyPort}` },
      { why: 'the health endpoint on loopback and a free port', from: 'bind :8404', to: `bind 127.0.0.1:${healthPort}` },
    ],
    'haproxy.cfg',
  );
  writeOwned(path.join(proxyDir, 'haproxy.cfg'), cfg, proxyUser);
  const haproxy = container(proxy, 'cache-proxy');
  const command: string[] = haproxy.command.map((a: string) => a.replace('/usr/local/etc/haproxy', proxyDir));
  expect(command).toEqual(['haproxy', '-db', '-f', path.join(proxyDir, 'haproxy.cfg')]);
  servers.start('haproxy', command[0], command.slice(1), { user: proxyUser.name, env: containerEnv(haproxy, SECRETS) });

  clientEnv = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), SECRETS), [
    { why: 'the client Service (HAProxy) resolves only in the cluster', from: 'cache.test-prod.svc:6379', to: `127.0.0.1:${proxyPort}` },
  ]);
  await servers.waitUntil('haproxy', () => client(['SET', 'ready', 'yes']) === 'OK', 30_000);
}, 180_000);

describe('A Redis replica group with Sentinel and HAProxy, as the construct generated it', () => {
  test("HAProxy's liveness endpoint answers 200 on the probe's path and port", async () => {
    const proxy = container(find(objects, 'Deployment', 'cache-proxy'), 'cache-proxy');
    expect(proxy.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'health' });
    expect(proxy.ports).toEqual(expect.arrayContaining([{ name: 'health', containerPort: 8404, protocol: 'TCP' }]));
    const response = await fetch(`http://127.0.0.1:${healthPort}${proxy.livenessProbe.httpGet.path}`);
    expect(response.status).toBe(200);
  });

  test('cache-0 is the master, the others replicate from it by the names they announce', () => {
    expect(replication(redisPorts[0]).role).toBe('master');
    for (const i of [1, 2]) {
      expect(replication(redisPorts[i])).toMatchObject({ role: 'slave', master_host: '127.0.0.1', master_port: String(redisPorts[0]) });
    }
    // Every Sentinel knows the two others and both replicas.
    for (const i of MEMBERS) {
      expect(sentinelMaster(i)).toMatchObject({
        quorum: '2',
        'down-after-milliseconds': String(DOWN_AFTER.toMilliseconds()),
        'num-slaves': '2',
        'num-other-sentinels': '2',
      });
    }
  });

  test('the password is on no command line, and a replica refuses writes', () => {
    const ps = run('ps', ['-eo', 'args']).stdout;
    expect(ps.includes(PASSWORD)).toBe(false);
    expect(cli(redisPorts[1], ['SET', 'x', '1'])).toMatch(/READONLY/);
  });

  test("a backup's `redis-cli --rdb` through HAProxy (the client Service) streams the master's snapshot", () => {
    expect(client(['SET', 'backed-up', 'yes'])).toBe('OK');
    const dump = path.join(dir, 'dump.rdb');
    // What scripts/redis-dump.sh runs, against the host and port the backup Job is given.
    const r = run('redis-cli', ['--no-auth-warning', '-h', '127.0.0.1', '-p', String(proxyPort), '--rdb', dump], {
      env: { REDISCLI_AUTH: PASSWORD },
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(0);
    expect(run('redis-check-rdb', [dump]).stdout).toMatch(/RDB looks OK/);
  });

  test('the master is killed with its Sentinel; a replica is promoted and writes through HAProxy reach it', async () => {
    expect(client(['SET', 'before', 'kept'])).toBe('OK');
    // Both replicas have it before the master dies (replication is asynchronous).
    expect(client(['WAIT', '2', '5000'])).toBe('2');

    const killedAt = Date.now();
    await killMember(0);
    const newMaster = await eventually('a Sentinel names a new master', () => {
      const answer = cli(sentinelPorts[1], ['SENTINEL', 'get-master-addr-by-name', 'cache']).split('\n');
      const port = Number(answer[1]);
      return port && port !== redisPorts[0] ? port : undefined;
    });
    expect([redisPorts[1], redisPorts[2]]).toContain(newMaster);
    expect(replication(newMaster).role).toBe('master');

    // The same REDIS_URL, the same connection variables: HAProxy now sends writes to the new master.
    await eventually('a write through HAProxy succeeds', () => (client(['SET', 'after', 'written']) === 'OK' ? true : undefined), 30_000);
    const seconds = (Date.now() - killedAt) / 1000;
    process.stdout.write(`redis-sentinel: writes through HAProxy succeeded again ${seconds.toFixed(1)} s after the master was killed\n`);
    expect(seconds).toBeLessThan(30);
    expect(cli(newMaster, ['GET', 'after'])).toBe('written');
    expect(client(['GET', 'before'])).toBe('kept');
  }, 90_000);

  test('the old master, started again, asks the Sentinels and rejoins as a replica of the new master', async () => {
    const master = Number(cli(sentinelPorts[1], ['SENTINEL', 'get-master-addr-by-name', 'cache']).split('\n')[1]);
    await startMember(0);
    // From its first moment: the start script made it a replica, so it never answered role:master.
    expect(replication(redisPorts[0])).toMatchObject({ role: 'slave', master_port: String(master) });
    await eventually('cache-0 synced from the new master', () => (replication(redisPorts[0]).master_link_status === 'up' ? true : undefined));
    expect(cli(redisPorts[0], ['GET', 'after'])).toBe('written');
    // Clients still write through HAProxy, to the one master.
    expect(client(['SET', 'rejoined', 'yes'])).toBe('OK');
    expect(cli(master, ['GET', 'rejoined'])).toBe('yes');
    await eventually('the master counts two replicas again', () => (replication(master).connected_slaves === '2' ? true : undefined)).catch((e) => {
      throw new Error(
        `${e}\n${MEMBERS.map((i) => JSON.stringify(replication(redisPorts[i]))).join('\n')}\n${servers.log('redis-1')}\n${servers.log('redis-2')}`,
      );
    });
  }, 90_000);
});
