import { Construct } from 'constructs';
import { SystemChart } from '../core/system-chart';
import { AcmeIssuer, AcmeIssuerProps, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from './acme-issuer';
import { IIssuer } from './issuer';
import { SelfSignedIssuer } from './self-signed-issuer';

export interface EnvironmentIssuerProps extends Omit<AcmeIssuerProps, 'server' | 'allowEnvironmentMismatch'> {}

/**
 * The issuer the environment asks for (`environment.tls`): Let's Encrypt production or
 * staging (an AcmeIssuer), a SelfSignedIssuer, or none at all (undefined) when the
 * environment serves plain HTTP. Charts call it once and hand the result to their
 * endpoints, so no chart decides per environment by hand.
 * @example const issuer = issuerForEnvironment(this, 'letsencrypt', { email: 'ops@acme-corp.io' });
 */
export function issuerForEnvironment(scope: Construct, id: string, props: EnvironmentIssuerProps): IIssuer | undefined {
  const env = SystemChart.of(scope).environment;
  switch (env.tls) {
    case 'acme-production':
      return new AcmeIssuer(scope, id, { ...props, server: LETS_ENCRYPT_PRODUCTION });
    case 'acme-staging':
      return new AcmeIssuer(scope, id, { ...props, server: LETS_ENCRYPT_STAGING });
    case 'self-signed':
      return new SelfSignedIssuer(scope, id, { scope: props.scope, name: props.name });
    case 'none':
      return undefined;
  }
}
