/**
 * Kubernetes object names. Names are derived from construct ids, never hashed, so that
 * a platform engineer reading dist/ sees `api`, `api-config`, `db` rather than
 * `shop-prod-api-deployment-c8f2a9b1`.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Returns a reason the name is not a DNS-1123 label (RFC 1123), or undefined when it is one. */
export function checkDnsLabel(name: string, maxLength = 63): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > maxLength) return `must be at most ${maxLength} characters (is ${name.length})`;
  if (!DNS1123_LABEL.test(name)) {
    return 'must consist of lower case alphanumeric characters or "-", and start and end with an alphanumeric character';
  }
  return undefined;
}

/** Returns a reason the name is not a DNS-1123 subdomain, or undefined when it is one. */
export function checkDnsSubdomain(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return `must be at most 253 characters (is ${name.length})`;
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return 'must consist of lower case alphanumeric characters, "-" or ".", and start and end with an alphanumeric character';
  }
  return undefined;
}

/** Joins name parts with '-', lower-cased; empty parts are dropped. */
export function joinName(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('-')
    .toLowerCase();
}
