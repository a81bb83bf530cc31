import { CaIssuer } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

describe('CaIssuer', () => {
  test('bootstraps a root CA: a self-signed issuer signs a CA Certificate whose Secret the CA issuer uses', () => {
    const { app, chart } = testChart(testEnv('dev'));
    const ca = new CaIssuer(chart, 'internal-ca');
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Issuer', 'internal-ca-root-signer').spec).toEqual({ selfSigned: {} });
    const root = objectOf(app, 'Certificate', 'internal-ca-root');
    expect(root.spec).toMatchObject({
      isCA: true,
      commonName: 'test-dev internal-ca root CA',
      secretName: 'internal-ca-root-ca',
      duration: '87600h',
      issuerRef: { name: 'internal-ca-root-signer', kind: 'Issuer', group: 'cert-manager.io' },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      usages: ['digital signature', 'cert sign', 'crl sign'],
    });
    expect(root.spec.dnsNames).toBeUndefined();
    expect(objectOf(app, 'Issuer', 'internal-ca').spec).toEqual({ ca: { secretName: 'internal-ca-root-ca' } });
    expect(ca).toMatchObject({ trust: 'ca', caSecretName: 'internal-ca-root-ca', issuerKind: 'Issuer' });
  });

  test('an existing CA key pair: nothing is bootstrapped', () => {
    const { app, chart } = testChart(testEnv('prod'));
    new CaIssuer(chart, 'internal-ca', { caSecretName: 'company-ca', scope: 'cluster' });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'ClusterIssuer', 'test-prod-internal-ca').spec).toEqual({ ca: { secretName: 'company-ca' } });
    expect(objectsOf(app, 'Certificate')).toEqual([]);
  });

  test('a cluster-scoped CA issuer needs an existing key pair', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new CaIssuer(chart, 'internal-ca', { scope: 'cluster' });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[test-dev\/internal-ca\] caSecretName: required for a cluster-scoped CA issuer: cert-manager reads its key pair from its own namespace/,
      ),
    ]);
  });
});
