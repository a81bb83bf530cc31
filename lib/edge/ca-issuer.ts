import { Construct } from 'constructs';
import { checkDnsSubdomain } from '../core/naming';
import { ValidationReport } from '../core/validation';
import { Duration } from '../core/duration';
import { CertManagerIssuer, CertManagerIssuerProps } from './cert-manager-issuer';
import { Certificate } from './certificate';
import { IssuerTrust } from './issuer';
import { SelfSignedIssuer } from './self-signed-issuer';
import { checkProps } from '../core/prop-check';

export interface CaIssuerProps extends CertManagerIssuerProps {
  /**
   * Secret holding the CA's key pair (`tls.crt`, `tls.key`). A ClusterIssuer reads it from
   * cert-manager's own namespace, an Issuer from the system's namespace.
   * @default - a root CA bootstrapped in the system's namespace (namespaced issuers only)
   */
  readonly caSecretName?: string;
  /** Lifetime of a bootstrapped root CA. @default Duration.days(3650) (10 years) */
  readonly rootDuration?: Duration;
}

/**
 * A private certificate authority for in-cluster TLS (a database serving TLS to its
 * clients). Without `caSecretName` it bootstraps itself the cert-manager way: a
 * self-signed issuer signs a root CA Certificate, whose Secret (`<name>-root-ca`) this CA
 * issuer then signs with; clients trust that Secret's `ca.crt`.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class CaIssuer extends CertManagerIssuer {
  public readonly trust: IssuerTrust = 'ca';
  public readonly issuesWildcards = true;
  /** The Secret with the CA's key pair and, for clients, its `ca.crt`. */
  public readonly caSecretName: string;
  /** The bootstrapped root CA, when there is one. */
  public readonly root?: Certificate;

  constructor(
    scope: Construct,
    id: string,
    private readonly caProps: CaIssuerProps = {},
  ) {
    super(scope, id, caProps, 'certificate-issuer');
    checkProps(this, 'CaIssuerProps', caProps);
    this.caSecretName = caProps.caSecretName ?? `${this.issuerName}-root-ca`;
    if (caProps.caSecretName === undefined && this.issuerKind === 'Issuer') {
      const signer = new SelfSignedIssuer(this, 'root-signer', { name: `${this.issuerName}-root-signer` });
      this.root = new Certificate(this, 'root', {
        issuer: signer,
        name: `${this.issuerName}-root`,
        secretName: this.caSecretName,
        isCa: true,
        commonName: `${this.chart.namespaceName} ${id} root CA`,
        duration: caProps.rootDuration ?? Duration.days(3650),
        renewBefore: Duration.days(30),
      });
    }
    this.renderIssuer({ ca: { secretName: this.caSecretName } });
  }

  protected validateIssuer(report: ValidationReport): void {
    super.validateIssuer(report);
    if (this.caProps.caSecretName === undefined && this.issuerKind === 'ClusterIssuer') {
      report.error(
        'ca-issuer.ca-secret-name.required-cluster',
        'caSecretName',
        "required for a cluster-scoped CA issuer: cert-manager reads its key pair from its own namespace, where this chart creates nothing (or use scope: 'namespace' to bootstrap one)",
      );
    }
    const reason = checkDnsSubdomain(this.caSecretName);
    if (reason) report.error('ca-issuer.ca-secret-name.invalid', 'caSecretName', `'${this.caSecretName}' ${reason}`);
  }
}
