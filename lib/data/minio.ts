import { Duration, durationSeconds, formatSeconds, secondsOr } from '../core/duration';
import { Construct } from 'constructs';
import { addFinalizer, runFinalizers } from '../core/finalize';
import { renderScriptFile, ScriptValues } from '../core/script-file';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { SystemSecret } from '../security/system-secret';
import { EnvValue, fromSecret, SecretKeyValue } from '../workloads/env';
import { Probe } from '../workloads/probe';
import { contentHash, RUN_TO_COMPLETION_POD, Workload } from '../workloads/workload';
import { BackupTarget } from '../backup/target';
import { ConnectionInfo, EnvConvention } from './connection';
import { StatefulStore, StoreCommonProps } from './stateful-store';
import { ENGINE_IMAGES, engineImage, TOOL_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';
import { BucketBackup, BucketBackupProps } from './bucket-backup';

/** MinIO release lines with an image in versions.ts. */
export type MinioVersion = keyof typeof ENGINE_IMAGES.minio;

/** Keys of the root credentials in an ObjectStore's `credentials` Secret. */
export interface ObjectStoreCredentialKeys {
  /** The root user (access key). @default 'root-user' */
  readonly accessKey?: string;
  /** The root password (secret key, at least 8 characters). @default 'root-password' */
  readonly secretKey?: string;
}

export interface ObjectStoreProps extends StoreCommonProps {
  /** MinIO release line. @default '2025' */
  readonly version?: MinioVersion;
  /** Secret holding the root access key and secret key (by reference only). */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each key is. @default - see ObjectStoreCredentialKeys */
  readonly credentialKeys?: ObjectStoreCredentialKeys;
  /** S3 region MinIO reports and clients sign for. @default 'us-east-1' */
  readonly region?: string;
}

export interface BucketOptions {
  /** Delete objects this long after they were written (an ILM expiry rule): whole days, at least one. @default - kept forever */
  readonly expireAfter?: Duration;
  /** Keep every version of every object (needed to recover overwritten or deleted objects). @default false */
  readonly versioning?: boolean;
  /**
   * Anyone may read an object who knows its name, without keys: the bucket Job sets an
   * anonymous policy that allows `s3:GetObject` on the bucket's objects and nothing else:
   * no listing of the names, no writes, no deletes, no versions, no ACLs. For files that are
   * public anyway (images, downloads); publish them with an ObjectStoreGateway. Turning it off
   * later removes the policy on the next sync.
   * @default false
   */
  readonly publicRead?: boolean;
}

/** What a bucket user may do: read objects, or read, write and delete them. */
export type BucketAccess = 'read' | 'readwrite';

/**
 * A MinIO user whose policy allows one bucket only: the keys applications and backup Jobs
 * get instead of the root credentials. The access key is a name (not a secret, like an
 * AWS access key id); the secret key is generated or read from the secret store.
 */
export interface BucketUser {
  readonly bucket: Bucket;
  readonly access: BucketAccess;
  /** The access key, e.g. `uploads-rw`. */
  readonly accessKey: string;
  /** The secret key, by reference. */
  readonly secretKey: SecretKeyValue;
  /** The MinIO policy attached to the user, e.g. `bucket-uploads-rw`. */
  readonly policy: string;
}

/** A bucket of an ObjectStore, created by its bucket Job. */
export class Bucket {
  constructor(
    public readonly store: ObjectStore,
    public readonly name: string,
    public readonly options: BucketOptions,
  ) {}

  /** The user that may `access` this bucket and nothing else (created by the bucket Job, once per access level). */
  public user(access: BucketAccess): BucketUser {
    return this.store.bucketUser(this, access);
  }

  /** `s3://<name>` */
  public get uri(): string {
    return `s3://${this.name}`;
  }

  /**
   * This bucket as the target of a store's backups (`store.backup({ target: bucket.asBackupTarget() })`):
   * the in-cluster endpoint, the store's keys by reference, and a NetworkPolicy allowance
   * from the backup pods to exactly this server.
   */
  public asBackupTarget(options: { readonly prefix?: string; readonly scratchSize?: string } = {}): BackupTarget {
    return BackupTarget.s3({
      bucket: this.name,
      prefix: options.prefix,
      scratchSize: options.scratchSize,
      endpoint: this.store.endpoint,
      region: this.store.region,
      // A user limited to this bucket, not the root keys: a backup Job can reach nothing else.
      accessKeyId: this.user('readwrite').accessKey,
      secretAccessKey: this.user('readwrite').secretKey,
      server: { peer: this.store, port: MINIO_API_PORT },
    });
  }
}

/** Names of the variables `ObjectStore.s3Env()` sets. */
export interface S3EnvNames {
  /** @default 'S3_ENDPOINT' */
  readonly endpoint?: string;
  /** @default 'AWS_ACCESS_KEY_ID' */
  readonly accessKey?: string;
  /** @default 'AWS_SECRET_ACCESS_KEY' */
  readonly secretKey?: string;
  /** @default 'AWS_REGION' */
  readonly region?: string;
  /** Set to `true`: MinIO serves buckets as paths, not as sub-domains. @default 'S3_FORCE_PATH_STYLE' */
  readonly forcePathStyle?: string;
  /** Only with `bucket`. @default 'S3_BUCKET' */
  readonly bucket?: string;
}

export const MINIO_API_PORT = 9000;
export const MINIO_CONSOLE_PORT = 9001;
/** Any non-root uid works: the volume is group-owned through fsGroup. */
export const MINIO_UID = 1000;

/**
 * A single-node MinIO server (one drive, the StatefulSet's volume): the S3 API on 9000
 * (the client Service) and the console on 9001 (reach it with `kubectl port-forward`).
 * Distributed mode (erasure coding across servers) needs at least 4 drives, i.e. 4
 * members, each listed in the server command line; this construct does not offer it.
 *
 * The root credentials come from the Secret by reference. Buckets declared with
 * `addBucket()` are created by a Job with the pinned `mc` client (`mc mb
 * --ignore-existing`, versioning, an ILM expiry rule per bucket, all safe to re-run),
 * named by a hash of its script so a changed bucket list yields a new Job. The root
 * filesystem is read-only: HOME (MinIO's ~/.minio, mc's ~/.mc) is /tmp, an emptyDir.
 * Health probes use MinIO's unauthenticated /minio/health/live and /minio/health/ready.
 *
 * Applications and backup Jobs never get the root keys: `s3Env({ bucket })` and
 * `bucket.asBackupTarget()` hand them a MinIO user whose policy allows that one bucket
 * (read, or read-write-delete), created by the bucket Job with a generated (dev) or
 * stored (staging, prod) secret key.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ObjectStore extends StatefulStore {
  public readonly region: string;
  private readonly minioProps: ObjectStoreProps;
  private readonly keys: { readonly accessKey: string; readonly secretKey: string };
  private readonly bucketMap = new Map<string, Bucket>();
  private readonly duplicateBuckets: string[] = [];
  private readonly users = new Map<string, BucketUser>();
  private bucketJobInstance?: ObjectStoreBucketJob;

  constructor(scope: Construct, id: string, props: ObjectStoreProps) {
    const version: string = props.version ?? '2025';
    const image = engineImage('minio', version) ?? `quay.io/minio/minio:${version}`;
    const keys = { accessKey: props.credentialKeys?.accessKey ?? 'root-user', secretKey: props.credentialKeys?.secretKey ?? 'root-password' };
    super(
      scope,
      id,
      props,
      {
        image,
        command: ['minio'],
        args: ['server', '/data', '--address', `:${MINIO_API_PORT}`, '--console-address', `:${MINIO_CONSOLE_PORT}`],
        env: {
          MINIO_ROOT_USER: fromSecret(props.credentials, keys.accessKey),
          MINIO_ROOT_PASSWORD: fromSecret(props.credentials, keys.secretKey),
          MINIO_REGION: props.region ?? 'us-east-1',
          // ~/.minio (certs directory) and mc's ~/.mc, on the /tmp emptyDir.
          HOME: '/tmp',
        },
        ports: [{ name: 'console', port: MINIO_CONSOLE_PORT }],
        // Ready: the node can serve requests (read/write quorum). Alive: the process answers.
        readiness: Probe.http('/minio/health/ready', { port: 'api', timeout: Duration.seconds(5) }),
        liveness: Probe.http('/minio/health/live', { port: 'api', period: Duration.seconds(20), timeout: Duration.seconds(5), failureThreshold: 6 }),
        startup: Probe.http('/minio/health/live', { port: 'api', period: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 60 }),
      },
      { port: { name: 'api', port: MINIO_API_PORT }, dataPath: '/data', role: 'object-store', uid: MINIO_UID, version },
    );
    checkProps(this, 'ObjectStoreProps', props);
    this.minioProps = props;
    this.keys = keys;
    this.region = props.region ?? 'us-east-1';
    // The bucket Job is built once every addBucket() call has been made.
    addFinalizer(this, () => {
      if (this.bucketMap.size === 0) return;
      this.bucketJobInstance = new ObjectStoreBucketJob(this, `${this.name}-buckets`, this);
      runFinalizers(this.bucketJobInstance);
    });
  }

  /** Declares a bucket; the bucket Job creates it (S3 naming rules are checked at synth). */
  public addBucket(name: string, options: BucketOptions = {}): Bucket {
    if (this.bucketMap.has(name)) this.duplicateBuckets.push(name);
    const bucket = new Bucket(this, name, { ...options });
    this.bucketMap.set(name, bucket);
    return bucket;
  }

  public get buckets(): readonly Bucket[] {
    return [...this.bucketMap.values()];
  }

  /** Every bucket user declared so far, sorted by access key. */
  public get bucketUsers(): readonly BucketUser[] {
    return [...this.users.values()].sort((a, b) => (a.accessKey < b.accessKey ? -1 : 1));
  }

  /** The user of `bucket` with `access`, created on first use (see Bucket.user). */
  public bucketUser(bucket: Bucket, access: BucketAccess): BucketUser {
    const accessKey = `${bucket.name}-${access === 'read' ? 'ro' : 'rw'}`;
    const existing = this.users.get(accessKey);
    if (existing) return existing;
    const secret = new SystemSecret(this, `${this.name}-${accessKey}`, { keys: ['secret-key'] });
    const user: BucketUser = { bucket, access, accessKey, secretKey: fromSecret(secret, 'secret-key'), policy: `bucket-${accessKey}` };
    this.users.set(accessKey, user);
    return user;
  }

  /** The bucket Job, once the model is complete (undefined without buckets). */
  public get bucketJob(): ObjectStoreBucketJob | undefined {
    return this.bucketJobInstance;
  }

  /** The port of the S3 API (the client Service's). */
  public get apiPort(): number {
    return MINIO_API_PORT;
  }

  /**
   * Scheduled, verified copies of the buckets to another place (a volume, AWS S3, another
   * S3-compatible server), and the Job that restores them: see BucketBackup.
   */
  public backup(props: BucketBackupProps): BucketBackup {
    this.markBackedUp();
    return new BucketBackup(this.chart, `${this.name}-backup`, this, props);
  }

  /** The S3 endpoint inside the cluster: `http://<name>.<namespace>.svc:9000`. */
  public get endpoint(): string {
    return `http://${this.host}:${MINIO_API_PORT}`;
  }

  /** The root access key, by reference (backup Jobs, the bucket Job). */
  public get accessKey(): SecretKeyValue {
    return fromSecret(this.minioProps.credentials, this.keys.accessKey);
  }

  /** The root secret key, by reference. */
  public get secretKey(): SecretKeyValue {
    return fromSecret(this.minioProps.credentials, this.keys.secretKey);
  }

  public connectionInfo(): ConnectionInfo {
    return this.connectionWith('http');
  }

  /**
   * The variables an S3 client (AWS SDKs, boto3, the AWS CLI) reads: the endpoint, the
   * keys of a user limited to `bucket` (by secretKeyRef), the region, path-style
   * addressing and the bucket's name. Without a bucket, the root keys (administration only).
   * @example app.connect(objectStore, { env: objectStore.s3Env({ bucket: uploads }) })
   */
  public s3Env(options: { readonly bucket?: Bucket; readonly access?: BucketAccess; readonly names?: S3EnvNames } = {}): EnvConvention {
    const n = options.names ?? {};
    const user = options.bucket ? options.bucket.user(options.access ?? 'readwrite') : undefined;
    return () => {
      const out: Array<[string, EnvValue]> = [
        [n.endpoint ?? 'S3_ENDPOINT', this.endpoint],
        [n.accessKey ?? 'AWS_ACCESS_KEY_ID', user ? user.accessKey : this.accessKey],
        [n.secretKey ?? 'AWS_SECRET_ACCESS_KEY', user ? user.secretKey : this.secretKey],
        [n.region ?? 'AWS_REGION', this.region],
        [n.forcePathStyle ?? 'S3_FORCE_PATH_STYLE', 'true'],
      ];
      if (options.bucket) out.push([n.bucket ?? 'S3_BUCKET', options.bucket.name]);
      return out;
    };
  }

  /**
   * `mc ready` asks /minio/health/cluster, which needs no credentials; the alias is
   * defined by MC_HOST_<alias> without keys.
   */
  public get readinessCheck() {
    return { image: TOOL_IMAGES.mc, command: 'HOME=/tmp MC_HOST_store="http://$STORE_HOST:$STORE_PORT" mc ready store >/dev/null' };
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    this.checkVersion(report, 'minio', 'MinIO');
    const keyNames: Array<[string, string]> = [
      ['credentialKeys.accessKey', this.keys.accessKey],
      ['credentialKeys.secretKey', this.keys.secretKey],
    ];
    this.checkDistinctKeys(report, keyNames, 'the access key and the secret key are different values');
    if (!/^[a-z0-9-]+$/.test(this.region))
      report.error('object-store.region', 'region', `'${this.region}' is not a region name (lower-case letters, digits and '-', e.g. us-east-1)`);
    for (const name of new Set(this.duplicateBuckets)) report.error('object-store.buckets.added-more', `buckets.${name}`, 'is added more than once');
    for (const bucket of this.bucketMap.values()) {
      const problem = checkBucketName(bucket.name);
      if (problem) report.error('object-store.buckets.invalid', `buckets.${bucket.name}`, problem);
      const publicRead = bucket.options.publicRead;
      if (publicRead !== undefined && typeof publicRead !== 'boolean')
        report.error('object-store.buckets.public-read', `buckets.${bucket.name}.publicRead`, `${JSON.stringify(publicRead)} must be true or false`);
      const expiry = bucket.options.expireAfter;
      const seconds = expiry === undefined ? undefined : durationSeconds(expiry, 'Duration.days(30)');
      const expiryProblem =
        typeof seconds === 'number' && seconds % DAY !== 0 ? `${formatSeconds(seconds)} is not whole days (MinIO's expiry counts days)` : seconds;
      if (typeof expiryProblem === 'string') report.error('object-store.buckets.expire-after', `buckets.${bucket.name}.expireAfter`, expiryProblem);
    }
  }
}

/** Why S3 (and MinIO) would reject `name` as a bucket name, or undefined when it is fine. */
export function checkBucketName(name: string): string | undefined {
  if (typeof name !== 'string' || name.length < 3 || name.length > 63) return `'${name}' must be 3 to 63 characters long`;
  if (!/^[a-z0-9.-]+$/.test(name)) return `'${name}' may only contain lower-case letters, digits, '.' and '-'`;
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return `'${name}' must start and end with a letter or digit`;
  if (name.includes('..')) return `'${name}' must not contain two adjacent periods`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return `'${name}' must not look like an IP address`;
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return `'${name}' uses a prefix S3 reserves (xn--, sthree-)`;
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return `'${name}' uses a suffix S3 reserves (-s3alias, --ol-s3)`;
  return undefined;
}

/** The IAM policy of a bucket user: list the bucket, then get (read) or get, put and delete (readwrite) its objects. */
export function bucketPolicyJson(user: BucketUser): string {
  const objectActions =
    user.access === 'read'
      ? ['s3:GetObject']
      : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        Resource: [`arn:aws:s3:::${user.bucket.name}`],
      },
      { Effect: 'Allow', Action: objectActions, Resource: [`arn:aws:s3:::${user.bucket.name}/*`] },
    ],
  });
}

/** The anonymous policy of a public-read bucket: get an object by its name; nothing else (no listing). */
export function publicReadPolicyJson(bucket: Bucket): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket.name}/*`] }],
  });
}

const DAY = 86400;

/** A bucket's expiry in whole days, or undefined when it has none (or none that is valid: reported by the check). */
export function expiryDays(bucket: Bucket): number | undefined {
  const days = secondsOr(bucket.options.expireAfter, 0) / DAY;
  return Number.isInteger(days) && days >= 1 ? days : undefined;
}

/** The lifecycle configuration `mc ilm import` reads for a bucket with an expiry. */
export function lifecycleJson(bucket: Bucket): string {
  const days = expiryDays(bucket)!;
  const rule: Record<string, unknown> = {
    ID: `expire-after-${days}-days`,
    Status: 'Enabled',
    Filter: { Prefix: '' },
    Expiration: { Days: days },
  };
  if (bucket.options.versioning) rule.NoncurrentVersionExpiration = { NoncurrentDays: days };
  return JSON.stringify({ Rules: [rule] });
}

/**
 * The bucket script: define the alias, wait until the server is ready, then per bucket
 * `mc mb --ignore-existing`, versioning, and the expiry rule. Every step is idempotent:
 * `mc ilm import` replaces the bucket's whole lifecycle configuration, so running it again
 * does not add rules. Removing `expireAfter` later leaves the existing rule in place
 * (remove it with `mc ilm rule rm`).
 */
export function renderBucketScript(buckets: readonly Bucket[], users: readonly BucketUser[] = []): string {
  // The text is in ./scripts/minio-*.sh: the script, one bucket, and one bucket user.
  const file = (name: string, values: ScriptValues) => renderScriptFile(__dirname, `scripts/${name}`, values);
  const bucketSteps = [...buckets]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((bucket) => {
      const BUCKET = bucket.name;
      return file('minio-bucket.sh', {
        BUCKET,
        VERSIONING: bucket.options.versioning ? file('minio-bucket-versioning.sh', { BUCKET }) : '',
        EXPIRY: expiryDays(bucket) !== undefined ? file('minio-bucket-expiry.sh', { BUCKET, LIFECYCLE: lifecycleJson(bucket) }) : '',
        // Set on every run either way, so a bucket that is no longer public loses its policy.
        ANONYMOUS: bucket.options.publicRead
          ? file('minio-bucket-public-read.sh', { BUCKET, POLICY_JSON: publicReadPolicyJson(bucket) })
          : file('minio-bucket-private.sh', { BUCKET }),
      });
    });
  // The policy is replaced on every run, the user created or its secret key reset (the
  // policy stays attached), and attaching an attached policy is a no-op: safe to re-run.
  // The policy comes on stdin: the mc image has no shell tools to write a file with.
  const userSteps = users.map((user, i) =>
    file('minio-bucket-user.sh', { POLICY: user.policy, POLICY_JSON: bucketPolicyJson(user), ACCESS_KEY: user.accessKey, INDEX: String(i) }),
  );
  return file('minio-buckets.sh', { BUCKETS: bucketSteps.join(''), USERS: userSteps.join('') });
}

/** Creates an ObjectStore's buckets with the pinned `mc` client; safe to run again. */
export class ObjectStoreBucketJob extends Workload {
  public readonly jobName: string;
  public readonly script: string;
  /** The object store whose buckets and users this Job creates. */
  public readonly store: ObjectStore;

  constructor(scope: Construct, id: string, store: ObjectStore) {
    const users = store.bucketUsers;
    const script = renderBucketScript(store.buckets, users);
    super(
      scope,
      id,
      {
        image: TOOL_IMAGES.mc,
        command: ['sh', '-c', script],
        env: {
          HOME: '/tmp',
          S3_ENDPOINT: store.endpoint,
          MINIO_ROOT_USER: store.accessKey,
          MINIO_ROOT_PASSWORD: store.secretKey,
          ...Object.fromEntries(users.map((user, i) => [`USER_SECRET_${i}`, user.secretKey])),
        },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      },
      'initialization',
    );
    this.script = script;
    this.store = store;
    this.connections.allowTo(store, { port: MINIO_API_PORT });
    this.jobName = `${this.name}-${contentHash({ image: TOOL_IMAGES.mc, script, endpoint: store.endpoint }).slice(0, 8)}`;
    this.syncHookJob(this.jobName, { backoffLimit: 3, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 });
  }

  protected podExtras(): Record<string, unknown> {
    return RUN_TO_COMPLETION_POD;
  }
}
