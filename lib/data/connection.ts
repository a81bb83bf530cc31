import { EnvValue, fromSecret, SecretKeyValue } from '../workloads/env';
import { ISecretSource } from '../security/secret-source';
import { INetworkPeer } from '../security/network';

/** How to reach a data store, as a connected workload sees it. */
export interface ConnectionInfo {
  /** URL scheme: `postgresql`, `mysql`, `redis`, `mongodb`, `http`. */
  readonly scheme: string;
  /** Host name (the client Service, `<name>.<namespace>.svc`). */
  readonly host: string;
  readonly port: number;
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
}

/** A data store a workload can connect to. */
export interface IConnectable extends INetworkPeer {
  /** Connection settings for an application. */
  connectionInfo(): ConnectionInfo;
  /**
   * A command (run by `sh -c` in the store's own image, as a non-root user, with the
   * connection variables `STORE_HOST`, `STORE_PORT`, `STORE_USER` and `STORE_PASSWORD`
   * set) that succeeds once the store accepts connections.
   */
  readonly readinessCheck: { readonly image: string; readonly command: string };
}

/** Environment variables, in order (a URL may refer to a password defined before it). */
export type EnvEntries = ReadonlyArray<readonly [string, EnvValue]>;

/** Maps connection settings to the variables an application reads. */
export type EnvConvention = (info: ConnectionInfo) => EnvEntries;

export interface DiscreteNames {
  readonly host?: string;
  readonly port?: string;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
}

/** Naming conventions for connection variables. */
export const ConnectionEnv = {
  /** One variable per setting, e.g. `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD` (Loopi). */
  discrete(names: DiscreteNames): EnvConvention {
    return (info) => {
      const out: Array<[string, EnvValue]> = [];
      if (names.host) out.push([names.host, info.host]);
      if (names.port) out.push([names.port, String(info.port)]);
      if (names.database && info.database !== undefined) out.push([names.database, info.database]);
      if (names.user && info.user !== undefined) out.push([names.user, info.user]);
      if (names.password && info.password) out.push([names.password, info.password]);
      return out;
    };
  },

  /**
   * A URL, e.g. `MONGODB_URI` or `REDIS_URL` (TechShop). The password is read by
   * reference into `<name>_PASSWORD` first and spliced in with Kubernetes' `$(VAR)`
   * expansion, so it never appears in the manifest. Passwords must be URL-safe (the
   * generated ones are alphanumeric).
   */
  url(name: string, options: { readonly passwordVariable?: string } = {}): EnvConvention {
    return (info) => {
      const out: Array<[string, EnvValue]> = [];
      let auth = '';
      if (info.password) {
        const passwordVar = options.passwordVariable ?? `${name}_PASSWORD`;
        out.push([passwordVar, info.password]);
        auth = `${info.user ?? ''}:$(${passwordVar})@`;
      }
      const hosts = (info.members ?? [`${info.host}:${info.port}`]).join(',');
      const db = info.database !== undefined ? `/${info.database}` : '';
      const query = Object.entries(info.params ?? {}).map(([k, v]) => `${k}=${v}`).join('&');
      out.push([name, `${info.scheme}://${auth}${hosts}${db}${query ? `?${query}` : ''}`]);
      return out;
    };
  },

  /** Several conventions at once (e.g. discrete variables and a URL). */
  all(...conventions: EnvConvention[]): EnvConvention {
    return (info) => conventions.flatMap((c) => [...c(info)]);
  },
};

/** The value of a key of a store's credentials Secret. */
export function credential(source: ISecretSource, key: string): SecretKeyValue {
  return fromSecret(source, key);
}
