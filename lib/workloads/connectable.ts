// What a workload needs to know of a store it connects to (`Workload.connect`); the stores (data) implement it.
import { EnvValue, SecretKeyValue } from './env';
import { INetworkPeer } from '../security/network';

/** How to reach a data store, as a connected workload sees it. */
export interface ConnectionInfo {
  /** URL scheme: `postgresql`, `mysql`, `redis`, `mongodb`, `http`. */
  readonly scheme: string;
  /** Host name (the client Service, `<name>.<namespace>.svc`). */
  readonly host: string;
  readonly port: number;
  /**
   * Host of an endpoint that serves reads only (replicas), for applications that send reads
   * there; a store without one gives its read-write host. @default - same as host
   */
  readonly readOnlyHost?: string;
  /** All members, for clients that take a seed list (MongoDB replica sets). @default - [host:port] */
  readonly members?: readonly string[];
  /** Database (or Redis logical db number). @default - none */
  readonly database?: string;
  /** Application user name. @default - none (password-only auth, e.g. Redis) */
  readonly user?: string;
  /** Application password, by reference. @default - none */
  readonly password?: SecretKeyValue;
  /** Extra URL query parameters (e.g. `replicaSet`, `authSource`). @default - none */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * The store serves TLS only, and its clients verify it: `connect()` mounts the CA and sets
   * the engine's variables. @default - plain connections
   */
  readonly tls?: ConnectionTls;
}

/** How a client verifies a store that requires TLS. */
export interface ConnectionTls {
  /** The Secret holding the CA certificate (cert-manager writes it beside the server's key pair). */
  readonly caSecretName: string;
  /** Its key in that Secret, `ca.crt`. */
  readonly caKey: string;
  /** Where `connect()` mounts it, read-only, in the workload's main container (a file path). */
  readonly caFile: string;
  /** Variables every client library of the engine reads, set whatever the convention (libpq: `PGSSLMODE`, `PGSSLROOTCERT`). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * The verifying mode as the engine's clients spell it (`verify-full`, `VERIFY_IDENTITY`), for
   * `ConnectionEnv.discrete`'s `sslMode`. @default - none
   */
  readonly mode?: string;
}

/** A data store a workload can connect to. */
export interface IConnectable extends INetworkPeer {
  /** Connection settings for an application. */
  connectionInfo(): ConnectionInfo;
  /** The same through a read-only endpoint (standbys), where the store has one. @default - none */
  readOnlyConnectionInfo?(): ConnectionInfo | undefined;
  /**
   * A command (run by `sh -c` in the store's own image, as a non-root user, with the
   * connection variables `STORE_HOST`, `STORE_PORT`, `STORE_USER` and `STORE_PASSWORD`
   * set) that succeeds once the store accepts connections.
   */
  readonly readinessCheck: { readonly image: string; readonly command: string };
  /**
   * The pods a client's connection reaches when they are not the store's own: a proxy in
   * front of the members (Redis with Sentinel: HAProxy, which follows the master). Network
   * allowances of `connect()` and of backups go to these pods. @default - the store's own pods
   */
  readonly clientPeer?: INetworkPeer;
}

/** The pods a connection to `store` reaches: its proxy where it has one, else its own. */
export function clientPeerOf(store: IConnectable): INetworkPeer {
  return store.clientPeer ?? store;
}

/** Environment variables, in order (a URL may refer to a password defined before it). */
export type EnvEntries = ReadonlyArray<readonly [string, EnvValue]>;

/** Maps connection settings to the variables an application reads. */
export type EnvConvention = (info: ConnectionInfo) => EnvEntries;

/** How `Workload.connect()` connects to a store. */
export interface ConnectOptions {
  /** Which variables the application reads, e.g. `ConnectionEnv.discrete({ host: 'DB_HOST', ... })`. */
  readonly env: EnvConvention;
  /** Wait in an init container until the store accepts connections. @default true */
  readonly waitUntilReady?: boolean;
  /**
   * Connect through the store's read-only endpoint (PostgreSQL on CloudNativePG: `<name>-ro`,
   * the standbys); a store without one is a synth error. @default false (the read-write endpoint)
   */
  readonly readOnly?: boolean;
}

/** A store a workload connected to, as `Workload.connect()` recorded it. */
export interface StoreConnection {
  readonly store: IConnectable;
  /** URL scheme of the connection, e.g. `postgresql`. */
  readonly scheme: string;
  readonly port: number;
}
