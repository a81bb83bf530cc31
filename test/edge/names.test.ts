import { captureGroups, checkEmail, checkIngressHost, checkLiteralPath, hostSlug, parseGoDuration, regexLiteralPrefix } from '../../lib/edge/names';

describe('edge name checks', () => {
  test('hosts', () => {
    expect(['api.loopi.com', '*.loopi.com', 'localhost', 'a-b.c'].map(checkIngressHost)).toEqual([undefined, undefined, undefined, undefined]);
    expect(checkIngressHost('')).toBe('must not be empty');
    expect(checkIngressHost('api.loopi.com:443')).toMatch(/without a port/);
    expect(checkIngressHost(`${'a'.repeat(64)}.loopi.com`)).toMatch(/longer than 63 characters/);
    expect(checkIngressHost('-api.loopi.com')).toMatch(/must consist of lower case/);
  });

  test('literal paths: what the API server and strict ingress-nginx accept', () => {
    expect(checkLiteralPath('/api/v1_beta-2', 'nginx')).toBeUndefined();
    expect(checkLiteralPath('/static/app.js', 'traefik')).toBeUndefined();
    expect(checkLiteralPath('/static/app.js', 'nginx')).toMatch(/may only contain letters/);
    expect(checkLiteralPath('/a//b', 'traefik')).toBe("must not contain '//'");
    expect(checkLiteralPath('/a/..', 'traefik')).toBe("must not end with '/.' or '/..'");
  });

  test('regex helpers', () => {
    expect(regexLiteralPrefix('/api(/|$)(.*)')).toBe('/api');
    expect(regexLiteralPrefix('/(.*)')).toBe('/');
    expect(regexLiteralPrefix('/v1/users')).toBe('/v1/users');
    expect(captureGroups('/api(/|$)(.*)')).toBe(2);
    expect(captureGroups('/a(?:b)')).toBe(0);
  });

  test('Go durations, e-mail addresses, host slugs', () => {
    expect([parseGoDuration('2160h'), parseGoDuration('1h30m'), parseGoDuration('90s'), parseGoDuration('90d'), parseGoDuration('')]).toEqual([
      7776000,
      5400,
      90,
      undefined,
      undefined,
    ]);
    expect(checkEmail('ops@loopi.com')).toBeUndefined();
    expect(checkEmail('ops@mail.example.org')).toMatch(/reserved domain/);
    expect([hostSlug('api.loopi.com'), hostSlug('*.loopi.com')]).toEqual(['api-loopi-com', 'wildcard-loopi-com']);
  });
});
