import { Duration } from '../core/duration';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { ContainerModel, SIDECAR_RESOURCES } from '../workloads/container';
import { fromSecret, SecretKeyValue } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { contentHash, RUN_TO_COMPLETION_POD, Workload } from '../workloads/workload';
import type { AdminConnection } from '../backup/backupable';
import { ConnectionInfo } from './connection';
import {
  checkMongoDatabaseName,
  checkMongoUserName,
  checkReplicaSetName,
  MONGO_CONFIG_DIR,
  MONGO_DATA_PATH,
  MONGO_EXPORTER_USER,
  MONGO_INIT_DIR,
  MONGO_INIT_SCRIPT,
  MONGO_KEYFILE,
  MONGO_KEYFILE_DIR,
  MONGO_KEYFILE_SECRET_DIR,
  MONGO_MAX_VOTING_MEMBERS,
  MONGO_MIN_MEMORY,
  MONGO_PORT,
  MONGO_ROOT_USER,
  MONGO_UID,
  renderMongodConf,
  MONGO_INIT_SCRIPTS_RUNNER,
  renderMongoInitScript,
  renderMongoInitScriptsRunner,
  wiredTigerCacheSizeGB,
} from './mongodb-config';
import { DatabaseStore, DatabaseStoreProps, resolveAccounts } from './database-store';
import { ExporterAccountMonitoring, shaped, shapeFor } from './stateful-store';
import { ENGINE_IMAGES, engineImage, EXPORTER_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import { MongoDbEngine } from './mongodb-engine';
import type { MongoDbSettings } from './percona-engine';
import { resolveEngine } from './store-engine';
import { INIT_SCRIPTS_DIR, InitScript, InitScripts, initScriptsData, JS_INIT_SCRIPT_RULES, readInitScripts, reportInitScripts } from './init-scripts';

/** MongoDB versions with an image in versions.ts. */
export type MongoVersion = keyof typeof ENGINE_IMAGES.mongo;

/** Keys of the secrets in a MongoDB store's `credentials` Secret. */
export interface MongoDbCredentialKeys {
  /** root's password. @default 'root-password' */
  readonly root?: string;
  /** The application user's password. @default 'password' */
  readonly app?: string;
  /** The replica set's internal-authentication key (the keyfile's content). @default 'keyfile' */
  readonly keyFile?: string;
}

export interface MongoDbProps extends DatabaseStoreProps {
  /** MongoDB major.minor. @default '8.0' */
  readonly version?: MongoVersion;
  /** The application database (letters, digits, `_`, `-`; not admin, local or config). */
  readonly database: string;
  /** The application user, created in `database` with readWrite on it and nothing else. @default - same as `database` */
  readonly user?: string;
  /**
   * mongosh JavaScript files (`.js`) run once, after the replica set is initiated and the
   * application user created: by the initialization Job, on the primary, in the order given,
   * each `load()`ed as the application user with `db` its database (what they create and may
   * do is what the application can: collections, indexes, documents; not users). A file that
   * throws fails the Job and the sync. The Job records the run with the files' checksum in
   * the collection `cdk8s_init_scripts` of the application database (replicated: no member
   * runs them again), does nothing when run again, and fails when the files changed after
   * they ran (change an existing database with a migration). Paths are read at synth time;
   * relative ones from the directory the synth runs in. They travel in a ConfigMap
   * (`<name>-init-scripts`, at most 900KiB together). Not with the Percona operator, which
   * has no such hook (a synth error).
   * @default - none
   */
  readonly initScripts?: readonly string[];
  /**
   * Members of the replica set, all voting: an odd number (an even one adds no fault
   * tolerance and can split the vote), at least 3 in prod, at most 7. @default 3
   */
  readonly replicas?: number;
  /** Name of the replica set (`--replSet`, the `replicaSet` URI parameter). @default 'rs0' */
  readonly replicaSetName?: string;
  /**
   * Secret holding, by reference only: root's password (initialization, backups,
   * restores), the application user's, the replica set's internal-authentication key
   * (6 to 1024 base64 characters; generated values qualify) and, with the exporter, the
   * exporter user's password.
   */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each secret is. @default - see MongoDbCredentialKeys */
  readonly credentialKeys?: MongoDbCredentialKeys;
  /** @default - the environment's default profile; at least 768Mi of memory */
  readonly resources?: ResourceProfile;
  /**
   * `exporter`: run percona mongodb_exporter as a sidecar on port 9216 (`metrics`), logging
   * in as its own user `mongodb_exporter` (clusterMonitor, read on local) with the password
   * under `passwordKey` (default 'exporter-password'). @default - no exporter
   */
  readonly monitoring?: ExporterAccountMonitoring;
  /**
   * What runs the replica set: the construct's own StatefulSet, or the Percona Operator for
   * MongoDB (members from `engine`, PBM backups with oplog point-in-time recovery). connect()
   * sets the same variables either way. With Percona, `replicas` is not read (use
   * `members`), the operator keeps its own administrators and keyfile (root's password and
   * `credentialKeys.keyFile` are not read) and the exporter logs in as the operator's
   * clusterMonitor user.
   * @default MongoDbEngine.statefulSet()
   */
  readonly engine?: MongoDbEngine;
}

const KEYFILE_SECRET_VOLUME = 'keyfile-secret';
const KEYFILE_VOLUME = 'keyfile';

/**
 * A MongoDB replica set: `replicas` mongod members in a StatefulSet started with
 * `--replSet` and `--keyFile` (internal authentication, which also turns on client
 * authentication), found by each other through the headless Service's stable names,
 * bootstrapped together (`podManagementPolicy: Parallel`), with mongod.conf generated
 * from the memory limit, a read-only root filesystem, and an initialization Job that
 * initiates the set and creates a least-privilege application user. Not a
 * StatefulSet whose three mongods had no `--replSet`, no keyfile and no headless
 * Service, and so were three unrelated servers.
 *
 * Who creates which user, and why not all in the Job: with a keyfile, mongod requires
 * authentication for everything but `ping`/`hello` as soon as it starts, and the
 * "localhost exception" that lets the first user be created without one only applies to
 * connections from inside the member's own pod. A Job can therefore never create the
 * first user. The image's entrypoint does, on each member's first start (empty volume
 * only), from MONGO_INITDB_ROOT_USERNAME / MONGO_INITDB_ROOT_PASSWORD, against a
 * temporary server bound to 127.0.0.1 without `--replSet` and `--keyFile` (it strips
 * them). The Job then logs in as root, initiates the set only if it is not initiated,
 * and creates the application and exporter users only if they are absent; the users
 * that members 1..n created for themselves are replaced by their initial sync from the
 * primary. The Job is an Argo CD Sync hook in the wave after the StatefulSet (re-created
 * on every sync) and is named by a hash of what it runs, so `kubectl apply` also creates
 * a new Job when the script changes instead of failing on an immutable one. Running it
 * again is harmless.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class MongoDb extends DatabaseStore {
  public readonly backupEngine = 'mongo' as const;
  public readonly replicaSetName: string;
  /** WiredTiger cache in GB, derived from the memory limit (what mongod.conf says). */
  public readonly cacheSizeGB: number;
  private ownInitJob?: MongoDbInitJob;
  private readonly mongoProps: MongoDbProps;
  private readonly initScripts: InitScripts;
  private readonly keyFileKey: string;

  constructor(scope: Construct, id: string, props: MongoDbProps) {
    const version: string = props.version ?? '8.0';
    const replicaSetName = props.replicaSetName ?? 'rs0';
    const accounts = resolveAccounts(props, MONGO_ACCOUNTS);
    const keyFileKey = props.credentialKeys?.keyFile ?? 'keyfile';
    const engine = resolveEngine<MongoDbSettings>(props.engine, 'mongodb');
    const image = engineImage('mongo', version) ?? `docker.io/library/mongo:${version}`;
    const shape = shapeFor(engine, scope, id, { version, image, replicaSetName });
    const initScripts = readInitScripts(scope, props.initScripts, JS_INIT_SCRIPT_RULES);
    // `ping` is one of the few commands mongod answers without authentication, so the
    // probes need no password. Ready: answers at all; a member that is not yet in an
    // initiated set must be ready too, or the StatefulSet (and Argo CD's wave) would never
    // become healthy and the initialization Job would never run. Alive: the same question,
    // asked less often and with more patience (mongosh itself needs a second or two to
    // start under a low cpu limit). Up to ten minutes to start: the entrypoint's first-run
    // user creation, and WiredTiger recovery after an unclean stop.
    const ping = ['mongosh', '--host', '127.0.0.1', '--port', String(MONGO_PORT), '--quiet', '--norc', '--eval', 'db.adminCommand("ping")'];
    super(
      scope,
      id,
      ...shaped(
        shape,
        { ...props, replicas: props.replicas ?? 3 },
        {
          image,
          // The image's entrypoint (kept: it creates root on an empty volume) runs these.
          args: ['mongod', '--config', `${MONGO_CONFIG_DIR}/mongod.conf`, '--replSet', replicaSetName, '--keyFile', MONGO_KEYFILE, '--bind_ip_all'],
          env: {
            // mongosh (probes, the entrypoint) keeps its history and logs under $HOME; the
            // image's home for uid 999 is the data volume. /tmp is an emptyDir.
            HOME: '/tmp',
            // Read by the entrypoint on an empty volume only, and unset before mongod starts.
            MONGO_INITDB_ROOT_USERNAME: MONGO_ROOT_USER,
            MONGO_INITDB_ROOT_PASSWORD: fromSecret(props.credentials, accounts.adminKey),
          },
          readiness: Probe.exec(ping, { period: Duration.seconds(10), timeout: Duration.seconds(10) }),
          // Liveness only asks whether mongod still accepts connections: a member busy with an
          // initial sync or a heavy query answers ping slowly and must not be restarted for it.
          liveness: Probe.tcp({ port: 'mongodb', period: Duration.seconds(30), timeout: Duration.seconds(10), failureThreshold: 5 }),
          startup: Probe.exec(ping, { period: Duration.seconds(10), timeout: Duration.seconds(10), failureThreshold: 60 }),
        },
        { port: { name: 'mongodb', port: MONGO_PORT }, dataPath: MONGO_DATA_PATH, role: 'database', uid: MONGO_UID, version },
      ),
      accounts,
    );
    checkProps(this, 'MongoDbProps', props);
    this.mongoProps = props;
    this.initScripts = initScripts;
    this.replicaSetName = replicaSetName;
    this.keyFileKey = keyFileKey;
    this.cacheSizeGB = wiredTigerCacheSizeGB(parseQuantity(this.container.resources?.limits?.memory) ?? MONGO_MIN_MEMORY);
    this.bindEngine(
      engine,
      { render: () => this.renderOwnServer(image, keyFileKey), validate: (report) => this.validateOwnServer(report), note: 'replica set' },
      {
        database: this.database,
        user: this.user,
        appPassword: this.appPassword,
        replicaSetName,
        storage: props.storage,
        storageClassName: props.storageClassName,
        exporter: props.monitoring?.exporter === true,
        replicasGiven: (props as { replicas?: unknown }).replicas !== undefined,
        // The StatefulSet engine runs them from its initialization Job; the Percona operator cannot.
        initScripts: initScripts.files,
      },
    );
  }

  /** The replica set the StatefulSet engine runs: mongod.conf, the keyfile, the exporter and the initialization Job. */
  private renderOwnServer(image: string, keyFileKey: string): void {
    const props = this.mongoProps;
    const memoryLimit = parseQuantity(this.container.resources?.limits?.memory) ?? MONGO_MIN_MEMORY;
    this.addConfigFile(
      'mongod.conf',
      renderMongodConf({ cacheSizeGB: this.cacheSizeGB, memoryLimit, source: `the props of ${this.node.path} and its container limits` }),
      MONGO_CONFIG_DIR,
    );

    // The keyfile. mongod refuses a keyfile that the group or others can read ("permissions
    // on ... are too open"). A Secret volume with defaultMode 0400 is not enough: with an
    // fsGroup the kubelet makes every file of the volume group-owned by the fsGroup and
    // adds group read (0400 becomes 0440). So an init container, running as mongod's uid,
    // copies the key into a memory-backed emptyDir and sets 0400 there: owned by 999,
    // readable by nobody else. The main container mounts that copy read-only.
    this.addVolume({
      name: KEYFILE_SECRET_VOLUME,
      secret: { secretName: props.credentials?.secretName, items: [{ key: keyFileKey, path: 'keyfile' }], defaultMode: 0o400 },
    });
    this.addVolume({ name: KEYFILE_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
    this.container.mount(MONGO_KEYFILE_DIR, KEYFILE_VOLUME, { readOnly: true });
    const copyKey = new ContainerModel(
      'install-keyfile',
      {
        image,
        command: ['sh', '-c', `rm -f ${MONGO_KEYFILE} && cp ${MONGO_KEYFILE_SECRET_DIR}/keyfile ${MONGO_KEYFILE} && chmod 0400 ${MONGO_KEYFILE}`],
        runAs: { user: this.engineUid, group: this.engineUid },
      },
      { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '32Mi' } },
    );
    copyKey.mount(MONGO_KEYFILE_SECRET_DIR, KEYFILE_SECRET_VOLUME, { readOnly: true });
    copyKey.mount(MONGO_KEYFILE_DIR, KEYFILE_VOLUME);
    // The key reaches the container only as a file; referencing it in env would be wrong.
    this.addInitContainer(copyKey);

    // Members replicate from and vote for each other.
    this.connections.allowTo(this, { port: MONGO_PORT });

    const exporterPassword = this.exporterPassword;
    if (exporterPassword) {
      const env = {
        MONGODB_URI: `mongodb://127.0.0.1:${MONGO_PORT}/admin?directConnection=true`,
        MONGODB_USER: MONGO_EXPORTER_USER,
        MONGODB_PASSWORD: exporterPassword,
      };
      // mongodb_exporter needs more cpu and memory than the other engines' exporters.
      const resources = { requests: SIDECAR_RESOURCES.requests, limits: { cpu: '200m', memory: '128Mi' } };
      this.addExporter({ image: EXPORTER_IMAGES.mongo, port: 9216, args: ['--web.listen-address=:9216', '--compatible-mode'], env, resources });
    }

    this.ownInitJob = new MongoDbInitJob(this, `${this.name}-init`, this, this.initScripts.files);
  }

  /** The checks of the StatefulSet engine's replica set: its version, member count, secrets and memory. */
  private validateOwnServer(report: ValidationReport): void {
    const p = this.mongoProps;
    this.checkVersion(report, 'mongo', 'MongoDB');
    const n = this.replicas;
    if (Number.isInteger(n) && n >= 1) {
      if (n % 2 === 0) {
        report.error(
          'mongodb.replicas.even-every',
          'replicas',
          `${n} is even; every member votes, and an even number tolerates no more failures than one member fewer and can split the vote: use ${n - 1} or ${n + 1}`,
        );
      }
      if (this.chart.environment.name === 'prod' && n < 3) {
        report.error(
          'mongodb.replicas.prod-replica',
          'replicas',
          `${n} in prod; a replica set needs at least 3 members to keep a primary when one fails`,
        );
      }
      if (n > MONGO_MAX_VOTING_MEMBERS)
        report.error('mongodb.replicas.more-voting', 'replicas', `${n} is more than the ${MONGO_MAX_VOTING_MEMBERS} voting members MongoDB allows`);
    }
    this.checkAccountKeys(report, 'every user and the keyfile need their own secret', ['credentialKeys.keyFile', this.keyFileKey]);
    const known = p.credentials.keys;
    if (known && !known.includes(this.keyFileKey)) {
      report.error(
        'mongodb.credential-keys.key-file',
        'credentialKeys.keyFile',
        `key '${this.keyFileKey}' is not produced by ${p.credentials.describe} (it has: ${known.join(', ')})`,
      );
    }
  }

  /** All members vote and elect together: they start at once. */
  protected get podManagementPolicy(): 'OrderedReady' | 'Parallel' {
    return 'Parallel';
  }

  /** The Job that initiates the replica set and creates the users (the StatefulSet engine's; an operator does both itself). */
  public get initJob(): MongoDbInitJob | undefined {
    return this.ownInitJob;
  }

  /** Member addresses with the port, as a seed list. */
  public get memberAddresses(): string[] {
    return this.memberHosts.map((host) => `${host}:${MONGO_PORT}`);
  }

  /**
   * The application's connection: every member as the seed list, the replica set's name
   * (so the driver follows the primary), and the application database as authSource
   * (the user lives there). With ConnectionEnv.url:
   * `mongodb://<user>:$(VAR_PASSWORD)@<m0>:27017,<m1>:27017,<m2>:27017/<db>?replicaSet=rs0&authSource=<db>`.
   */
  public connectionInfo(): ConnectionInfo {
    const params = { replicaSet: this.replicaSetName, authSource: this.database };
    return { ...super.connectionInfo(), members: this.memberAddresses, params };
  }

  /**
   * Succeeds once the application user can log in through the replica set and the set
   * has a primary: after the initialization Job. The password stays in the environment
   * (process.env), off every command line.
   */
  public get readinessCheck() {
    const js = [
      `const c = new Mongo("mongodb://" + process.env.STORE_HOST + ":" + process.env.STORE_PORT + "/?replicaSet=${this.replicaSetName}&serverSelectionTimeoutMS=5000");`,
      `const d = c.getDB("${this.database}");`,
      'd.auth(process.env.STORE_USER, process.env.STORE_PASSWORD);',
      'd.runCommand({ ping: 1 });',
    ].join(' ');
    return { image: this.engineImage, command: `HOME=/tmp mongosh --nodb --quiet --norc --eval '${js}' >/dev/null` };
  }

  public adminConnection(): AdminConnection {
    return { ...super.adminConnection(), params: { replicaSet: this.replicaSetName, authSource: 'admin' } };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const p = this.mongoProps;
    if (p.engine !== undefined && !MongoDbEngine.isMongoDbEngine(p.engine)) {
      report.error('mongodb.engine', 'engine', 'must be MongoDbEngine.statefulSet() or MongoDbEngine.percona({ members, ... })');
    }
    const setProblem = checkReplicaSetName(this.replicaSetName);
    if (setProblem) report.error('mongodb.replica-set-name', 'replicaSetName', setProblem);
    this.checkNames(report, (name, what) => (what === 'database' ? checkMongoDatabaseName(name) : checkMongoUserName(name)));
    this.checkMemoryLimit(report, MONGO_MIN_MEMORY, 'a member needs (a 0.25 GB WiredTiger cache and connections); set resources');
    reportInitScripts(report, this.initScripts, JS_INIT_SCRIPT_RULES);
  }
}

const MONGO_ACCOUNTS = {
  scheme: 'mongodb',
  adminUser: MONGO_ROOT_USER,
  adminKeyName: 'root',
  adminKey: 'root-password',
  exporterKey: 'exporter-password',
} as const;

/**
 * The replica set's idempotent initialization (see MongoDb): mongosh in the engine's
 * image runs the generated script from a ConfigMap, logged in as root, reaching the
 * members on 27017 only.
 */
export class MongoDbInitJob extends Workload {
  public readonly jobName: string;
  public readonly scriptConfigMapName: string;
  /** The replica set this Job initiates and whose users it creates. */
  public readonly store: MongoDb;

  constructor(scope: Construct, id: string, mongo: MongoDb, initScripts: readonly InitScript[] = []) {
    const script = renderMongoInitScript();
    // The store's init scripts run after the initialization, in a second mongosh of the same
    // Job: only once the replica set has a primary and the application user exists.
    const runner = initScripts.length > 0 ? renderMongoInitScriptsRunner(initScripts) : undefined;
    const mongosh = (file: string) => `mongosh --nodb --quiet --norc ${MONGO_INIT_DIR}/${file}`;
    const exporterPassword = mongo.exporterPassword;
    super(
      scope,
      id,
      {
        image: mongo.engineImage,
        command: runner
          ? ['sh', '-c', `${mongosh(MONGO_INIT_SCRIPT)} && ${mongosh(MONGO_INIT_SCRIPTS_RUNNER)}`]
          : ['mongosh', '--nodb', '--quiet', '--norc', `${MONGO_INIT_DIR}/${MONGO_INIT_SCRIPT}`],
        runAs: { user: mongo.engineUid, group: mongo.engineUid },
        env: {
          HOME: '/tmp',
          MONGO_MEMBERS: mongo.memberAddresses.join(','),
          MONGO_REPLICA_SET: mongo.replicaSetName,
          MONGO_ROOT_USER: MONGO_ROOT_USER,
          MONGO_ROOT_PASSWORD: mongo.adminPassword,
          APP_DATABASE: mongo.database,
          APP_USER: mongo.user,
          APP_PASSWORD: mongo.appPassword,
          ...(exporterPassword ? { EXPORTER_USER: MONGO_EXPORTER_USER, EXPORTER_PASSWORD: exporterPassword } : {}),
        },
        // mongosh is a Node.js program: about 100-150 MB while it runs.
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
      },
      'initialization',
    );
    this.scriptConfigMapName = `${this.name}-script`;
    new k8s.KubeConfigMap(this, 'script', {
      metadata: { name: this.scriptConfigMapName },
      data: { [MONGO_INIT_SCRIPT]: script, ...(runner ? { [MONGO_INIT_SCRIPTS_RUNNER]: runner } : {}) },
    });
    this.addVolume({ name: 'script', configMap: { name: this.scriptConfigMapName } });
    this.container.mount(MONGO_INIT_DIR, 'script', { readOnly: true });
    if (runner) {
      const filesConfigMap = `${mongo.name}-init-scripts`;
      new k8s.KubeConfigMap(this, 'init-scripts', { metadata: { name: filesConfigMap }, data: initScriptsData(initScripts) });
      this.addVolume({ name: 'init-scripts', configMap: { name: filesConfigMap, defaultMode: 0o444 } });
      this.container.mount(INIT_SCRIPTS_DIR, 'init-scripts', { readOnly: true });
    }
    this.store = mongo;
    this.connections.allowTo(mongo, { port: MONGO_PORT });

    const env = [...this.container.env.entries()].map(([name, value]) => [
      name,
      typeof value === 'object' && value !== null ? `secret:${(value as SecretKeyValue).key}` : value,
    ]);
    const files = runner ? { runner, files: initScriptsData(initScripts) } : {};
    this.jobName = `${this.name}-${contentHash({ image: mongo.engineImage, script, env, ...files }).slice(0, 8)}`;
    // The script waits up to ten minutes for the members; a retry covers a member restart.
    this.syncHookJob(this.jobName, { backoffLimit: 3, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 86400 });
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}
