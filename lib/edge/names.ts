/**
 * Checks for what the edge constructs take as plain strings: host names, HTTP paths,
 * regular expressions, header names, Go durations and e-mail addresses. Each returns
 * the reason a value is invalid, or undefined when it is valid, so constructs can report
 * it on the field at fault.
 */
import { checkDnsSubdomain } from '../core/naming';
import { IngressController } from './ingress-controller';

/**
 * An Ingress rule host: a lower-case DNS name (RFC 1123), optionally a wildcard for its
 * first label (`*.example.com`); never an IP address or a port, which the API server rejects.
 */
export function checkIngressHost(host: string): string | undefined {
  if (host.length === 0) return 'must not be empty';
  if (/:/.test(host)) return 'must be a DNS name without a port or scheme';
  if (/^[0-9.]+$/.test(host)) return 'must be a DNS name, not an IP address';
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name.includes('*')) return "may only be a wildcard in its first label ('*.example.com')";
  if (host !== host.toLowerCase()) return 'must be lower case';
  const reason = checkDnsSubdomain(name);
  if (reason) return reason;
  const long = name.split('.').find((label) => label.length > 63);
  if (long) return `label '${long}' is longer than 63 characters`;
  return undefined;
}

/**
 * ingress-nginx (since 1.12, `strict-validate-path-type: true` by default) rejects a
 * Prefix or Exact path with anything but letters, digits, '_', '-' and '/'.
 */
const NGINX_STRICT_PATH = /^\/[A-Za-z0-9_\-/]*$/;

/** Why an Exact or Prefix path is invalid for the API server or the controller. */
export function checkLiteralPath(path: string, controller: IngressController): string | undefined {
  if (!path.startsWith('/')) return "must start with '/'";
  if (/\s/.test(path)) return 'must not contain white space';
  // The API server's own checks for Exact and Prefix paths.
  for (const bad of ['//', '/./', '/../', '%2f', '%2F']) if (path.includes(bad)) return `must not contain '${bad}'`;
  if (path.endsWith('/..') || path.endsWith('/.')) return "must not end with '/.' or '/..'";
  if (controller === 'nginx' && !NGINX_STRICT_PATH.test(path)) {
    return "may only contain letters, digits, '_', '-' and '/' (ingress-nginx validates Prefix and Exact paths strictly); use match: 'Regex' for anything else";
  }
  return undefined;
}

/** Why a regex path is invalid: it must be an absolute path that compiles. */
export function checkRegexPath(path: string): string | undefined {
  if (!path.startsWith('/')) return "a regex path must start with '/' (the controller anchors it with '^')";
  if (/\s/.test(path)) return 'must not contain white space';
  try {
    new RegExp(path);
  } catch (e) {
    return `is not a valid regular expression: ${(e as Error).message}`;
  }
  return undefined;
}

/** Number of capture groups of a (valid) regular expression. */
export function captureGroups(regex: string): number {
  return (new RegExp(`${regex}|`).exec('') as RegExpExecArray).length - 1;
}

/** The capture groups a rewrite refers to (`$1`, `${2}`). */
export function referencedGroups(rewrite: string): number[] {
  return [...rewrite.matchAll(/\$\{?([0-9]+)\}?/g)].map((m) => parseInt(m[1], 10));
}

/**
 * The literal start of a regex path, up to its first special character: `/api(/|$)(.*)`
 * → `/api`. Traefik's Ingress provider matches paths literally (a Prefix path becomes a
 * character-wise PathPrefix rule), so a regex route is matched by this prefix and
 * rewritten by a ReplacePathRegex middleware that applies the full expression.
 */
export function regexLiteralPrefix(regex: string): string {
  const index = regex.search(/[\\^$.|?*+()[\]{}]/);
  const literal = index === -1 ? regex : regex.slice(0, index);
  return literal.length === 0 ? '/' : literal;
}

/** HTTP header names (RFC 9110 tokens, as ingress-nginx's custom-headers accepts them). */
export function checkHeaderName(name: string): string | undefined {
  return /^[A-Za-z0-9_-]+$/.test(name) ? undefined : "must consist of letters, digits, '-' and '_'";
}

/** Header values ingress-nginx's custom-headers accepts (printable ASCII without newlines). */
export function checkHeaderValue(value: string): string | undefined {
  return /^[A-Za-z0-9_ :;.,\\/"'?!(){}[\]@<>=\-+*#$&`|~^%]+$/.test(value) ? undefined : 'must be non-empty printable ASCII on one line';
}

const DURATION_UNITS: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** A Go duration (`2160h`, `1h30m`, `90s`) in seconds, or undefined when it does not parse. */
export function parseGoDuration(value: string): number | undefined {
  if (!/^([0-9]+(\.[0-9]+)?(h|ms|us|µs|ns|m|s))+$/.test(value)) return undefined;
  let seconds = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(h|ms|us|µs|ns|m|s)/g)) seconds += parseFloat(m[1]) * DURATION_UNITS[m[2]];
  return seconds;
}

/**
 * Let's Encrypt refuses to register accounts for reserved and example domains, so an
 * issuer with such an address never becomes ready.
 */
const FORBIDDEN_EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'localhost', 'invalid', 'test'];

/** Why an ACME contact address is unusable, or undefined. */
export function checkEmail(email: string): string | undefined {
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return `'${email}' is not an e-mail address`;
  const domain = email.split('@')[1].toLowerCase();
  if (FORBIDDEN_EMAIL_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`))) {
    return `'${email}' uses a reserved domain; the ACME server refuses to register it and sends expiry warnings nowhere`;
  }
  return undefined;
}

/** Secret key names (the API server's rule for keys of `data`). */
export function checkSecretKey(key: string): string | undefined {
  return /^[-._a-zA-Z0-9]+$/.test(key) ? undefined : "must consist of letters, digits, '-', '_' or '.'";
}

/** `api.acme-corp.io` → `api-acme-corp-io`; `*.acme-corp.io` → `wildcard-acme-corp-io`. */
export function hostSlug(host: string): string {
  return host
    .replace(/^\*\./, 'wildcard.')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '');
}
