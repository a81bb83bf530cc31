import { AcmeIssuer, Dns01Solver, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, SystemChart } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

describe('AcmeIssuer', () => {
  test("prod: a namespaced Issuer for Let's Encrypt production, HTTP-01 through the nginx class on a ClusterIP Service", () => {
    const { app, chart } = testChart(testEnv('prod'), 'loopi');
    const issuer = new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com' });
    expect(errorsOf(app)).toEqual([]);
    const object = objectOf(app, 'Issuer', 'letsencrypt');
    expect(object.apiVersion).toBe('cert-manager.io/v1');
    expect(object.metadata.namespace).toBe('loopi-prod');
    expect(object.spec).toEqual({
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        email: 'ops@loopi.com',
        privateKeySecretRef: { name: 'letsencrypt-account-key' },
        solvers: [{ http01: { ingress: { ingressClassName: 'nginx', serviceType: 'ClusterIP' } } }],
      },
    });
    expect(issuer).toMatchObject({
      issuerName: 'letsencrypt',
      issuerKind: 'Issuer',
      issuerNamespace: 'loopi-prod',
      trust: 'acme-production',
      issuesWildcards: false,
    });
    expect(issuer.http01).toEqual({ ingressClassName: 'nginx' });
  });

  test('staging and dev default to the staging endpoint', () => {
    for (const env of ['staging', 'dev'] as const) {
      const { app, chart } = testChart(testEnv(env));
      const issuer = new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com' });
      expect(errorsOf(app)).toEqual([]);
      expect(objectOf(app, 'Issuer', 'letsencrypt').spec.acme.server).toBe(LETS_ENCRYPT_STAGING);
      expect(issuer.trust).toBe('acme-staging');
    }
  });

  test('a ClusterIssuer is named after the system and environment, has no namespace, and a Traefik solver on request', () => {
    const { app, chart } = testChart(testEnv('prod'), 'features');
    const issuer = new AcmeIssuer(chart, 'letsencrypt', {
      email: 'ops@features.dev',
      scope: 'cluster',
      http01: { controller: 'traefik' },
      accountKeySecretName: 'features-acme',
    });
    expect(errorsOf(app)).toEqual([]);
    const object = objectOf(app, 'ClusterIssuer', 'features-prod-letsencrypt');
    expect(object.metadata.namespace).toBeUndefined();
    expect(object.spec.acme.privateKeySecretRef).toEqual({ name: 'features-acme' });
    expect(object.spec.acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: 'traefik', serviceType: 'ClusterIP' } } }]);
    expect(issuer.issuerKind).toBe('ClusterIssuer');
    expect(issuer.issuerNamespace).toBeUndefined();
  });

  test('two systems in one environment each declare a ClusterIssuer without colliding', () => {
    const { app, chart } = testChart(testEnv('prod'), 'loopi');
    const other = new SystemChart(app, { system: 'chat', environment: testEnv('prod') });
    new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com', scope: 'cluster' });
    new AcmeIssuer(other, 'letsencrypt', { email: 'ops@chatnomina.com', scope: 'cluster' });
    expect(errorsOf(app)).toEqual([]);
    expect(
      objectsOf(app, 'ClusterIssuer')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['chat-prod-letsencrypt', 'loopi-prod-letsencrypt']);
  });

  test('DNS-01 through Cloudflare: an API token by reference, wildcard-capable, no HTTP-01', () => {
    const { app, chart } = testChart();
    const issuer = new AcmeIssuer(chart, 'letsencrypt', {
      email: 'ops@loopi.com',
      dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'cloudflare-api', key: 'token' } }),
    });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Issuer', 'letsencrypt').spec.acme.solvers).toEqual([
      { dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-api', key: 'token' } } } },
    ]);
    expect(issuer.issuesWildcards).toBe(true);
    expect(issuer.http01).toBeUndefined();
  });

  test('DNS-01 through Route53 with credentials by reference, next to HTTP-01 for other zones', () => {
    const { app, chart } = testChart();
    new AcmeIssuer(chart, 'letsencrypt', {
      email: 'ops@loopi.com',
      http01: {},
      dns01: Dns01Solver.route53({
        region: 'eu-west-1',
        hostedZoneId: 'Z0123456789ABC',
        accessKeyId: { secretName: 'route53', key: 'access-key-id' },
        secretAccessKey: { secretName: 'route53', key: 'secret-access-key' },
        dnsZones: ['internal.loopi.com'],
      }),
    });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Issuer', 'letsencrypt').spec.acme.solvers).toEqual([
      { http01: { ingress: { ingressClassName: 'nginx', serviceType: 'ClusterIP' } } },
      {
        dns01: {
          route53: {
            region: 'eu-west-1',
            hostedZoneID: 'Z0123456789ABC',
            accessKeyIDSecretRef: { name: 'route53', key: 'access-key-id' },
            secretAccessKeySecretRef: { name: 'route53', key: 'secret-access-key' },
          },
        },
        selector: { dnsZones: ['internal.loopi.com'] },
      },
    ]);
  });

  test('Route53 with ambient credentials (IRSA) and a role', () => {
    const { app, chart } = testChart();
    new AcmeIssuer(chart, 'letsencrypt', {
      email: 'ops@loopi.com',
      dns01: Dns01Solver.route53({ role: 'arn:aws:iam::123456789012:role/cert-manager' }),
    });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Issuer', 'letsencrypt').spec.acme.solvers).toEqual([
      { dns01: { route53: { role: 'arn:aws:iam::123456789012:role/cert-manager' } } },
    ]);
  });
});

describe('AcmeIssuer bad input', () => {
  function errors(props: Record<string, unknown>, env = testEnv('prod')): string[] {
    const { app, chart } = testChart(env);
    new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com', ...props } as any);
    return errorsOf(app);
  }

  test.each([
    [
      'no email',
      { email: undefined },
      '[test-prod/letsencrypt] email: required: the ACME account needs a contact address for expiry and revocation notices',
    ],
    [
      'an empty email',
      { email: ' ' },
      '[test-prod/letsencrypt] email: required: the ACME account needs a contact address for expiry and revocation notices',
    ],
    ['not an email', { email: 'ops-at-loopi' }, "[test-prod/letsencrypt] email: 'ops-at-loopi' is not an e-mail address"],
    [
      'a reserved domain',
      { email: 'admin@example.com' },
      "[test-prod/letsencrypt] email: 'admin@example.com' uses a reserved domain; the ACME server refuses to register it and sends expiry warnings nowhere",
    ],
    [
      'a plain-http server',
      { server: 'http://acme.local/directory', allowEnvironmentMismatch: true },
      "[test-prod/letsencrypt] server: 'http://acme.local/directory' must be an https:// ACME directory URL",
    ],
    ['no solver', { http01: false }, '[test-prod/letsencrypt] http01: an ACME issuer needs a challenge solver: keep http01 or set dns01'],
    [
      'a ClusterIssuer name that is not a DNS name',
      { scope: 'cluster', name: 'Lets_Encrypt' },
      expect.stringMatching(/^\[test-prod\/letsencrypt\] name: 'Lets_Encrypt' must consist of lower case/),
    ],
  ])('%s', (_name, props, expected) => {
    expect(errors(props)).toEqual([expected]);
  });

  test('production environment pointing at the staging endpoint, and the other way round, unless allowed', () => {
    expect(errors({ server: LETS_ENCRYPT_STAGING })).toEqual([
      expect.stringMatching(
        /^\[test-prod\/letsencrypt\] server: Issuer 'letsencrypt' \(test-prod\/letsencrypt\) uses the ACME staging endpoint in prod/,
      ),
    ]);
    expect(errors({ server: LETS_ENCRYPT_PRODUCTION }, testEnv('staging'))).toEqual([
      expect.stringMatching(
        /^\[test-staging\/letsencrypt\] server: .* uses the ACME production endpoint in staging \(environment tls: 'acme-staging'\)/,
      ),
    ]);
    expect(errors({ server: LETS_ENCRYPT_PRODUCTION }, testEnv('dev'))).toEqual([expect.stringMatching(/uses the ACME production endpoint in dev/)]);
    expect(errors({ server: LETS_ENCRYPT_STAGING, allowEnvironmentMismatch: true })).toEqual([]);
    // An environment that asks for production certificates may use them outside prod.
    expect(errors({ server: LETS_ENCRYPT_PRODUCTION }, testEnv('staging', { tls: 'acme-production' }))).toEqual([]);
  });

  test('DNS-01 credentials: only by valid reference, both AWS keys or neither, zones required next to HTTP-01', () => {
    expect(errors({ dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'Cloudflare', key: 'api token' } }) })).toEqual([
      expect.stringMatching(/dns01\.apiToken\.secretName: 'Cloudflare' must consist of lower case/),
      expect.stringMatching(/dns01\.apiToken\.key: 'api token' must consist of letters, digits/),
    ]);
    expect(errors({ dns01: Dns01Solver.route53({ region: 'eu-west-1', accessKeyId: { secretName: 'aws', key: 'id' } }) })).toEqual([
      '[test-prod/letsencrypt] dns01.secretAccessKey: set accessKeyId and secretAccessKey together, or neither (ambient credentials)',
    ]);
    expect(errors({ dns01: Dns01Solver.route53({ region: 'Ireland', role: 'cert-manager', hostedZoneId: 'abc' }) })).toEqual([
      "[test-prod/letsencrypt] dns01.role: 'cert-manager' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
      "[test-prod/letsencrypt] dns01.region: 'Ireland' is not an AWS region (e.g. eu-west-1)",
      "[test-prod/letsencrypt] dns01.hostedZoneId: 'abc' is not a Route53 hosted zone id (Z...)",
    ]);
    expect(errors({ http01: {}, dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'cf', key: 'token' } }) })).toEqual([
      '[test-prod/letsencrypt] dns01.dnsZones: with both HTTP-01 and DNS-01, list the zones DNS-01 is for; otherwise cert-manager cannot tell which solver a name uses',
    ]);
    expect(errors({ dns01: Dns01Solver.cloudflare({ apiToken: { secretName: 'cf', key: 'token' }, dnsZones: ['*.loopi.com'] }) })).toEqual([
      "[test-prod/letsencrypt] dns01.dnsZones[0]: '*.loopi.com' must be a zone name, not a wildcard",
    ]);
  });

  test('two ClusterIssuers with the same explicit name in one app', () => {
    const { app, chart } = testChart(testEnv('prod'), 'loopi');
    const other = new SystemChart(app, { system: 'chat', environment: testEnv('prod') });
    new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com', scope: 'cluster', name: 'letsencrypt-prod' });
    new AcmeIssuer(other, 'letsencrypt', { email: 'ops@chatnomina.com', scope: 'cluster', name: 'letsencrypt-prod' });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[loopi-prod\/letsencrypt\] name: ClusterIssuer 'letsencrypt-prod' is also declared by chat-prod\/letsencrypt; ClusterIssuer names are cluster-wide/,
      ),
      expect.stringMatching(/^\[chat-prod\/letsencrypt\] name: ClusterIssuer 'letsencrypt-prod' is also declared by loopi-prod\/letsencrypt/),
    ]);
  });

  test('the same explicit ClusterIssuer name in two environments: two clusters, two objects, no error', () => {
    const { app, chart } = testChart(testEnv('prod'), 'loopi');
    const dev = new SystemChart(app, { system: 'loopi', environment: testEnv('dev') });
    new AcmeIssuer(chart, 'letsencrypt', { email: 'ops@loopi.com', scope: 'cluster', name: 'letsencrypt' });
    new AcmeIssuer(dev, 'letsencrypt', { email: 'ops@loopi.com', scope: 'cluster', name: 'letsencrypt' });
    expect(errorsOf(app).filter((e) => e.includes('also declared'))).toEqual([]);
  });
});
