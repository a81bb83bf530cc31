import { k8s } from 'cdk8s-plus-27';
import { Duration } from '../core/duration';
import { Construct } from 'constructs';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { fromSecret, SecretKeyValue } from '../workloads/env';
import { Probe } from '../workloads/probe';
import type { AdminConnection } from '../backup/backupable';
import { BackupableStore } from './backupable-store';
import { ConnectionInfo } from './connection';
import { INIT_SCRIPTS_DIR, INIT_SCRIPTS_RUNNER, initScriptsData, InitScript } from './init-scripts';
import type { StoreTlsPlan } from './store-tls';
import { EngineSpec, ExporterAccountMonitoring, StatefulStoreProps, StoreCommonProps, StoreContainerProps } from './stateful-store';

/** The application's database and account, as PostgreSQL, MySQL and MongoDB take them. */
export interface DatabaseStoreProps extends StoreCommonProps {
  /** The application database. */
  readonly database: string;
  /** The application account. @default - same as `database` */
  readonly user?: string;
  /** Secret holding the passwords, by reference only. */
  readonly credentials: ISecretSource;
  /** Where in `credentials` each password is: `app`, and the administrator's under the engine's name for it. @default - per engine */
  readonly credentialKeys?: { readonly app?: string };
  /** The exporter and its account's password key. @default - no exporter */
  readonly monitoring?: ExporterAccountMonitoring;
}

/** An engine's names and default keys for its accounts. */
export interface AccountDefaults {
  readonly scheme: string;
  readonly adminUser: string;
  /** The administrator's entry in `credentialKeys`, e.g. `superuser`. */
  readonly adminKeyName: string;
  /** Default key of the administrator's password. */
  readonly adminKey: string;
  /** Default key of the exporter account's password. */
  readonly exporterKey: string;
}

/** The accounts of a database engine, from its props and its defaults (the application's key defaults to `password`). */
export function resolveAccounts(props: DatabaseStoreProps, defaults: AccountDefaults): DatabaseAccounts {
  const keys = (props.credentialKeys ?? {}) as Readonly<Record<string, string | undefined>>;
  return {
    scheme: defaults.scheme,
    adminUser: defaults.adminUser,
    adminKeyName: defaults.adminKeyName,
    adminKey: keys[defaults.adminKeyName] ?? defaults.adminKey,
    appKey: keys.app ?? 'password',
    exporterKey: props.monitoring?.exporter === true ? (props.monitoring.passwordKey ?? defaults.exporterKey) : undefined,
  };
}

/** The two accounts every database engine has, and where their passwords are. */
export interface DatabaseAccounts {
  /** The URL scheme of the application's connection. */
  readonly scheme: string;
  /** The administrator backups, restores and initialization log in as. */
  readonly adminUser: string;
  /** Key of the administrator's password in `credentials`. */
  readonly adminKey: string;
  /** Key of the application account's password in `credentials`. */
  readonly appKey: string;
  /** How the engine's props name the administrator's key, e.g. `superuser` (`credentialKeys.superuser`). */
  readonly adminKeyName: string;
  /** Key of the exporter account's password, when there is an exporter. @default - no exporter */
  readonly exporterKey?: string;
}

/** The application's database, account and password as `<prefix>DATABASE`, `<prefix>USER` and `<prefix>PASSWORD`, in that order. */
export function accountEnv(prefix: string, database: string, user: string, password: SecretKeyValue): Record<string, string | SecretKeyValue> {
  return { [`${prefix}DATABASE`]: database, [`${prefix}USER`]: user, [`${prefix}PASSWORD`]: password };
}

/**
 * Probes of a database server that may need up to ten minutes before it first answers
 * (initialization on a slow volume, crash recovery): `ready` decides readiness and the
 * startup probe, `alive` only whether the server still answers at all.
 */
export function databaseProbes(
  ready: readonly string[],
  alive: readonly string[],
  started: readonly string[] = ready,
): Pick<StoreContainerProps, 'readiness' | 'liveness' | 'startup'> {
  return {
    readiness: Probe.exec(ready, { timeout: Duration.seconds(5) }),
    liveness: Probe.exec(alive, { timeout: Duration.seconds(5), failureThreshold: 6 }),
    startup: Probe.exec(started, { period: Duration.seconds(5), timeout: Duration.seconds(5), failureThreshold: 120 }),
  };
}

/**
 * A backed-up store that holds one application database and gives the application one
 * account on it (never the administrator's): what the database engines share.
 */
export abstract class DatabaseStore extends BackupableStore {
  /** The application database. */
  public readonly database: string;
  /** The application account. */
  public readonly user: string;
  public readonly backupDatabases: readonly string[];
  private readonly userGiven: boolean;
  private readonly credentials: ISecretSource;
  private readonly accounts: DatabaseAccounts;
  /** The server's certificate and what its clients verify it with; undefined without `tls`. */
  protected tlsPlan?: StoreTlsPlan;

  protected constructor(
    scope: Construct,
    id: string,
    props: DatabaseStoreProps & StatefulStoreProps,
    container: StoreContainerProps,
    engine: EngineSpec,
    accounts: DatabaseAccounts,
  ) {
    super(scope, id, props, container, engine);
    this.credentials = props.credentials;
    this.accounts = accounts;
    this.database = props.database;
    this.user = props.user ?? props.database;
    this.userGiven = props.user !== undefined;
    this.backupDatabases = [this.database];
  }

  /** The administrator's password, by reference (initialization, backups, restores). */
  public get adminPassword(): SecretKeyValue {
    return fromSecret(this.credentials, this.accounts.adminKey);
  }

  /** The application account's password, by reference. */
  public get appPassword(): SecretKeyValue {
    return fromSecret(this.credentials, this.accounts.appKey);
  }

  /** The exporter account's password, by reference; undefined without an exporter. */
  public get exporterPassword(): SecretKeyValue | undefined {
    const key = this.accounts.exporterKey;
    return key === undefined ? undefined : fromSecret(this.credentials, key);
  }

  /** The application account on the application database, through the client Service. */
  public connectionInfo(): ConnectionInfo {
    const tls = this.tlsPlan ? this.tlsConnection(this.tlsPlan) : {};
    return this.connectionWith(this.accounts.scheme, { database: this.database, user: this.user, password: this.appPassword, ...tls });
  }

  public adminConnection(): AdminConnection {
    const tls = this.tlsPlan ? this.tlsConnection(this.tlsPlan).tls : undefined;
    return { host: this.host, port: this.clientPort, user: this.accounts.adminUser, password: this.adminPassword, ...(tls ? { tls } : {}) };
  }

  /** How the engine's clients verify a store that requires TLS: the CA, the variables and the URL parameters. */
  protected tlsConnection(_plan: StoreTlsPlan): Pick<ConnectionInfo, 'tls' | 'params'> {
    return {};
  }

  /**
   * The user's init scripts: the generated `runner` in the store's config ConfigMap (in
   * `configDir`, and then where the entrypoint looks, see mountEntrypointScripts), and the
   * files in a ConfigMap of their own (`<name>-init-scripts`), mounted read-only at
   * /etc/init-scripts. That one is not hashed into the pods: changing the files does nothing
   * to a database that exists, so it must not restart it.
   * @returns the runner's key, for mountEntrypointScripts
   */
  protected addInitScripts(files: readonly InitScript[], runner: string, configDir: string): string {
    this.addConfigFile(INIT_SCRIPTS_RUNNER, runner, configDir);
    const name = `${this.name}-init-scripts`;
    new k8s.KubeConfigMap(this, 'init-scripts', { metadata: { name }, data: initScriptsData(files) });
    this.addVolume({ name: 'init-scripts', configMap: { name, defaultMode: 0o444 } });
    this.container.mount(INIT_SCRIPTS_DIR, 'init-scripts', { readOnly: true });
    return INIT_SCRIPTS_RUNNER;
  }

  /**
   * The store's config ConfigMap again, only the scripts `keys`, executable, in the image's
   * init directory (/docker-entrypoint-initdb.d), which its entrypoint runs on an empty volume.
   */
  protected mountEntrypointScripts(keys: readonly string[], initDbDir: string): void {
    this.addVolume({ name: 'initdb', configMap: { name: `${this.name}-config`, items: keys.map((k) => ({ key: k, path: k })), defaultMode: 0o555 } });
    this.container.mount(initDbDir, 'initdb', { readOnly: true });
  }

  /**
   * Reports a key of `credentials` given to two accounts: the administrator, the
   * application, `more` (e.g. the MongoDB keyfile) and the exporter.
   */
  protected checkAccountKeys(report: ValidationReport, why: string, ...more: Array<[string, string]>): void {
    const a = this.accounts;
    const keys: Array<[string, string]> = [[`credentialKeys.${a.adminKeyName}`, a.adminKey], ['credentialKeys.app', a.appKey], ...more];
    if (a.exporterKey !== undefined) keys.push(['monitoring.passwordKey', a.exporterKey]);
    this.checkDistinctKeys(report, keys, why);
  }

  /** Reports why the engine rejects the database or account name (each check's answer, undefined when fine). */
  protected checkNames(report: ValidationReport, check: (name: string, what: 'database' | 'user') => string | undefined): void {
    const databaseProblem = check(this.database, 'database');
    if (databaseProblem) report.error('store.database', 'database', databaseProblem);
    const userProblem = check(this.user, 'user');
    if (userProblem) report.error('store.user', 'user', this.userGiven ? userProblem : `${userProblem} (the default is the database name; set user)`);
  }
}
