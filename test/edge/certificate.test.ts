import { AcmeIssuer, CaIssuer, Certificate, Duration, IssuerRef, SystemChart } from '../../lib';
import { errorsOf, objectOf, testChart, testEnv } from '../support/synth';
import { webService } from './support';

describe('Certificate', () => {
  test('in-cluster TLS for a Service: every name clients use, ECDSA, key rotated on renewal, 90 days renewed 30 days ahead', () => {
    const { app, chart } = testChart(testEnv('prod'), 'loopi');
    const db = webService(chart, 'db', 5432, [{ name: 'postgres', port: 5432 }]);
    const ca = new CaIssuer(chart, 'internal-ca');
    const cert = new Certificate(chart, 'db-tls', { issuer: ca, service: db });
    expect(errorsOf(app)).toEqual([]);
    const object = objectOf(app, 'Certificate', 'db-tls');
    expect(object.apiVersion).toBe('cert-manager.io/v1');
    expect(object.spec).toEqual({
      secretName: 'db-tls-tls',
      issuerRef: { name: 'internal-ca', kind: 'Issuer', group: 'cert-manager.io' },
      dnsNames: ['db', 'db.loopi-prod', 'db.loopi-prod.svc', 'db.loopi-prod.svc.cluster.local'],
      duration: '2160h',
      renewBefore: '720h',
      privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8', rotationPolicy: 'Always' },
      usages: ['digital signature', 'server auth'],
      revisionHistoryLimit: 3,
    });
    expect(cert.secretName).toBe('db-tls-tls');
  });

  test('options: extra names, secret name, durations, RSA, mutual TLS, a ClusterIssuer by name', () => {
    const { app, chart } = testChart(testEnv('prod'));
    new Certificate(chart, 'mtls', {
      issuer: IssuerRef.clusterIssuer('company-ca', { trust: 'ca' }),
      dnsNames: ['mq.internal', 'mq.internal'],
      secretName: 'mq-tls',
      duration: Duration.days(30),
      renewBefore: Duration.days(10),
      keyAlgorithm: 'RSA',
      keyEncoding: 'PKCS1',
      clientAuth: true,
    });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Certificate', 'mtls').spec).toMatchObject({
      secretName: 'mq-tls',
      issuerRef: { name: 'company-ca', kind: 'ClusterIssuer' },
      dnsNames: ['mq.internal'],
      duration: '720h',
      renewBefore: '240h',
      privateKey: { algorithm: 'RSA', size: 3072, encoding: 'PKCS1', rotationPolicy: 'Always' },
      usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
    });
  });

  test('a public name from an ACME issuer is fine', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const issuer = new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com' });
    new Certificate(chart, 'api', { issuer, dnsNames: ['api.loopi.com'] });
    expect(errorsOf(app)).toEqual([]);
  });
});

describe('Certificate bad input', () => {
  const ca = IssuerRef.issuer('internal-ca', { trust: 'ca' });
  function errors(props: Record<string, unknown>, env = testEnv('prod')): string[] {
    const { app, chart } = testChart(env);
    new Certificate(chart, 'cert', { issuer: ca, dnsNames: ['db.test-prod.svc'], ...props } as any);
    return errorsOf(app);
  }

  test.each([
    ['no DNS name', { dnsNames: [] }, '[test-prod/cert] dnsNames: a certificate needs at least one DNS name: set service or dnsNames'],
    ['an invalid DNS name', { dnsNames: ['DB'] }, "[test-prod/cert] dnsNames[0]: 'DB' must be lower case"],
    ['a duration that is a string', { duration: '90d' }, "[test-prod/cert] duration: '90d' is a string: give a Duration, Duration.days(90)"],
    [
      'a duration below an hour',
      { duration: Duration.minutes(30), renewBefore: Duration.minutes(10) },
      "[test-prod/cert] duration: 30m is shorter than cert-manager's minimum of 1h",
    ],
    [
      'renewBefore below five minutes',
      { renewBefore: Duration.minutes(1) },
      "[test-prod/cert] renewBefore: 1m is shorter than cert-manager's minimum of 5m",
    ],
    [
      'renewBefore not below the duration',
      { duration: Duration.hours(24), renewBefore: Duration.hours(24) },
      '[test-prod/cert] renewBefore: 1d must be shorter than the duration 1d, or the certificate is renewed continuously',
    ],
    ['an invalid secret name', { secretName: 'DB_TLS' }, expect.stringMatching(/secretName: 'DB_TLS' must consist of lower case/)],
    [
      'a CA without a common name',
      { isCa: true, dnsNames: [] },
      '[test-prod/cert] commonName: a CA certificate needs a common name; it names the CA to whoever trusts it',
    ],
  ])('%s', (_name, props, expected) => {
    expect(errors(props)).toEqual([expected]);
  });

  test('in-cluster names from an ACME issuer', () => {
    const out = errors({
      issuer: IssuerRef.clusterIssuer('letsencrypt-prod', { trust: 'acme-production' }),
      dnsNames: ['db', 'db.test-prod.svc', 'db.loopi.com'],
    });
    expect(out).toEqual([
      "[test-prod/cert] issuer: ClusterIssuer 'letsencrypt-prod' is an ACME CA, which only signs public DNS names; 'db', 'db.test-prod.svc' are in-cluster: use a CaIssuer",
    ]);
  });

  test('an ACME staging issuer in prod', () => {
    const out = errors({ issuer: IssuerRef.clusterIssuer('letsencrypt-staging', { trust: 'acme-staging' }), dnsNames: ['db.loopi.com'] });
    expect(out).toEqual([
      expect.stringMatching(/^\[test-prod\/cert\] issuer: ClusterIssuer 'letsencrypt-staging' uses the ACME staging endpoint in prod/),
    ]);
  });

  test("another namespace's Issuer", () => {
    const { app, chart } = testChart(testEnv('prod'), 'one');
    const other = new SystemChart(app, { system: 'two', environment: testEnv('prod') });
    new Certificate(chart, 'cert', { issuer: new CaIssuer(other, 'ca'), dnsNames: ['db.one-prod.svc'] });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[one-prod\/cert\] issuer: Issuer 'ca' \(two-prod\/ca\) is in namespace 'two-prod' and signs only there, not in 'one-prod'/,
      ),
    ]);
  });
});
