import { Construct } from 'constructs';
import { ValidationReport } from '../core/validation';
import { BackupableStore } from './backupable-store';
import { EngineSpec, StatefulStoreProps, StoreCommonProps, StoreContainerProps } from './stateful-store';

/** The application's database and account, as PostgreSQL, MySQL and MongoDB take them. */
export interface DatabaseStoreProps extends StoreCommonProps {
  /** The application database. */
  readonly database: string;
  /** The application account. @default - same as `database` */
  readonly user?: string;
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

  protected constructor(scope: Construct, id: string, props: DatabaseStoreProps & StatefulStoreProps, container: StoreContainerProps, engine: EngineSpec) {
    super(scope, id, props, container, engine);
    this.database = props.database;
    this.user = props.user ?? props.database;
    this.userGiven = props.user !== undefined;
    this.backupDatabases = [this.database];
  }

  /** Reports why the engine rejects the database or account name (each check's answer, undefined when fine). */
  protected checkNames(report: ValidationReport, check: (name: string, what: 'database' | 'user') => string | undefined): void {
    const databaseProblem = check(this.database, 'database');
    if (databaseProblem) report.error('database', databaseProblem);
    const userProblem = check(this.user, 'user');
    if (userProblem) report.error('user', this.userGiven ? userProblem : `${userProblem} (the default is the database name; set user)`);
  }
}
