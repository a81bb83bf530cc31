import { Construct } from 'constructs';
import { ClusterIssuer, ClusterIssuerSpec } from '../../imports/clusterissuers-cert-manager.io';
import { Issuer, IssuerSpec } from '../../imports/issuers-cert-manager.io';
import { markComponent } from '../core/component';
import { checkDnsSubdomain, joinName } from '../core/naming';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { IIssuer, IssuerKind, IssuerTrust, otherClusterIssuers, registerClusterIssuer } from './issuer';
import { requirePlatform } from '../core/platform-requirements';

/** Where an issuer can be used from. */
export type IssuerScope =
  /** A ClusterIssuer: any namespace may request certificates from it. */
  | 'cluster'
  /** An Issuer in the system's namespace: only the system itself can use it. */
  | 'namespace';

export interface CertManagerIssuerProps {
  /**
   * Cluster-wide (ClusterIssuer) or for this system only (Issuer). A namespaced issuer keeps
   * everything it needs (its account key, DNS credentials) in the system's own namespace
   * and cannot collide with another system's.
   * @default 'namespace'
   */
  readonly scope?: IssuerScope;
  /**
   * Object name. A ClusterIssuer's name is cluster-wide, so by default it includes the
   * system and environment (the namespace): two systems each declaring a `letsencrypt`
   * issuer do not overwrite each other. An explicit name must be unique among the
   * environment's systems (each environment is its own cluster, with its own platform layer).
   * @default - the construct id for an Issuer; `<namespace>-<id>` for a ClusterIssuer
   */
  readonly name?: string;
}

/**
 * The shared shape of the cert-manager issuers (cert-manager.io/v1): a ClusterIssuer or an
 * Issuer with a spec each kind of issuer fills in, named so it cannot collide.
 */
export abstract class CertManagerIssuer extends Construct implements IIssuer {
  public readonly issuerName: string;
  public readonly issuerKind: IssuerKind;
  public readonly issuerNamespace?: string;
  public readonly chart: SystemChart;
  public abstract readonly trust: IssuerTrust;
  public readonly describe: string;

  protected constructor(scope: Construct, id: string, props: CertManagerIssuerProps, component: string) {
    super(scope, id);
    this.chart = SystemChart.of(this);
    const cluster = (props.scope ?? 'namespace') === 'cluster';
    this.issuerKind = cluster ? 'ClusterIssuer' : 'Issuer';
    this.issuerName = props.name ?? (cluster ? joinName(this.chart.namespaceName, id) : id);
    this.issuerNamespace = cluster ? undefined : this.chart.namespaceName;
    this.describe = `${this.issuerKind} '${this.issuerName}' (${this.node.path})`;
    markComponent(this, { name: this.issuerName, component });
    if (cluster) registerClusterIssuer(this, this.issuerName, this.chart.environment?.name);
    requirePlatform(this, { component: 'cert-manager', minVersion: '1.0.0', reason: `cert-manager.io/v1 ${this.issuerKind}` });
    addCheck(this, (report) => this.validateIssuer(report));
  }

  /** Creates the object; subclasses call it once their spec is known. */
  protected renderIssuer(spec: ClusterIssuerSpec): void {
    const metadata = { name: this.issuerName };
    if (this.issuerKind === 'ClusterIssuer') new ClusterIssuer(this, 'resource', { metadata, spec });
    // The two generated spec types are the same schema; they differ only in enum type names.
    else new Issuer(this, 'resource', { metadata, spec: spec as unknown as IssuerSpec });
  }

  protected validateIssuer(report: ValidationReport): void {
    const reason = checkDnsSubdomain(this.issuerName);
    if (reason) report.error('issuer.name.invalid', 'name', `'${this.issuerName}' ${reason}`);
    if (this.issuerKind === 'ClusterIssuer') {
      for (const other of otherClusterIssuers(this, this.issuerName, this.chart.environment?.name)) {
        report.error(
          'issuer.name.clusterissuer-also',
          'name',
          `ClusterIssuer '${this.issuerName}' is also declared by ${other.node.path}; ClusterIssuer names are cluster-wide, so one would overwrite the other (leave name unset for a per-system name, or reference the shared one with IssuerRef.clusterIssuer)`,
        );
      }
    }
  }
}
