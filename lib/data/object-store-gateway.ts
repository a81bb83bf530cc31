import { Duration } from '../core/duration';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ResourceProfile } from '../core/environment';
import { renderScriptFile } from '../core/script-file';
import { addCheck, ValidationReport } from '../core/validation';
import { Probe } from '../workloads/probe';
import { contentHash } from '../workloads/workload';
import { WebService } from '../workloads/web-service';
import { BackupBucket, IBucketSource } from './bucket-copy';
import { TOOL_IMAGES } from './versions';
import { checkProps } from '../core/prop-check';

/** A bucket as the gateway sees it: its name, its store, and whether anyone may read it. */
export interface PublicBucket extends BackupBucket {
  readonly options: { readonly publicRead?: boolean };
}

export interface ObjectStoreGatewayProps {
  /** The bucket to publish; it must be `publicRead: true`. Requests reach it at `/<bucket>/<key>`. */
  readonly bucket: PublicBucket;
  /** Pods. @default - the environment's defaultReplicas */
  readonly replicas?: number;
  /** Requests and limits of the nginx container. @default - 50m/64Mi requested, 500m/128Mi limit */
  readonly resources?: ResourceProfile;
}

/** The port the gateway listens on (nginx-unprivileged's, above 1024). */
export const GATEWAY_PORT = 8080;
const NGINX_UID = 101;
const DEFAULT_RESOURCES: ResourceProfile = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } };

/** The gateway's nginx.conf for `bucket` on `store`. */
export function renderGatewayConfig(bucket: string, store: string, upstream: string): string {
  return renderScriptFile(__dirname, 'scripts/minio-gateway.conf', { BUCKET: bucket, STORE: store, UPSTREAM: upstream, PORT: String(GATEWAY_PORT) });
}

/**
 * Publishes one public-read bucket of an ObjectStore and nothing else of the MinIO API: an
 * nginx (unprivileged image, read-only root) that answers GET and HEAD of `/<bucket>/<key>`
 * by asking MinIO anonymously, and 405 to any other method, 404 to any other path (the
 * bucket's listing, other buckets, the admin and console APIs, health and metrics).
 * Authorization headers and query strings never reach MinIO, so neither keys nor
 * presigned URLs work through it: what the internet can do is what the bucket's public-read
 * policy allows anonymous clients, reading an object by its name. Route a PublicEndpoint to
 * it (`backend: gateway`).
 *
 * Why not route the Ingress to MinIO itself: the edge cannot restrict methods, so a route
 * to the S3 port would accept from the internet every S3 request under that path, including
 * writes and deletes signed with any bucket user's keys, and bucket-level requests.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ObjectStoreGateway extends WebService {
  public readonly bucket: PublicBucket;

  constructor(scope: Construct, id: string, props: ObjectStoreGatewayProps) {
    const store = props?.bucket?.store as IBucketSource | undefined;
    const upstream = store ? `${store.name}.${store.namespaceName}.svc:${store.apiPort}` : 'unknown:9000';
    const config = renderGatewayConfig(props?.bucket?.name ?? 'unknown', store?.node.path ?? 'unknown', upstream);
    super(scope, id, {
      image: TOOL_IMAGES.gateway,
      // -e: the log nginx opens before it reads its configuration (the root filesystem is read-only).
      command: ['nginx', '-e', '/dev/stderr', '-c', '/etc/gateway/nginx.conf', '-g', 'daemon off;'],
      ports: [{ name: 'http', port: GATEWAY_PORT }],
      runAs: { user: NGINX_UID, group: NGINX_UID },
      replicas: props?.replicas,
      resources: props?.resources ?? DEFAULT_RESOURCES,
      readiness: Probe.http('/healthz'),
      liveness: Probe.http('/healthz', { period: Duration.seconds(20) }),
    });
    checkProps(this, 'ObjectStoreGatewayProps', props);
    this.bucket = props.bucket;
    const configName = `${this.name}-config`;
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: configName }, data: { 'nginx.conf': config } });
    this.addVolume({ name: 'config', configMap: { name: configName } });
    this.container.mount('/etc/gateway', 'config', { readOnly: true });
    this.annotatePods('checksum/config', contentHash(config));
    if (store) this.connections.allowTo(store, { port: store.apiPort });
    addCheck(this, (report) => this.validateGateway(report));
  }

  private validateGateway(report: ValidationReport): void {
    const bucket = this.bucket;
    if (!bucket || typeof bucket.name !== 'string' || !bucket.store) {
      report.error(
        'object-store-gateway.bucket.bucket-objectstore',
        'bucket',
        'must be a bucket of an ObjectStore (objectStore.addBucket(name, { publicRead: true }))',
      );
      return;
    }
    if (bucket.options?.publicRead !== true) {
      report.error(
        'object-store-gateway.bucket.public-read',
        'bucket',
        `'${bucket.name}' is not public-read: the gateway asks MinIO anonymously, so every request would be refused; add it with { publicRead: true } (anyone may then read its objects by name)`,
      );
    }
  }
}
