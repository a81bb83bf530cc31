/**
 * The Memcached construct's server command, run by a real Memcached (Debian's 1.6); its
 * readiness probe and a client's wait-for init container run against it, and a client
 * given MEMCACHED_SERVERS stores and reads an item on each member.
 *
 *   npx jest -c jest.integration.config.js test/integration/engines/memcached
 *
 * What differs from the pods, and nothing else (each listed below as a substitution): the
 * port of each member (a free one instead of 11211) and the members' host names (127.0.0.1
 * instead of <name>-<i>.<name>-headless.<namespace>.svc).
 */
import { ConnectionEnv, Memcached, Probe, WebService } from '../../../lib';
import { testChart } from '../../support/synth';
import {
  container,
  containerEnv,
  engineSession,
  find,
  freePort,
  IS_ROOT,
  Json,
  requirePrograms,
  run,
  serviceUser,
  Substitution,
  substituteEnv,
  synthesized,
} from './support';

const { servers } = engineSession();
const ports: number[] = [];
let objects: Json[];
let serverEnv: Record<string, string>;
let user: ReturnType<typeof serviceUser>;

const members = (): Substitution[] =>
  ports.map((port, i) => ({
    why: 'member host names resolve only in the cluster; a free port instead of 11211',
    from: `cache-${i}.cache-headless.test-prod.svc:11211`,
    to: `127.0.0.1:${port}`,
  }));

/** Sends `request` to 127.0.0.1:port with bash's /dev/tcp (as the probes do) and returns what the server answers. */
function ask(port: number, request: string): string {
  const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; printf '%b' "$REQUEST" >&3; timeout 2 cat <&3 || true`;
  return run('bash', ['-c', script], { env: { REQUEST: request.replace(/\r\n/g, '\\r\\n') } }).stdout;
}

beforeAll(async () => {
  requirePrograms('memcached', 'bash');
  user = serviceUser('memcache');
  ports.push(await freePort(), await freePort());

  const { app, chart } = testChart();
  const resources = { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const cache = new Memcached(chart, 'cache', { replicas: 2, resources });
  new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources,
  }).connect(cache, { env: ConnectionEnv.discrete({ members: 'MEMCACHED_SERVERS' }) });
  objects = synthesized(app);

  const server = container(find(objects, 'StatefulSet', 'cache'), 'cache');
  serverEnv = containerEnv(server, {});
  // The container's command (sh -c reading the flags from its environment), one member per port.
  expect(server.command.slice(0, 2)).toEqual(['sh', '-c']);
  ports.forEach((port, i) => {
    const script = server.command[2].replace('-p 11211', `-p ${port} -l 127.0.0.1`);
    servers.start(`memcached-${i}`, 'sh', ['-c', script], { user: user.name, env: serverEnv });
  });
  const probe: string[] = server.readinessProbe.exec.command;
  for (const [i, port] of ports.entries()) {
    const readiness = probe.map((a) => a.replace('/11211', `/${port}`));
    await servers.waitUntil(`memcached-${i}`, () => run(readiness[0], readiness.slice(1)).status === 0);
  }
}, 60_000);

describe('Memcached runs what the Memcached construct generated', () => {
  test(`the server runs as ${IS_ROOT ? 'the memcache system user' : 'the current (non-root) user'}, with -m and -c from the memory limit and the props`, () => {
    expect(user.uid).not.toBe(0);
    const settings = ask(ports[0], 'stats settings\r\nquit\r\n');
    // 75 % of the 512Mi limit, in bytes; 1024 connections; UDP off.
    expect(settings).toMatch(/^STAT maxbytes 402653184\r$/m);
    expect(settings).toMatch(/^STAT maxconns 1024\r$/m);
    expect(settings).toMatch(/^STAT udpport 0\r$/m);
  });

  test('the readiness probe fails on a port where no Memcached answers', async () => {
    const probe: string[] = container(find(objects, 'StatefulSet', 'cache'), 'cache').readinessProbe.exec.command;
    const unused = await freePort();
    const closed = probe.map((a) => a.replace('/11211', `/${unused}`));
    expect(run(closed[0], closed.slice(1)).status).not.toBe(0);
  });

  test("the wait-for-cache init container's command returns with its own environment", () => {
    const wait = container(find(objects, 'Deployment', 'api'), 'wait-for-cache', 'initContainers');
    const env = substituteEnv(containerEnv(wait, {}), [
      { why: 'the Service name resolves only in the cluster', from: 'cache.test-prod.svc', to: '127.0.0.1' },
      { why: 'a free port instead of 11211', from: '11211', to: String(ports[0]) },
    ]);
    expect(run(wait.command[0], wait.command.slice(1), { env, timeoutMs: 20_000 })).toMatchObject({ status: 0 });
  });

  test('MEMCACHED_SERVERS lists both members: an item stored on each is read back from the same one only', () => {
    const env = substituteEnv(containerEnv(container(find(objects, 'Deployment', 'api'), 'api'), {}), members());
    const list = env.MEMCACHED_SERVERS.split(',');
    expect(list).toEqual(ports.map((p) => `127.0.0.1:${p}`));
    list.forEach((server, i) => {
      const port = Number(server.split(':')[1]);
      expect(ask(port, `set key-${i} 0 60 5\r\nvalue\r\nquit\r\n`)).toBe('STORED\r\n');
    });
    expect(ask(ports[0], 'get key-0\r\nquit\r\n')).toBe('VALUE key-0 0 5\r\nvalue\r\nEND\r\n');
    // Members do not share items: a client that reached them through one Service would miss.
    expect(ask(ports[1], 'get key-0\r\nquit\r\n')).toBe('END\r\n');
  });
});
