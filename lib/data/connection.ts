import { EnvValue, fromSecret, isSecretKeyValue, SecretKeyValue } from '../workloads/env';
import { ISecretSource, markUsedInUrl } from '../security/secret-source';
import type { ConnectionInfo, EnvConvention, EnvEntries, IConnectable } from '../workloads/connectable';

// Declared where the connecting workload uses them; re-exported beside the conventions.
export type { ConnectionInfo, EnvConvention, EnvEntries, IConnectable };

export interface DiscreteNames {
  readonly host?: string;
  /** Variable for the read-only endpoint (the replicas where the engine has them, else the read-write host). @default - not set */
  readonly readOnlyHost?: string;
  readonly port?: string;
  readonly database?: string;
  readonly user?: string;
  readonly password?: string;
  /**
   * Variable listing every member as `host:port`, comma-separated, for clients that spread
   * keys over the members themselves (Memcached). @default - not set
   */
  readonly members?: string;
  /**
   * Variable for the verifying TLS mode of a store that requires TLS (`tls`): `verify-full`
   * for PostgreSQL, `VERIFY_IDENTITY` for MySQL (its `--ssl-mode`; Go's driver: `tls=<name>`
   * with the CA, which verifies the host name). Not set for a store without TLS. @default - not set
   */
  readonly sslMode?: string;
  /**
   * Variable for the path of the CA certificate that verifies a store that requires TLS
   * (mounted read-only by connect()), e.g. `DB_SSL_CA`. Not set for a store without TLS. @default - not set
   */
  readonly sslCa?: string;
}

/** Naming conventions for connection variables. */
export const ConnectionEnv = {
  /**
   * One variable per setting, e.g. `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD`,
   * and for a store that requires TLS `DB_SSL_MODE` and `DB_SSL_CA`.
   */
  discrete(names: DiscreteNames): EnvConvention {
    return (info) => {
      const out: Array<[string, EnvValue]> = [];
      if (names.host) out.push([names.host, info.host]);
      if (names.readOnlyHost) out.push([names.readOnlyHost, info.readOnlyHost ?? info.host]);
      if (names.port) out.push([names.port, String(info.port)]);
      if (names.database && info.database !== undefined) out.push([names.database, info.database]);
      if (names.user && info.user !== undefined) out.push([names.user, info.user]);
      if (names.password && info.password) out.push([names.password, info.password]);
      if (names.members) out.push([names.members, (info.members ?? [`${info.host}:${info.port}`]).join(',')]);
      if (names.sslMode && info.tls?.mode) out.push([names.sslMode, info.tls.mode]);
      if (names.sslCa && info.tls) out.push([names.sslCa, info.tls.caFile]);
      return out;
    };
  },

  /**
   * A URL, e.g. `MONGODB_URI` or `REDIS_URL`. The password is read by
   * reference into `<name>_PASSWORD` first and spliced in with Kubernetes' `$(VAR)`
   * expansion, so it never appears in the manifest. Kubernetes cannot percent-encode it, so
   * the password must be URL-safe: generated values are letters and digits by construction;
   * for provided ones (Vault, AWS Secrets Manager) the system README states the rule
   * (`URL_SAFE_SECRET_RULE`) beside the command that stores them. Applications that read
   * separate variables instead take `ConnectionEnv.discrete` and have no such rule.
   * For a store that requires TLS the engine's verifying parameters are in the query
   * (PostgreSQL: `sslmode=verify-full&sslrootcert=<CA file>`; MySQL: `ssl-mode=VERIFY_IDENTITY&ssl-ca=<CA file>`).
   */
  url(name: string, options: { readonly passwordVariable?: string } = {}): EnvConvention {
    return (info) => {
      const out: Array<[string, EnvValue]> = [];
      let auth = '';
      if (info.password) {
        if (isSecretKeyValue(info.password)) markUsedInUrl(info.password.secret, info.password.key);
        const passwordVar = options.passwordVariable ?? `${name}_PASSWORD`;
        out.push([passwordVar, info.password]);
        auth = `${info.user ?? ''}:$(${passwordVar})@`;
      }
      const hosts = (info.members ?? [`${info.host}:${info.port}`]).join(',');
      const db = info.database !== undefined ? `/${info.database}` : '';
      const query = Object.entries(info.params ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
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
