/**
 * Engine images, pinned by explicit tag, in one place. Only versions still supported
 * upstream (as of 2026-11) are offered; asking for another is a synth error that lists
 * these. Tags cannot be verified against a registry from the build machines; they are
 * the upstream releases current when this table was last reviewed. Every reference names
 * its registry (`docker.io/library/...` for Docker Hub's official images): an image without
 * one is an application image and is pulled from the cluster profile's registry.
 */
export const ENGINE_IMAGES = {
  postgres: {
    '15': 'docker.io/library/postgres:15.14',
    '16': 'docker.io/library/postgres:16.10',
    '17': 'docker.io/library/postgres:17.6',
    '18': 'docker.io/library/postgres:18.0',
  },
  timescaledb: { '16': 'docker.io/timescale/timescaledb:2.21.3-pg16', '17': 'docker.io/timescale/timescaledb:2.21.3-pg17' },
  // MySQL 8.0 reached end of life in April 2026: "MySQL 8" means the 8.4 LTS line.
  mysql: { '8.4': 'docker.io/library/mysql:8.4.6' },
  mongo: { '7.0': 'docker.io/library/mongo:7.0.24', '8.0': 'docker.io/library/mongo:8.0.13' },
  redis: { '7.4': 'docker.io/library/redis:7.4.5', '8.2': 'docker.io/library/redis:8.2.1' },
  memcached: { '1.6': 'docker.io/library/memcached:1.6.39' },
  minio: { '2025': 'quay.io/minio/minio:RELEASE.2025-04-22T22-12-26Z' },
} as const;

export const EXPORTER_IMAGES = {
  postgres: 'quay.io/prometheuscommunity/postgres-exporter:v0.17.1',
  mysql: 'docker.io/prom/mysqld-exporter:v0.17.2',
  mongo: 'docker.io/percona/mongodb_exporter:0.44.0',
  redis: 'docker.io/oliver006/redis_exporter:v1.74.0',
  memcached: 'docker.io/prom/memcached-exporter:v0.15.3',
} as const;

/**
 * Client tools run by the library's own Jobs (bucket creation), pinned like the engines.
 * `mc` is released separately from the server; this is the client release current with
 * the MinIO server above.
 */
export const TOOL_IMAGES = {
  mc: 'quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z',
  /** The ObjectStoreGateway's nginx: the unprivileged build (uid 101, port 8080). */
  gateway: 'docker.io/nginxinc/nginx-unprivileged:1.27.3',
  /** HAProxy in front of a Redis replica group (Redis with `replicas`): the 3.2 LTS line, runs as uid 99. */
  haproxy: 'docker.io/library/haproxy:3.2.4',
} as const;

export type Engine = keyof typeof ENGINE_IMAGES;

/** The image of `engine` at `version`, or undefined when that version is not supported. */
export function engineImage<E extends Engine>(engine: E, version: string): string | undefined {
  return (ENGINE_IMAGES[engine] as Record<string, string>)[version];
}

export function supportedVersions(engine: Engine): string[] {
  return Object.keys(ENGINE_IMAGES[engine]);
}
