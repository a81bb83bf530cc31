/**
 * MongoDB replica set. No MongoDB server is available on the build machines (Debian
 * ships no MongoDB package and the upstream download site is not reachable), so these
 * tests check the generated objects and scripts only: node's own parser checks every
 * generated mongosh script, and the initialization logic runs twice against a fake
 * `Mongo` that records every command (the second run must initiate and create nothing).
 */
import * as vm from 'vm';
import { ConnectionEnv, DEFAULT_RULES, ExistingSecret, Probe, SystemSecret, WebService } from '../../lib';
import { MongoDb, MongoDbProps } from '../../lib/data/mongodb';
import { checkMongoDatabaseName, renderMongoInitScript, renderMongoInitScriptsRunner, wiredTigerCacheSizeGB } from '../../lib/data/mongodb-config';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';
import { badInputErrors, expectOneError, testStrictSchemaValidation } from '../support/construct-tests';
import { NOT_BACKED_UP_IN_TEST } from '../support/stores';

const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } };
const credentials = ExistingSecret.named('mongo-credentials', ['root-password', 'password', 'keyfile', 'exporter-password']);
const secretRef = (key: string) => ({ valueFrom: { secretKeyRef: { name: 'mongo-credentials', key } } });
const MEMBERS = [0, 1, 2].map((i) => `mongodb-${i}.mongodb-headless.test-prod.svc:27017`);
const GiB = 2 ** 30;

describe('MongoDb', () => {
  const { app, chart } = testChart();
  const mongo = new MongoDb(chart, 'mongodb', {
    database: 'techshop',
    storage: '20Gi',
    credentials,
    resources,
    monitoring: { exporter: true },
  }).noBackup(NOT_BACKED_UP_IN_TEST);
  const api = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 3000 }],
    readiness: Probe.http('/ready'),
    resources,
  });
  api.connect(mongo, { env: ConnectionEnv.url('MONGODB_URI') });

  const objects = objectsOf(app);
  const sts = objectOf(app, 'StatefulSet', 'mongodb');
  const pod = sts.spec.template.spec;
  const mongod = pod.containers[0];
  const conf: string = objectOf(app, 'ConfigMap', 'mongodb-config').data['mongod.conf'];
  const jobs = objects.filter((o) => o.kind === 'Job');
  const job = jobs[0];
  const jobPod = job.spec.template.spec;
  const script: string = objectOf(app, 'ConfigMap', 'mongodb-init-script').data['init-replica-set.js'];

  test('no validation errors (policy rules: see the generated-credentials test below)', () => {
    expect(errorsOf(app)).toEqual([]);
  });

  test('three members, started together, with a headless Service publishing not-ready members', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.serviceName).toBe('mongodb-headless');
    expect(objectOf(app, 'Service', 'mongodb-headless').spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      ports: [{ name: 'mongodb', port: 27017, targetPort: 'mongodb', protocol: 'TCP' }],
    });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } });
    expect(mongo.memberHosts).toEqual(MEMBERS.map((m) => m.replace(/:27017$/, '')));
    expect(mongod.image).toBe('docker.io/library/mongo:8.0.13');
  });

  test('mongod runs with --replSet, --keyFile and --bind_ip_all, and reads the generated mongod.conf', () => {
    expect(mongod.command).toBeUndefined(); // the image's entrypoint creates root on an empty volume
    expect(mongod.args).toEqual([
      'mongod',
      '--config',
      '/etc/mongo/mongod.conf',
      '--replSet',
      'rs0',
      '--keyFile',
      '/var/run/mongo-keyfile/keyfile',
      '--bind_ip_all',
    ]);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('the keyfile: a Secret volume with mode 0400, copied by an init container into a memory emptyDir and chmod 400', () => {
    expect(pod.volumes).toContainEqual({
      name: 'keyfile-secret',
      secret: { secretName: 'mongo-credentials', items: [{ key: 'keyfile', path: 'keyfile' }], defaultMode: 0o400 },
    });
    expect(pod.volumes).toContainEqual({ name: 'keyfile', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    const install = pod.initContainers.find((c: any) => c.name === 'install-keyfile');
    expect(install.command).toEqual([
      'sh',
      '-c',
      'rm -f /var/run/mongo-keyfile/keyfile && cp /etc/mongo-keyfile-secret/keyfile /var/run/mongo-keyfile/keyfile && chmod 0400 /var/run/mongo-keyfile/keyfile',
    ]);
    expect(install.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, readOnlyRootFilesystem: true });
    expect(install.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'keyfile-secret', mountPath: '/etc/mongo-keyfile-secret', readOnly: true },
        { name: 'keyfile', mountPath: '/var/run/mongo-keyfile' },
      ]),
    );
    expect(mongod.volumeMounts).toContainEqual({ name: 'keyfile', mountPath: '/var/run/mongo-keyfile', readOnly: true });
    // The Secret volume itself is never mounted into mongod.
    expect(mongod.volumeMounts.map((m: any) => m.name)).not.toContain('keyfile-secret');
  });

  test('restricted: uid/gid 999 with fsGroup, read-only root filesystem, /tmp and the data volume writable', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(mongod.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(mongod.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'data', mountPath: '/data/db' },
        { name: 'config', mountPath: '/etc/mongo', readOnly: true },
      ]),
    );
    expect(mongod.env).toContainEqual({ name: 'HOME', value: '/tmp' });
  });

  test('passwords only by secretKeyRef; root is created by the entrypoint on an empty volume', () => {
    expect(mongod.env).toEqual([
      { name: 'HOME', value: '/tmp' },
      { name: 'MONGO_INITDB_ROOT_USERNAME', value: 'root' },
      { name: 'MONGO_INITDB_ROOT_PASSWORD', ...secretRef('root-password') },
    ]);
  });

  test('probes: mongosh ping (no authentication needed) for readiness and startup; liveness only on the port, slower (kube-score: never the same probe)', () => {
    const ping = ['mongosh', '--host', '127.0.0.1', '--port', '27017', '--quiet', '--norc', '--eval', 'db.adminCommand("ping")'];
    expect(mongod.readinessProbe).toMatchObject({ exec: { command: ping }, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 });
    expect(mongod.livenessProbe).toMatchObject({ tcpSocket: { port: 'mongodb' }, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 5 });
    expect(mongod.livenessProbe.exec).toBeUndefined();
    expect(mongod.startupProbe).toMatchObject({ exec: { command: ping }, periodSeconds: 10, failureThreshold: 60 });
    const patience = (p: any) => p.periodSeconds * p.failureThreshold;
    expect(patience(mongod.livenessProbe)).toBeGreaterThan(patience(mongod.readinessProbe));
  });

  test('mongod.conf: WiredTiger cache from the 2Gi limit, port, socket in /tmp; no replication or security section', () => {
    expect(conf).toContain('  dbPath: /data/db\n');
    expect(conf).toContain('      cacheSizeGB: 0.5\n'); // (2 GB - 1 GB) / 2
    expect(conf).toContain('  port: 27017\n');
    expect(conf).toContain('    pathPrefix: /tmp\n');
    expect(conf).not.toMatch(/^(replication|security):/m);
    const settings = conf
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n');
    expect(settings).not.toMatch(/bindIp|keyFile|password|replSet/);
  });

  test('a PDB for the three members: at most one down, the majority keeps a primary', () => {
    expect(objectOf(app, 'PodDisruptionBudget', 'mongodb').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: mongo.selectorLabels },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('members may reach each other on 27017 (replication, elections)', () => {
    const policy = objectOf(app, 'NetworkPolicy', 'mongodb').spec;
    expect(policy.egress).toContainEqual({ to: [{ podSelector: { matchLabels: mongo.selectorLabels } }], ports: [{ port: 27017, protocol: 'TCP' }] });
    expect(policy.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: mongo.selectorLabels } }],
      ports: [{ port: 27017, protocol: 'TCP' }],
    });
  });

  test('the init Job: content-hashed name, Argo CD Sync hook, mongosh on the script from its ConfigMap, root by reference', () => {
    expect(jobs).toHaveLength(1);
    expect(job.metadata.name).toMatch(/^mongodb-init-[0-9a-f]{8}$/);
    expect(job.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      'argocd.argoproj.io/sync-wave': '50',
    });
    // After the StatefulSet's wave (40): Argo CD starts the Job once the members are ready.
    expect(sts.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('40');
    expect(job.spec).toMatchObject({ backoffLimit: 3, ttlSecondsAfterFinished: 86400 });
    const c = jobPod.containers[0];
    expect(c.image).toBe('docker.io/library/mongo:8.0.13');
    expect(c.command).toEqual(['mongosh', '--nodb', '--quiet', '--norc', '/etc/mongo-init/init-replica-set.js']);
    expect(c.env).toEqual([
      { name: 'HOME', value: '/tmp' },
      { name: 'MONGO_MEMBERS', value: MEMBERS.join(',') },
      { name: 'MONGO_REPLICA_SET', value: 'rs0' },
      { name: 'MONGO_ROOT_USER', value: 'root' },
      { name: 'MONGO_ROOT_PASSWORD', ...secretRef('root-password') },
      { name: 'APP_DATABASE', value: 'techshop' },
      { name: 'APP_USER', value: 'techshop' },
      { name: 'APP_PASSWORD', ...secretRef('password') },
      { name: 'EXPORTER_USER', value: 'mongodb_exporter' },
      { name: 'EXPORTER_PASSWORD', ...secretRef('exporter-password') },
    ]);
    expect(jobPod.volumes).toContainEqual({ name: 'script', configMap: { name: 'mongodb-init-script' } });
    expect(jobPod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(objectOf(app, 'NetworkPolicy', 'mongodb-init').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: mongo.selectorLabels } }],
      ports: [{ port: 27017, protocol: 'TCP' }],
    });
    expect(objectOf(app, 'NetworkPolicy', 'mongodb').spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: mongo.initJob!.selectorLabels } }],
      ports: [{ port: 27017, protocol: 'TCP' }],
    });
  });

  test('connect(): a URI with every member, replicaSet= and authSource=, the password only through $(VAR)', () => {
    const container = objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(container.env).toEqual([
      { name: 'MONGODB_URI_PASSWORD', ...secretRef('password') },
      { name: 'MONGODB_URI', value: `mongodb://techshop:$(MONGODB_URI_PASSWORD)@${MEMBERS.join(',')}/techshop?replicaSet=rs0&authSource=techshop` },
    ]);
    const wait = objectOf(app, 'Deployment', 'api').spec.template.spec.initContainers[0];
    expect(wait.name).toBe('wait-for-mongodb');
    expect(wait.image).toBe('docker.io/library/mongo:8.0.13');
    expect(wait.env).toContainEqual({ name: 'STORE_PASSWORD', ...secretRef('password') });
    expect(wait.command[2]).toContain('replicaSet=rs0');
    expect(wait.command[2]).toContain('process.env.STORE_PASSWORD');
    expect(objectOf(app, 'NetworkPolicy', 'api').spec.egress).toContainEqual({
      to: [{ podSelector: { matchLabels: mongo.selectorLabels } }],
      ports: [{ port: 27017, protocol: 'TCP' }],
    });
  });

  test('no literal secret anywhere: every password is a secretKeyRef, and the key only reaches pods as a file', () => {
    const text = JSON.stringify(objects);
    for (const match of text.matchAll(/"name":"([A-Z_]*PASSWORD)","value":"/g)) throw new Error(`${match[1]} has a literal value`);
    expect(text).not.toMatch(/"name":"[A-Z_]*KEYFILE[A-Z_]*"/);
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('mongodb_exporter sidecar on metrics:9216 as its own clusterMonitor user, by reference', () => {
    const metrics = pod.containers[1];
    expect(metrics).toMatchObject({ name: 'metrics', image: 'docker.io/percona/mongodb_exporter:0.44.0' });
    expect(metrics.ports).toEqual([{ name: 'metrics', containerPort: 9216, protocol: 'TCP' }]);
    expect(metrics.env).toEqual([
      { name: 'MONGODB_URI', value: 'mongodb://127.0.0.1:27017/admin?directConnection=true' },
      { name: 'MONGODB_USER', value: 'mongodb_exporter' },
      { name: 'MONGODB_PASSWORD', ...secretRef('exporter-password') },
    ]);
    expect(script).toContain("[{ role: 'clusterMonitor', db: 'admin' }, { role: 'read', db: 'local' }]");
  });

  test('IBackupable: engine mongo, its image and uid, the database, root with replicaSet and authSource admin', () => {
    expect(mongo).toMatchObject({
      backupEngine: 'mongo',
      engineImage: 'docker.io/library/mongo:8.0.13',
      engineUid: 999,
      backupDatabases: ['techshop'],
    });
    const admin = mongo.adminConnection();
    expect(admin).toMatchObject({ host: 'mongodb.test-prod.svc', port: 27017, user: 'root', params: { replicaSet: 'rs0', authSource: 'admin' } });
    expect(admin.password.key).toBe('root-password');
  });

  testStrictSchemaValidation(() => objects);

  test("every generated mongosh script parses (node's parser; mongosh scripts are JavaScript)", () => {
    expect(() => new vm.Script(script, { filename: 'init-replica-set.js' })).not.toThrow();
    const js = /--eval '([^']*)'/.exec(mongo.readinessCheck.command)![1];
    expect(() => new vm.Script(js, { filename: 'readiness-check.js' })).not.toThrow();
    expect(() => new vm.Script(mongod.readinessProbe.exec.command[8])).not.toThrow();
  });
});

/**
 * A fake of the parts of mongosh the init script uses (`Mongo`, `runCommand`, `auth`,
 * `getSiblingDB`, `sleep`, `print`, `process.env`), over one shared cluster state.
 */
function fakeCluster(options: { members: string[]; rootPassword: string }) {
  const state = {
    initiated: null as null | Record<string, any>,
    users: new Map<string, { pwd: string; roles: unknown[] }>(),
    calls: [] as string[],
    unreachableUntil: new Map<string, number>(),
  };
  class FakeDb {
    private authenticated = false;
    constructor(
      private readonly uri: string,
      private readonly name: string,
    ) {}
    getName() {
      return this.name;
    }
    getSiblingDB(name: string) {
      const db = new FakeDb(this.uri, name);
      db.authenticated = this.authenticated;
      return db;
    }
    auth(user: string, pwd: string) {
      state.calls.push(`auth ${user}`);
      if (user !== 'root' || pwd !== options.rootPassword) throw Object.assign(new Error('Authentication failed.'), { code: 18 });
      this.authenticated = true;
      return { ok: 1 };
    }
    runCommand(doc: Record<string, any>) {
      const name = Object.keys(doc)[0];
      state.calls.push(name);
      const host = /mongodb:\/\/([^/]*)\//.exec(this.uri)![1];
      const left = state.unreachableUntil.get(host) ?? 0;
      if (left > 0) {
        state.unreachableUntil.set(host, left - 1);
        throw Object.assign(new Error(`connect ECONNREFUSED ${host}`), { code: undefined });
      }
      if (name === 'ping' || name === 'hello') {
        if (name === 'ping') return { ok: 1 };
        return { ok: 1, isWritablePrimary: state.initiated !== null && this.uri.includes('replicaSet='), setName: state.initiated?._id };
      }
      if (!this.authenticated) throw Object.assign(new Error(`command ${name} requires authentication`), { code: 13 });
      switch (name) {
        case 'replSetGetStatus':
          if (!state.initiated) throw Object.assign(new Error('no replset config has been received'), { code: 94, codeName: 'NotYetInitialized' });
          return { ok: 1, set: state.initiated._id };
        case 'replSetInitiate':
          if (state.initiated) return { ok: 0, code: 23, errmsg: 'already initialized' };
          state.initiated = doc.replSetInitiate;
          return { ok: 1 };
        case 'usersInfo': {
          const found = state.users.get(`${this.name}.${doc.usersInfo}`);
          return { ok: 1, users: found ? [{ user: doc.usersInfo, db: this.name, roles: found.roles }] : [] };
        }
        case 'createUser':
          if (state.users.has(`${this.name}.${doc.createUser}`)) return { ok: 0, code: 51003, errmsg: 'User already exists' };
          state.users.set(`${this.name}.${doc.createUser}`, { pwd: doc.pwd, roles: doc.roles });
          return { ok: 1 };
        case 'updateUser':
          state.users.set(`${this.name}.${doc.updateUser}`, { pwd: doc.pwd, roles: doc.roles });
          return { ok: 1 };
        default:
          return { ok: 0, errmsg: `unexpected command ${name}` };
      }
    }
  }
  class Mongo {
    constructor(private readonly uri: string) {}
    getDB(name: string) {
      return new FakeDb(this.uri, name);
    }
  }
  return { state, Mongo };
}

describe('the initialization script, run against a fake mongosh', () => {
  const env = {
    MONGO_MEMBERS: MEMBERS.join(','),
    MONGO_REPLICA_SET: 'rs0',
    MONGO_ROOT_USER: 'root',
    MONGO_ROOT_PASSWORD: 'root-pw',
    APP_DATABASE: 'techshop',
    APP_USER: 'techshop',
    APP_PASSWORD: 'app-pw',
    EXPORTER_USER: 'mongodb_exporter',
    EXPORTER_PASSWORD: 'exporter-pw',
  };
  const run = (cluster: ReturnType<typeof fakeCluster>, environment: Record<string, string> = env) => {
    const printed: string[] = [];
    const context = vm.createContext({
      Mongo: cluster.Mongo,
      print: (s: string) => printed.push(s),
      sleep: () => undefined,
      process: { env: environment },
      Date,
      Number,
      String,
      Error,
    });
    new vm.Script(renderMongoInitScript(), { filename: 'init-replica-set.js' }).runInContext(context);
    return printed;
  };

  test('first run: waits for members, initiates with the stable member names, creates the least-privilege users', () => {
    const cluster = fakeCluster({ members: MEMBERS, rootPassword: 'root-pw' });
    cluster.state.unreachableUntil.set(MEMBERS[2], 2);
    const printed = run(cluster);
    expect(printed.filter((l) => l.startsWith(`waiting for ${MEMBERS[2]}`))).toHaveLength(2);
    expect(cluster.state.initiated).toEqual({ _id: 'rs0', members: MEMBERS.map((host, i) => ({ _id: i, host })) });
    expect(cluster.state.users.get('techshop.techshop')).toEqual({ pwd: 'app-pw', roles: [{ role: 'readWrite', db: 'techshop' }] });
    expect(cluster.state.users.get('admin.mongodb_exporter')).toEqual({
      pwd: 'exporter-pw',
      roles: [
        { role: 'clusterMonitor', db: 'admin' },
        { role: 'read', db: 'local' },
      ],
    });
    expect(cluster.state.calls.filter((c) => ['replSetInitiate', 'createUser'].includes(c))).toEqual(['replSetInitiate', 'createUser', 'createUser']);
    // Status first, initiation only after NotYetInitialized.
    expect(cluster.state.calls.indexOf('replSetGetStatus')).toBeLessThan(cluster.state.calls.indexOf('replSetInitiate'));
  });

  test('second run: no initiation and no user creation; passwords and roles re-applied', () => {
    const cluster = fakeCluster({ members: MEMBERS, rootPassword: 'root-pw' });
    run(cluster);
    cluster.state.calls.length = 0;
    const printed = run(cluster, { ...env, APP_PASSWORD: 'rotated' });
    expect(cluster.state.calls).not.toContain('replSetInitiate');
    expect(cluster.state.calls).not.toContain('createUser');
    expect(cluster.state.calls.filter((c) => c === 'updateUser')).toHaveLength(2);
    expect(cluster.state.users.get('techshop.techshop')!.pwd).toBe('rotated');
    expect(printed).toContain('replica set rs0 is already initiated');
  });

  test('without the exporter no monitoring user; a missing variable or a wrong root password fails the Job', () => {
    const cluster = fakeCluster({ members: MEMBERS, rootPassword: 'root-pw' });
    const { EXPORTER_USER, EXPORTER_PASSWORD, ...withoutExporter } = env;
    expect(EXPORTER_USER && EXPORTER_PASSWORD).toBeTruthy();
    run(cluster, withoutExporter);
    expect([...cluster.state.users.keys()]).toEqual(['techshop.techshop']);
    const { APP_PASSWORD, ...missing } = env;
    expect(APP_PASSWORD).toBeTruthy();
    expect(() => run(fakeCluster({ members: MEMBERS, rootPassword: 'root-pw' }), missing)).toThrow('environment variable APP_PASSWORD is not set');
    expect(() => run(fakeCluster({ members: MEMBERS, rootPassword: 'other' }))).toThrow('Authentication failed.');
  });
});

/**
 * The init scripts' runner against a fake of what it uses: a replica-set connection on which
 * only the application user logs in, `find` and `insert` on its database, and `load()`, which
 * runs the file in the same global context (as mongosh does), so a file sees the runner's `db`.
 */
describe("the init scripts' runner, run against a fake mongosh", () => {
  const env = { MONGO_MEMBERS: MEMBERS.join(','), MONGO_REPLICA_SET: 'rs0', APP_DATABASE: 'techshop', APP_USER: 'techshop', APP_PASSWORD: 'app-pw' };
  const CREATE =
    "db.runCommand({ create: 'products' });\ndb.runCommand({ createIndexes: 'products', indexes: [{ key: { sku: 1 }, name: 'sku', unique: true }] });\n";
  const SEED = "db.runCommand({ insert: 'products', documents: [{ sku: 'a-1' }] });\n";
  interface State {
    record?: Record<string, any>;
    done: string[];
    users: string[];
  }
  const run = (state: State, files: Record<string, string>, environment: Record<string, string> = env) => {
    const printed: string[] = [];
    class FakeDb {
      private user?: string;
      constructor(
        private readonly uri: string,
        private readonly name: string,
      ) {}
      getName() {
        return this.name;
      }
      auth(user: string, pwd: string) {
        if (user !== 'techshop' || pwd !== 'app-pw') throw Object.assign(new Error('Authentication failed.'), { code: 18 });
        this.user = user;
        state.users.push(`${user}@${this.name} via ${this.uri.includes('replicaSet=rs0') ? 'the replica set' : 'one member'}`);
      }
      runCommand(doc: Record<string, any>) {
        if (!this.user) throw Object.assign(new Error('requires authentication'), { code: 13 });
        const name = Object.keys(doc)[0];
        if (name === 'find' && doc.find === 'cdk8s_init_scripts') return { ok: 1, cursor: { firstBatch: state.record ? [state.record] : [] } };
        if (name === 'insert' && doc.insert === 'cdk8s_init_scripts') {
          expect(doc.writeConcern).toEqual({ w: 'majority' });
          state.record = doc.documents[0];
          return { ok: 1, n: 1 };
        }
        state.done.push(`${this.name}: ${name} ${doc[name]}`);
        return { ok: 1 };
      }
    }
    class Mongo {
      constructor(private readonly uri: string) {}
      getDB(name: string) {
        return new FakeDb(this.uri, name);
      }
    }
    const context: vm.Context = vm.createContext({
      Mongo,
      print: (line: string) => printed.push(line),
      process: { env: environment },
      load: (file: string) => {
        const name = file.replace(/^\/etc\/init-scripts\//, '');
        if (!(name in files)) throw new Error(`no such file ${file}`);
        new vm.Script(files[name], { filename: name }).runInContext(context);
        return true;
      },
      Date,
      String,
      Error,
      JSON,
    });
    const scripts = Object.entries(files).map(([name, content]) => ({ name, path: name, content }));
    new vm.Script(renderMongoInitScriptsRunner(scripts), { filename: 'init-scripts.js' }).runInContext(context);
    return printed;
  };

  test('first run: each file in order, as the application user through the replica set, with db its database; then recorded', () => {
    const state: State = { done: [], users: [] };
    const printed = run(state, { 'mongo-init.js': CREATE, 'seed.js': SEED });
    expect(state.users).toEqual(['techshop@techshop via the replica set']);
    expect(state.done).toEqual(['techshop: create products', 'techshop: createIndexes products', 'techshop: insert products']);
    expect(state.record).toMatchObject({ _id: 'init-scripts', files: ['mongo-init.js', 'seed.js'], sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(state.record!.appliedAt).toBeInstanceOf(Date);
    expect(printed).toEqual([
      'running mongo-init.js as techshop in techshop',
      'running seed.js as techshop in techshop',
      'the init scripts (mongo-init.js, seed.js) ran; recorded in techshop.cdk8s_init_scripts',
    ]);
  });

  test('second run (the Job re-created by a sync, or run for a new member): nothing runs', () => {
    const state: State = { done: [], users: [] };
    run(state, { 'mongo-init.js': CREATE });
    state.done.length = 0;
    const printed = run(state, { 'mongo-init.js': CREATE });
    expect(state.done).toEqual([]);
    expect(printed).toEqual([expect.stringMatching(/^the init scripts \(mongo-init\.js\) ran on \d{4}-\d\d-\d\dT[\d:.]+Z; nothing to do$/)]);
  });

  test('files changed after the run: the Job fails, says why, and nothing runs', () => {
    const state: State = { done: [], users: [] };
    run(state, { 'mongo-init.js': CREATE });
    state.done.length = 0;
    expect(() => run(state, { 'mongo-init.js': CREATE, 'seed.js': SEED })).toThrow(
      /the init scripts changed since they ran on .* \(then: mongo-init\.js, sha256 [0-9a-f]{64}; now: mongo-init\.js, seed\.js, sha256 [0-9a-f]{64}\)\. They run once/,
    );
    expect(state.done).toEqual([]);
  });

  test('a file that throws fails the Job at that file, and nothing is recorded', () => {
    const state: State = { done: [], users: [] };
    expect(() => run(state, { 'mongo-init.js': CREATE, 'bad.js': "throw new Error('E11000 duplicate key');\n", 'seed.js': SEED })).toThrow(
      /^bad\.js failed: E11000 duplicate key; nothing is recorded/,
    );
    expect(state.done).toEqual(['techshop: create products', 'techshop: createIndexes products']);
    expect(state.record).toBeUndefined();
  });

  test('a wrong application password or a missing variable fails the Job', () => {
    expect(() => run({ done: [], users: [] }, { 'mongo-init.js': CREATE }, { ...env, APP_PASSWORD: 'other' })).toThrow('Authentication failed.');
    const { APP_USER, ...missing } = env;
    expect(APP_USER).toBeTruthy();
    expect(() => run({ done: [], users: [] }, { 'mongo-init.js': CREATE }, missing)).toThrow('environment variable APP_USER is not set');
  });

  test("node's parser accepts the generated runner", () => {
    const text = renderMongoInitScriptsRunner([{ name: 'mongo-init.js', path: 'x', content: CREATE }]);
    expect(() => new vm.Script(text, { filename: 'init-scripts.js' })).not.toThrow();
  });
});

describe('MongoDb defaults', () => {
  test('dev: one member is allowed (odd, outside prod); version 8.0; user = database; no exporter', () => {
    const { app, chart } = testChart(testEnv('dev'));
    const secret = new SystemSecret(chart, 'mongo-credentials', { keys: ['root-password', 'password', 'keyfile'] });
    const mongo = new MongoDb(chart, 'mongodb', { database: 'shop', storage: '1Gi', replicas: 1, credentials: secret, resources }).noBackup(
      NOT_BACKED_UP_IN_TEST,
    );
    expect(errorsOf(app, DEFAULT_RULES)).toEqual([]);
    const sts = objectOf(app, 'StatefulSet', 'mongodb');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers).toHaveLength(1);
    expect(mongo.user).toBe('shop');
    expect(objectsOf(app, 'PodDisruptionBudget')).toEqual([]);
    expect(mongo.connectionInfo().members).toEqual(['mongodb-0.mongodb-headless.test-dev.svc:27017']);
  });

  test('version 7.0 uses its pinned image; replicaSetName is used everywhere', () => {
    const { app, chart } = testChart();
    const mongo = new MongoDb(chart, 'mongodb', {
      version: '7.0',
      database: 'shop',
      storage: '1Gi',
      replicaSetName: 'shop-rs',
      credentials,
      resources,
    }).noBackup(NOT_BACKED_UP_IN_TEST);
    expect(errorsOf(app)).toEqual([]);
    const mongod = objectOf(app, 'StatefulSet', 'mongodb').spec.template.spec.containers[0];
    expect(mongod.image).toBe('docker.io/library/mongo:7.0.24');
    expect(mongod.args).toContain('shop-rs');
    expect(mongo.connectionInfo().params).toEqual({ replicaSet: 'shop-rs', authSource: 'shop' });
  });

  test('wiredTiger cache: 50 % of (limit - 1 GB), at least 0.25 GB', () => {
    expect(wiredTigerCacheSizeGB(768 * 2 ** 20)).toBe(0.25);
    expect(wiredTigerCacheSizeGB(GiB)).toBe(0.25);
    expect(wiredTigerCacheSizeGB(2 * GiB)).toBe(0.5);
    expect(wiredTigerCacheSizeGB(4 * GiB)).toBe(1.5);
    expect(wiredTigerCacheSizeGB(3 * GiB + 100 * 2 ** 20)).toBe(1); // 1.049 GB, rounded down to 0.05
    expect(wiredTigerCacheSizeGB(3 * GiB + 200 * 2 ** 20)).toBe(1.05);
  });
});

describe('MongoDb bad input', () => {
  const base: MongoDbProps = { database: 'shop', storage: '1Gi', credentials, resources };
  const errors = badInputErrors(base, (chart, props) => new MongoDb(chart, 'mongodb', props).noBackup(NOT_BACKED_UP_IN_TEST));

  test('an even number of members is an error everywhere', () => {
    expect(errors({ replicas: 4 })).toEqual([
      '[test-prod/mongodb] replicas: 4 is even; every member votes, and an even number tolerates no more failures than one member fewer and can split the vote: use 3 or 5',
    ]);
    expect(errors({ replicas: 2 }, testEnv('dev'))).toEqual([
      '[test-dev/mongodb] replicas: 2 is even; every member votes, and an even number tolerates no more failures than one member fewer and can split the vote: use 1 or 3',
    ]);
  });

  test('fewer than three members in prod; more than seven anywhere; zero', () => {
    expect(errors({ replicas: 1 })).toEqual([
      '[test-prod/mongodb] replicas: 1 in prod; a replica set needs at least 3 members to keep a primary when one fails',
    ]);
    expect(errors({ replicas: 9 }, testEnv('dev'))).toEqual(['[test-dev/mongodb] replicas: 9 is more than the 7 voting members MongoDB allows']);
    expect(errors({ replicas: 0 }, testEnv('dev'))).toContainEqual('[test-dev/mongodb] replicas: 0 must be a whole number of at least 1');
  });

  test.each([
    ['my.db', /character MongoDB does not allow/],
    ['a/b', /character MongoDB does not allow/],
    ['has space', /character MongoDB does not allow/],
    ['admin', /a database MongoDB keeps for itself/],
    ['local', /a database MongoDB keeps for itself/],
    ['config', /a database MongoDB keeps for itself/],
    ['d'.repeat(64), /64 bytes; MongoDB database names must be shorter than 64 bytes/],
    ['shop#1', /without percent-encoding/],
  ])('database %s is rejected', (database, message) => {
    const found = errors({ database, user: 'app' });
    expectOneError(found, 'test-prod/mongodb', 'database', message);
  });

  test.each([
    ['root', /is the administrative user/],
    ['mongodb_exporter', /the exporter's monitoring user/],
    ['__system', /reserved for MongoDB's internal users/],
    ['app@shop', /without percent-encoding/],
    ['', /must not be empty/],
  ])('user %s is rejected', (user, message) => {
    const found = errors({ user });
    expectOneError(found, 'test-prod/mongodb', 'user', message);
  });

  test('storage that does not parse, or zero (the StatefulStore base)', () => {
    expect(errors({ storage: 'big' })).toContainEqual("[test-prod/mongodb] storage: 'big' is not a valid quantity (e.g. 10Gi)");
    expect(errors({ storage: '0Gi' })).toContainEqual('[test-prod/mongodb] storage: must be greater than zero');
  });

  test('unsupported version, bad replica set name, shared keys, missing keyfile key, too little memory', () => {
    expect(errors({ version: '6.0' })).toEqual(["[test-prod/mongodb] version: '6.0' is not a supported MongoDB version (supported: 7.0, 8.0)"]);
    expect(errors({ replicaSetName: 'rs/0' })).toEqual([
      "[test-prod/mongodb] replicaSetName: 'rs/0' must be 1 to 64 letters, digits, '_' and '-' (it is a URI parameter and mongod rejects '/')",
    ]);
    expect(errors({ credentialKeys: { app: 'root-password' } })).toEqual([
      "[test-prod/mongodb] credentialKeys.app: 'root-password' is also credentialKeys.root; every user and the keyfile need their own secret",
    ]);
    expect(errors({ credentialKeys: { keyFile: 'key' } })).toEqual([
      "[test-prod/mongodb] credentialKeys.keyFile: key 'key' is not produced by existing Secret 'mongo-credentials' (it has: root-password, password, keyfile, exporter-password)",
    ]);
    const small = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
    expect(errors({ resources: small })).toEqual([
      '[test-prod/mongodb] resources.limits.memory: 512Mi is below the 768Mi a member needs (a 0.25 GB WiredTiger cache and connections); set resources',
    ]);
  });

  test('every error of one construct is reported together, each naming the field', () => {
    const found = errors({ replicas: 2, database: 'admin', user: 'root', storage: '0' });
    expect(found.map((e) => e.replace(/:.*$/, ''))).toEqual(
      expect.arrayContaining([
        '[test-prod/mongodb] replicas',
        '[test-prod/mongodb] database',
        '[test-prod/mongodb] user',
        '[test-prod/mongodb] storage',
      ]),
    );
  });

  test('checkMongoDatabaseName accepts ordinary names', () => {
    for (const name of ['shop', 'tech_shop', 'tech-shop', 'Shop2', 'x'.repeat(63)]) expect(checkMongoDatabaseName(name)).toBeUndefined();
  });
});
