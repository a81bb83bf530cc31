import { Construct } from 'constructs';
import { CertManagerIssuer, CertManagerIssuerProps } from './cert-manager-issuer';
import { IssuerTrust } from './issuer';
import { checkProps } from '../core/prop-check';

export interface SelfSignedIssuerProps extends CertManagerIssuerProps {}

/**
 * A cert-manager issuer that signs each certificate with its own key: for dev, where a
 * browser warning is acceptable and no ACME server can reach the cluster. Also the root
 * of a CaIssuer's bootstrap.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SelfSignedIssuer extends CertManagerIssuer {
  public readonly trust: IssuerTrust = 'self-signed';
  public readonly issuesWildcards = true;

  constructor(scope: Construct, id: string, props: SelfSignedIssuerProps = {}) {
    super(scope, id, props, 'certificate-issuer');
    checkProps(this, 'SelfSignedIssuerProps', props);
    this.renderIssuer({ selfSigned: {} });
  }
}
