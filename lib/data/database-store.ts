import { Construct } from 'constructs';
import { ValidationReport } from '../core/validation';
import { ISecretSource } from '../security/secret-source';
import { fromSecret, SecretKeyValue } from '../workloads/env';
import type { AdminConnection } from '../backup/backupable';
import { BackupableStore } from './backupable-store';
import { ConnectionInfo } from './connection';
import { EngineSpec, StatefulStoreProps, StoreCommonProps, StoreContainerProps } from './stateful-store';

/** The application's database and account, as PostgreSQL, MySQL and MongoDB take them. */
export interface DatabaseStoreProps extends StoreCommonProps {
  /** The application database. */
  readonly database: string;
  /** The application account. @default - same as `database` */
  readonly user?: string;
  /** Secret holding the passwords, by reference only. */
  readonly credentials: ISecretSource;
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

  /** The application account on the application database, through the client Service. */
  public connectionInfo(): ConnectionInfo {
    return this.connectionWith(this.accounts.scheme, { database: this.database, user: this.user, password: this.appPassword });
  }

  public adminConnection(): AdminConnection {
    return { host: this.host, port: this.engine.port.port, user: this.accounts.adminUser, password: this.adminPassword };
  }

  /** Reports why the engine rejects the database or account name (each check's answer, undefined when fine). */
  protected checkNames(report: ValidationReport, check: (name: string, what: 'database' | 'user') => string | undefined): void {
    const databaseProblem = check(this.database, 'database');
    if (databaseProblem) report.error('database', databaseProblem);
    const userProblem = check(this.user, 'user');
    if (userProblem) report.error('user', this.userGiven ? userProblem : `${userProblem} (the default is the database name; set user)`);
  }
}
