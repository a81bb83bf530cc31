import { AcmeIssuer, issuerForEnvironment, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, SelfSignedIssuer } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';

describe('issuerForEnvironment', () => {
  test.each([
    ['prod', LETS_ENCRYPT_PRODUCTION, 'acme-production'],
    ['staging', LETS_ENCRYPT_STAGING, 'acme-staging'],
  ] as const)('%s: an ACME issuer on %s', (env, server, trust) => {
    const { app, chart } = testChart(testEnv(env));
    const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com', scope: 'cluster' });
    expect(issuer).toBeInstanceOf(AcmeIssuer);
    expect(issuer?.trust).toBe(trust);
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'ClusterIssuer', `test-${env}-letsencrypt`).spec.acme.server).toBe(server);
  });

  test('dev (tls self-signed): a self-signed issuer', () => {
    const { app, chart } = testChart(testEnv('dev'));
    const issuer = issuerForEnvironment(chart, 'tls', { email: 'ops@loopi.com' });
    expect(issuer).toBeInstanceOf(SelfSignedIssuer);
    expect(objectOf(app, 'Issuer', 'tls').spec).toEqual({ selfSigned: {} });
  });

  test("tls 'none': no issuer and no object", () => {
    const { chart } = testChart(testEnv('dev', { tls: 'none' }));
    expect(issuerForEnvironment(chart, 'tls', { email: 'ops@loopi.com' })).toBeUndefined();
    expect(chart.node.tryFindChild('tls')).toBeUndefined();
  });
});
