/**
 * Checks shared by the operator-run engines (CloudNativePG): recovery point objectives,
 * instance counts and backup targets that must be off the cluster. Each returns why a
 * value is refused (undefined when it is fine); the caller reports it on its own field.
 */
import type { BackupTarget } from '../backup/target';
import { parseRpo } from './mysql-engine-validation';

/** Seconds of a duration written as `<n>s`, `<n>m`, `<n>h` or `<n>d` (e.g. `30s`, `5m`, `1h`); undefined when it is not one. */
export function parseDuration(value: unknown): number | undefined {
  const seconds = parseRpo(value);
  return typeof seconds === 'number' ? seconds : undefined;
}

/** Below this, forcing a WAL segment switch that often fills the archive with mostly empty 16MB segments. */
export const MIN_RPO_SECONDS = 60;
/** Above this, a "recovery point objective" is a daily dump, not continuous archiving. */
export const MAX_RPO_SECONDS = 24 * 3600;

/** Why `rpo` cannot be met by WAL archiving (archive_timeout = rpo), or undefined. */
export function checkRpo(rpo: unknown): string | undefined {
  const seconds = parseDuration(rpo);
  if (seconds === undefined) return `'${String(rpo)}' must be a duration such as '5m', '90s' or '1h'`;
  if (seconds < MIN_RPO_SECONDS) {
    return (
      `${String(rpo)} is below the ${MIN_RPO_SECONDS / 60}m that WAL archiving can sanely meet: archive_timeout would force a 16MB WAL segment ` +
      'to object storage more often than once a minute, mostly empty; use synchronous replicas for a tighter objective'
    );
  }
  if (seconds > MAX_RPO_SECONDS) return `${String(rpo)} is above 24h; continuous archiving is meant for objectives of minutes`;
  return undefined;
}

/** PostgreSQL's spelling of a duration in seconds (`archive_timeout = 5min`). */
export function postgresDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}min`;
  return `${seconds}s`;
}

/** Why `instances` is not a usable instance count in `environment`, or undefined. `quorum`: the engine needs an odd count. */
export function checkInstances(instances: unknown, environment: string, options: { readonly quorum?: boolean } = {}): string | undefined {
  if (typeof instances !== 'number' || !Number.isInteger(instances) || instances < 1 || instances > 9) {
    return `${String(instances)} must be a whole number from 1 to 9`;
  }
  if (environment === 'prod' && instances < 2) {
    return `${instances} in prod: at least 2 (a primary and a standby to fail over to) are required`;
  }
  if (options.quorum && instances % 2 === 0) return `${instances} must be odd: the members elect a primary by majority`;
  return undefined;
}

/** Host names that only resolve inside the cluster. */
const IN_CLUSTER_HOST = /(^|\.)(svc|svc\.cluster\.local|cluster\.local)$|^[a-z0-9-]+$/;

/**
 * Why `target` is not off the cluster (backups that die with the cluster are no backups), or
 * undefined. Only checked where `required` (prod).
 */
export function checkOffClusterTarget(target: BackupTarget): string | undefined {
  if (target.kind === 'volume') return 'a volume in the cluster dies with the cluster; back up to an S3 bucket outside it';
  if (target.kind !== 's3') return undefined;
  if (target.s3.server !== undefined)
    return 'is an in-cluster S3 server (MinIO); prod backups must leave the cluster (AWS S3 or an external endpoint)';
  const endpoint = target.s3.endpoint;
  if (typeof endpoint === 'string') {
    let host: string;
    try {
      host = new URL(endpoint).hostname;
    } catch {
      return undefined; // reported as a malformed endpoint by the caller
    }
    if (IN_CLUSTER_HOST.test(host)) return `endpoint '${endpoint}' resolves only inside the cluster; prod backups must leave the cluster`;
  }
  return undefined;
}
