import type { IConstruct } from 'constructs';
import { addCheck } from '../core/validation';
import type { Json } from '../core/json';
import type { ConnectionTls } from './connectable';
import type { ContainerModel } from './container';
import type { EnvValue } from './env';

/** The pod volume with a TLS store's CA certificate, and where it is mounted (the directory of `caFile`). */
export interface StoreCaVolume {
  readonly name: string;
  readonly mountPath: string;
  readonly secret: { readonly secretName: string; readonly items: ReadonlyArray<{ key: string; path: string }>; readonly defaultMode: number };
}

/**
 * The CA of store `storeId` as a volume: only `ca.crt` of the server's Secret (never its key),
 * world-readable (a certificate is public; the workload may run as any uid).
 */
export function storeCaVolume(storeId: string, tls: ConnectionTls): StoreCaVolume {
  const slash = tls.caFile.lastIndexOf('/');
  const name = `ca-${storeId.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  return {
    name,
    mountPath: tls.caFile.slice(0, slash),
    secret: { secretName: tls.caSecretName, items: [{ key: tls.caKey, path: tls.caFile.slice(slash + 1) }], defaultMode: 0o444 },
  };
}

/**
 * Why a connection to a store that requires TLS would not verify it: none of its variables
 * names the mounted CA, so the application has no way to know it (undefined when one does).
 */
export function unverifiedTlsConnection(store: string, tls: ConnectionTls, entries: ReadonlyArray<readonly [string, EnvValue]>): string | undefined {
  if (entries.some(([, value]) => typeof value === 'string' && value.includes(tls.caFile))) return undefined;
  return `${store} requires TLS, and its clients verify it with the CA mounted at ${tls.caFile}; no variable of this connection names that file, so the application would not verify the server: add sslMode and sslCa to ConnectionEnv.discrete (e.g. 'DB_SSL_MODE', 'DB_SSL_CA') or use ConnectionEnv.url`;
}

/**
 * Mounts a TLS store's CA volume on a connecting workload (once per store: `mounted` holds the
 * volume names it has) and reports a connection whose variables do not name the CA file.
 */
export function mountStoreCa(
  workload: IConstruct & { readonly container: ContainerModel; addVolume(volume: Json): void },
  mounted: Set<string>,
  storePath: string,
  volume: StoreCaVolume,
  tls: ConnectionTls,
  entries: ReadonlyArray<readonly [string, EnvValue]>,
): void {
  if (!mounted.has(volume.name)) {
    mounted.add(volume.name);
    workload.addVolume({ name: volume.name, secret: volume.secret });
    workload.container.mount(volume.mountPath, volume.name, { readOnly: true });
  }
  const problem = unverifiedTlsConnection(storePath, tls, entries);
  if (problem) addCheck(workload, (report) => report.error('workload.connect.tls-ca-unset', 'connect().env', problem));
}
