import { Construct } from 'constructs';
import { DEFAULT_S3_REGION } from '../backup/target';
import { checkProps } from '../core/prop-check';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { EnvValue, fromSecret } from '../workloads/env';
import type { Workload } from '../workloads/workload';
import { checkBucketName, S3EnvNames } from './minio';

/** Keys of the access key pair in an S3Bucket's `credentials` Secret. */
export interface S3BucketCredentialKeys {
  /** @default 'AWS_ACCESS_KEY_ID' */
  readonly accessKeyId?: string;
  /** @default 'AWS_SECRET_ACCESS_KEY' */
  readonly secretAccessKey?: string;
}

export interface S3BucketProps {
  /** The bucket's name, as the provider knows it (S3 naming rules are checked at synth). */
  readonly bucket: string;
  /** The region clients sign for. @default 'us-east-1' */
  readonly region?: string;
  /**
   * Endpoint of an S3-compatible service outside the cluster (`https://host[:port]`). A MinIO
   * of the cluster is an ObjectStore: connect to it with `objectStore.s3Env({ bucket })`.
   * @default - AWS S3's regional endpoint, `https://s3.<region>.amazonaws.com`
   */
  readonly endpoint?: string;
  /**
   * The Secret holding the access key pair, by reference: a SystemSecret (generated in dev,
   * read from the environment's secret backend, e.g. Vault, elsewhere) or an ExistingSecret.
   * Keep the pair limited to this bucket in the provider's IAM.
   */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each key is. @default - see S3BucketCredentialKeys */
  readonly credentialKeys?: S3BucketCredentialKeys;
}

/** How a workload reads the bucket. */
export interface S3BucketUseOptions {
  /** The variable names, where the application reads others. @default - those of S3EnvNames (S3_BUCKET, S3_ENDPOINT, AWS_REGION, ...) */
  readonly names?: S3EnvNames;
}

/** One workload's use of the bucket, for the checks. */
interface Use {
  readonly workload: Workload;
  readonly names: S3EnvNames;
}

/** The variables useIn sets, by the names of S3EnvNames: the same an ObjectStore's `s3Env` sets. */
const DEFAULT_NAMES: Required<S3EnvNames> = {
  endpoint: 'S3_ENDPOINT',
  accessKey: 'AWS_ACCESS_KEY_ID',
  secretKey: 'AWS_SECRET_ACCESS_KEY',
  region: 'AWS_REGION',
  forcePathStyle: 'S3_FORCE_PATH_STYLE',
  bucket: 'S3_BUCKET',
};

/** Hosts that resolve only inside a cluster, where an ObjectStore belongs instead. */
const IN_CLUSTER_HOST = /(^|\.)(svc|svc\.cluster\.local|cluster\.local)$|^[a-z0-9-]+$/;
const HTTPS_ENDPOINT = /^https:\/\/[^\s/:]+(:\d+)?\/?$/;

/**
 * A bucket of AWS S3 (or of an S3-compatible service outside the cluster) that workloads of
 * the system read and write: `bucket.useIn(api)` gives the workload the variables every S3
 * client reads (endpoint, region, bucket, path style, and the key pair by secretKeyRef: the
 * same names as `ObjectStore.s3Env`, so one application reads a MinIO of the cluster in one
 * environment and AWS S3 in another) and a NetworkPolicy allowance to the endpoint's port
 * outside the cluster's ranges, nothing else.
 *
 * The bucket itself (its versioning, replication, lifecycle and IAM) belongs to the provider's
 * account and is not a Kubernetes object: this construct renders nothing of its own.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class S3Bucket extends Construct {
  /** The bucket's name. */
  public readonly bucketName: string;
  /** The region clients sign for. */
  public readonly region: string;
  /** The endpoint clients use. */
  public readonly endpoint: string;
  private readonly uses: Use[] = [];

  constructor(
    scope: Construct,
    id: string,
    private readonly props: S3BucketProps,
  ) {
    super(scope, id);
    checkProps(this, 'S3BucketProps', props);
    SystemChart.of(this);
    this.bucketName = props?.bucket;
    this.region = props?.region ?? DEFAULT_S3_REGION;
    this.endpoint = props?.endpoint ?? `https://s3.${this.region}.amazonaws.com`;
    addCheck(this, (report) => this.validate(report));
  }

  /** The endpoint's port: the URL's, else 443. */
  public get endpointPort(): number {
    const port = /:(\d+)\/?$/.exec(this.endpoint.replace(/^https:\/\//, ''))?.[1];
    return port ? Number(port) : 443;
  }

  /**
   * The workload reads the bucket: its main container gets the variables (names overridable)
   * and its pods may open connections to the endpoint's port outside the cluster.
   */
  public useIn(workload: Workload, options: S3BucketUseOptions = {}): void {
    const names = { ...DEFAULT_NAMES, ...(options?.names ?? {}) };
    this.uses.push({ workload, names });
    const keys = this.credentialKeys;
    const credentials = this.props?.credentials;
    const env: Array<[string, EnvValue]> = [
      [names.endpoint, this.endpoint],
      [names.region, this.region],
      [names.bucket, String(this.bucketName)],
      // AWS S3 and most S3-compatible services serve buckets as sub-domains.
      [names.forcePathStyle, 'false'],
      [names.accessKey, fromSecret(credentials, keys.accessKeyId)],
      [names.secretKey, fromSecret(credentials, keys.secretAccessKey)],
    ];
    for (const [name, value] of env) workload.container.addEnv(name, value);
    workload.connections.allowToInternet([{ port: this.endpointPort }]);
  }

  private get credentialKeys(): Required<S3BucketCredentialKeys> {
    const k = this.props?.credentialKeys ?? {};
    return { accessKeyId: k.accessKeyId ?? 'AWS_ACCESS_KEY_ID', secretAccessKey: k.secretAccessKey ?? 'AWS_SECRET_ACCESS_KEY' };
  }

  private validate(report: ValidationReport): void {
    const p = this.props;
    if (typeof p?.bucket === 'string') {
      const problem = checkBucketName(p.bucket);
      if (problem) report.error('s3-bucket.bucket', 'bucket', problem);
    }
    if (typeof this.region === 'string' && !/^[a-z]{2}(-[a-z0-9]+)+$/.test(this.region))
      report.error('s3-bucket.region', 'region', `'${this.region}' is not a region name (lower-case letters, digits and '-', e.g. eu-west-1)`);
    this.validateEndpoint(report);
    const keys = this.credentialKeys;
    const held = p?.credentials?.keys;
    if (keys.accessKeyId === keys.secretAccessKey)
      report.error(
        's3-bucket.credential-keys.distinct',
        'credentialKeys',
        `both keys are '${keys.accessKeyId}': the key id and the secret are different values`,
      );
    for (const [field, key] of Object.entries(keys))
      if (Array.isArray(held) && !held.includes(key))
        report.error(
          's3-bucket.credential-keys.missing',
          `credentialKeys.${field}`,
          `'${key}' is not a key of ${p.credentials.describe} (it holds ${held.join(', ')})`,
        );
    if (this.uses.length === 0) report.warn('s3-bucket.use-in', 'useIn', 'no workload uses this bucket; call useIn(workload) or remove it');
    const chart = SystemChart.of(this);
    this.uses.forEach((use, i) => {
      if (use.workload.namespaceName !== chart.namespaceName)
        report.error(
          's3-bucket.use-in.namespace',
          `useIn[${i}]`,
          `${use.workload.node.path} runs in namespace '${use.workload.namespaceName}', where the credentials Secret is not; declare the bucket in that workload's system`,
        );
      const names = Object.values(use.names);
      const bad = names.filter((n) => typeof n !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
      if (bad.length > 0)
        report.error('s3-bucket.use-in.names', `useIn[${i}].names`, `${bad.map((n) => JSON.stringify(n)).join(', ')} is not a variable name`);
      else if (new Set(names).size !== names.length)
        report.error('s3-bucket.use-in.names.distinct', `useIn[${i}].names`, 'two variables share a name');
    });
  }

  private validateEndpoint(report: ValidationReport): void {
    const endpoint = this.props?.endpoint;
    if (endpoint === undefined) return;
    if (typeof endpoint !== 'string' || !HTTPS_ENDPOINT.test(endpoint)) {
      report.error('s3-bucket.endpoint', 'endpoint', `${JSON.stringify(endpoint)} must be an https URL without a path (https://host[:port])`);
      return;
    }
    const host = endpoint.replace(/^https:\/\//, '').replace(/(:\d+)?\/?$/, '');
    if (IN_CLUSTER_HOST.test(host))
      report.error(
        's3-bucket.endpoint.in-cluster',
        'endpoint',
        `'${endpoint}' resolves only inside the cluster; a bucket of the cluster's MinIO is an ObjectStore's: connect with objectStore.s3Env({ bucket })`,
      );
  }
}
