import { Duration, EdgePolicy } from '../../lib';
import { ValidationReport } from '../../lib/core/validation';
import { checkEdgePolicy, nginxPolicyAnnotations, securityHeaderValues, traefikPolicyMiddlewares } from '../../lib/edge/edge-policy';

const N = 'nginx.ingress.kubernetes.io';

function problems(policy: EdgePolicy, controller: 'nginx' | 'traefik' = 'nginx'): readonly string[] {
  const report = new ValidationReport();
  checkEdgePolicy(report, policy, { controller });
  return report.errors;
}

describe('ingress-nginx annotations', () => {
  test('nothing but the redirect for an empty policy with TLS; nothing at all without', () => {
    expect(nginxPolicyAnnotations({}, true)).toEqual({ [`${N}/ssl-redirect`]: 'true', [`${N}/force-ssl-redirect`]: 'true' });
    expect(nginxPolicyAnnotations({}, false)).toEqual({});
  });

  test('rate limit per second or minute with the burst as a multiplier', () => {
    expect(nginxPolicyAnnotations({ rateLimit: { requests: 10, burst: 20 } }, false)).toEqual({
      [`${N}/limit-rps`]: '10',
      [`${N}/limit-burst-multiplier`]: '2',
    });
    expect(nginxPolicyAnnotations({ rateLimit: { requests: 100, per: 'minute', burst: 300 } }, false)).toEqual({
      [`${N}/limit-rpm`]: '100',
      [`${N}/limit-burst-multiplier`]: '3',
    });
  });

  test('body sizes in nginx units (binary k/m/g, bytes otherwise)', () => {
    const size = (maxBodySize: string) => nginxPolicyAnnotations({ maxBodySize }, false)[`${N}/proxy-body-size`];
    expect([size('8Mi'), size('1Gi'), size('512Ki'), size('10M'), size('1500')]).toEqual(['8m', '1g', '512k', '10000000', '1500']);
  });
});

describe('Traefik middlewares', () => {
  test('per-minute rate limit, burst defaulting to one period', () => {
    expect(traefikPolicyMiddlewares({ rateLimit: { requests: 100, per: 'minute' }, securityHeaders: false }, false)).toEqual([
      { suffix: 'rate-limit', spec: { rateLimit: { average: 100, period: expect.objectContaining({ value: '1m' }), burst: 100 } } },
    ]);
  });

  test('no HSTS without TLS; extra headers as customResponseHeaders', () => {
    const [headers] = traefikPolicyMiddlewares({ securityHeaders: { frameOptions: false, extra: { 'Permissions-Policy': 'camera=()' } } }, false);
    expect(headers).toEqual({
      suffix: 'security-headers',
      spec: {
        headers: expect.objectContaining({
          contentTypeNosniff: true,
          referrerPolicy: 'strict-origin-when-cross-origin',
          customResponseHeaders: { 'Permissions-Policy': 'camera=()' },
        }),
      },
    });
    expect(headers.spec.headers?.stsSeconds).toBeUndefined();
    expect(headers.spec.headers?.frameDeny).toBeUndefined();
  });

  test('SAMEORIGIN frames through customFrameOptionsValue', () => {
    const [headers] = traefikPolicyMiddlewares({ securityHeaders: { frameOptions: 'SAMEORIGIN' } }, true).filter(
      (m) => m.suffix === 'security-headers',
    );
    expect(headers.spec.headers).toMatchObject({ customFrameOptionsValue: 'SAMEORIGIN', stsSeconds: 31536000 });
  });
});

describe('security header values', () => {
  test('defaults, and HSTS only with TLS', () => {
    expect(securityHeaderValues({}, true)).toEqual({
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
    });
    expect(securityHeaderValues({}, false)['Strict-Transport-Security']).toBeUndefined();
    expect(securityHeaderValues({ securityHeaders: false }, true)).toEqual({});
  });
});

describe('checkEdgePolicy', () => {
  test('a valid policy', () => {
    expect(
      problems({
        rateLimit: { requests: 10, burst: 20 },
        timeouts: { connect: Duration.seconds(5), read: Duration.seconds(60), send: Duration.seconds(60) },
        maxBodySize: '8Mi',
      }),
    ).toEqual([]);
    expect(problems({ rateLimit: { requests: 10, burst: 25 } }, 'traefik')).toEqual([]);
  });

  test.each([
    [
      { rateLimit: { requests: 1.5 } },
      'policy.rateLimit.requests: 1.5 must be a whole number of requests of at least 1 (to turn rate limiting off, leave rateLimit out)',
    ],
    [{ timeouts: { read: Duration.seconds(0) } }, 'policy.timeouts.read: 0s is shorter than the minimum of 1s'],
    [{ timeouts: { read: '60s' as never } }, "policy.timeouts.read: '60s' is a string: give a Duration, Duration.seconds(60)"],
    [{ timeouts: { send: 60 as never } }, 'policy.timeouts.send: must be a Duration such as Duration.seconds(60) (is number 60)'],
    [{ timeouts: { connect: Duration.seconds(2.5) } }, 'policy.timeouts.connect: 2 seconds 500 millis is not a whole number of seconds'],
    [{ timeouts: { connect: Duration.seconds(120) } }, "policy.timeouts.connect: 120 s is more than nginx's limit for connecting (75 seconds)"],
    [{ maxBodySize: '8 MB' }, "policy.maxBodySize: '8 MB' must be a whole number of bytes of at least 1 as a quantity, e.g. '8Mi' or '10M'"],
    [{ maxBodySize: '0' }, "policy.maxBodySize: '0' must be a whole number of bytes of at least 1 as a quantity, e.g. '8Mi' or '10M'"],
    [{ securityHeaders: { extra: { 'X Bad': 'v' } } }, "policy.securityHeaders.extra.X Bad: 'X Bad' must consist of letters, digits, '-' and '_'"],
    [
      { securityHeaders: { extra: { 'X-Ok': 'line\nbreak' } } },
      "policy.securityHeaders.extra.X-Ok: 'line\nbreak' must be non-empty printable ASCII on one line",
    ],
    [
      { securityHeaders: { extra: { 'x-frame-options': 'DENY' } } },
      "policy.securityHeaders.extra.x-frame-options: 'x-frame-options' is set by its own field of securityHeaders; set it there",
    ],
    [
      { securityHeaders: { hsts: { preload: true, maxAge: Duration.seconds(86400) } } },
      'policy.securityHeaders.hsts.preload: preload lists require a maxAge of at least Duration.days(365)',
    ],
    [
      { securityHeaders: { hsts: { preload: true, includeSubdomains: false } } },
      'policy.securityHeaders.hsts.preload: preload lists require includeSubdomains',
    ],
  ] as Array<[EdgePolicy, string]>)('%j', (policy, expected) => {
    expect(problems(policy)).toEqual([expected]);
  });
});
