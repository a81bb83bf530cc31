/**
 * The public DNS of an environment's cluster (`platform.publicDns`): external-dns, installed by
 * the platform layer, writes the records of every system's public hosts into the provider's
 * zones. Not `platform.dns`, which is the cluster's own resolver (kube-dns) that pods reach.
 *
 * Only Route 53 is supported, with IRSA credentials: the provider's API takes AWS credentials,
 * and an IAM role the ServiceAccount assumes (short-lived STS credentials from a projected
 * token) leaves no access key to store in Vault, rotate or leak. An ExternalSecret from Vault
 * would have to carry exactly such a long-lived key.
 */
import { describeValue } from './describe-value';
import { checkDnsLabel } from './naming';
import { isObject } from './profile-checker';
import type { ValidationReport } from './validation';

/** DNS services external-dns writes to through this library. */
export type PublicDnsProvider = 'route53';

/**
 * What external-dns may do to records it owns (its `--policy`):
 * - `upsert-only`: create and update, never delete; a removed host's record stays until someone deletes it.
 * - `sync`: also delete the records of hosts no longer served. Deletions are limited to records
 *   whose TXT ownership record carries this cluster's `txtOwnerId`, so hand-made records and
 *   those of other clusters in the same zone are never touched.
 */
export type PublicDnsPolicy = 'upsert-only' | 'sync';

/** How external-dns authenticates to the provider. */
export interface PublicDnsIrsaCredentials {
  /** IAM Roles for Service Accounts: the ServiceAccount is annotated with the role. */
  readonly kind: 'irsa';
  /** ARN of the IAM role (route53:ChangeResourceRecordSets on the zones, List* on zones and record sets). */
  readonly roleArn: string;
}

/** Route 53 failover routing of the environment's public hosts: this site's half of the pair. */
export interface PublicDnsFailover {
  /**
   * `primary`: Route 53 answers with this site's records while they are healthy; `secondary`:
   * with this site's only when the primary's are not.
   */
  readonly role: 'primary' | 'secondary';
  /**
   * Tells this site's records from the other site's of the same name (Route 53's
   * SetIdentifier), e.g. `prod-eu-west-1`. Unique per site.
   */
  readonly setIdentifier: string;
  /**
   * A Route 53 health check (its id) that decides this site's health, e.g. an HTTPS check of
   * the system's health path made with the zones. Without one, an alias record to the site's
   * load balancer is healthy while the load balancer has healthy targets (external-dns sets
   * EvaluateTargetHealth on aliases by default): a dead edge or cluster fails over, an
   * application answering errors behind a live edge does not.
   * @default - the alias target's health only
   */
  readonly healthCheckId?: string;
}

/** The environment's public DNS. */
export interface PublicDnsProfile {
  /** The DNS service: Amazon Route 53. */
  readonly provider: PublicDnsProvider;
  /**
   * The domains external-dns may write records in (`--domain-filter`), e.g. `acme-corp.io`
   * or `staging.acme-corp.io`. Every public host of every system of the environment must be
   * in one: a host outside them would get no record.
   */
  readonly domainFilters: readonly string[];
  /**
   * Hosted zone ids (`--zone-id-filter`) when a domain has several zones (a public and a
   * private one of the same name). @default - every zone whose name the domain filters match
   */
  readonly zoneIds?: readonly string[];
  /**
   * Marks the records this cluster owns (TXT registry `--txt-owner-id`): unique per cluster,
   * e.g. `prod-eu-west-1`, so that two clusters writing to one zone never update or delete
   * each other's records.
   */
  readonly txtOwnerId: string;
  /** Whether external-dns deletes records of hosts no longer served. @default 'upsert-only' */
  readonly policy?: PublicDnsPolicy;
  /** The AWS region of the SDK's API calls (Route 53 is global; the SDK needs one), e.g. `eu-west-1`. */
  readonly region: string;
  /** How external-dns authenticates. */
  readonly credentials: PublicDnsIrsaCredentials;
  /** Failover routing of every public host of the environment. @default - simple routing, one record set per host */
  readonly failover?: PublicDnsFailover;
  /** Namespace external-dns runs in. @default 'external-dns' */
  readonly namespace?: string;
}

/** A public DNS profile with its defaults applied. */
export interface ResolvedPublicDns {
  readonly provider: PublicDnsProvider;
  readonly domainFilters: readonly string[];
  readonly zoneIds: readonly string[];
  readonly txtOwnerId: string;
  readonly policy: PublicDnsPolicy;
  readonly region: string;
  readonly credentials: PublicDnsIrsaCredentials;
  readonly failover?: PublicDnsFailover;
  readonly namespace: string;
}

/**
 * The annotations external-dns v0.21.0 reads for Route 53 failover records
 * (source/annotations/annotations.go: `SetIdentifierKey`, the `aws-` prefix that
 * provider_specific.go turns into `aws/failover` and `aws/health-check-id`, which
 * provider/aws/aws.go sets as the record set's Failover and HealthCheckId).
 */
export const EXTERNAL_DNS_ANNOTATIONS = {
  setIdentifier: 'external-dns.alpha.kubernetes.io/set-identifier',
  failover: 'external-dns.alpha.kubernetes.io/aws-failover',
  healthCheckId: 'external-dns.alpha.kubernetes.io/aws-health-check-id',
} as const;

/** The annotations that make a host's record a failover record of this site, or none without failover. */
export function failoverAnnotations(dns: ResolvedPublicDns | undefined): Record<string, string> {
  const f = dns?.failover;
  if (!f) return {};
  return {
    [EXTERNAL_DNS_ANNOTATIONS.setIdentifier]: f.setIdentifier,
    // Route 53's ResourceRecordSetFailover values.
    [EXTERNAL_DNS_ANNOTATIONS.failover]: f.role === 'primary' ? 'PRIMARY' : 'SECONDARY',
    ...(f.healthCheckId ? { [EXTERNAL_DNS_ANNOTATIONS.healthCheckId]: f.healthCheckId } : {}),
  };
}

const FIELDS = ['provider', 'domainFilters', 'zoneIds', 'txtOwnerId', 'policy', 'region', 'credentials', 'failover', 'namespace'];
const FAILOVER_FIELDS = ['role', 'setIdentifier', 'healthCheckId'];
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The profile with defaults, or undefined when the environment has no public DNS (malformed values are reported by checkPublicDns). */
export function resolvePublicDns(raw: unknown): ResolvedPublicDns | undefined {
  if (!isObject(raw)) return undefined;
  const failover = isObject(raw.failover) ? (raw.failover as unknown as PublicDnsFailover) : undefined;
  return {
    provider: 'route53',
    domainFilters: strings(raw.domainFilters).map((d) => d.toLowerCase()),
    zoneIds: strings(raw.zoneIds),
    txtOwnerId: typeof raw.txtOwnerId === 'string' ? raw.txtOwnerId : '',
    policy: raw.policy === 'sync' ? 'sync' : 'upsert-only',
    region: typeof raw.region === 'string' ? raw.region : '',
    credentials: { kind: 'irsa', roleArn: isObject(raw.credentials) && typeof raw.credentials.roleArn === 'string' ? raw.credentials.roleArn : '' },
    ...(failover ? { failover } : {}),
    namespace: typeof raw.namespace === 'string' ? raw.namespace : 'external-dns',
  };
}

/** The domain filter `host` falls under, or undefined. */
export function zoneOfHost(dns: ResolvedPublicDns, host: string): string | undefined {
  const h = host.toLowerCase().replace(/\.$/, '');
  return dns.domainFilters.find((d) => h === d || h.endsWith(`.${d}`));
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
// Route 53's SetIdentifier: 1 to 128 characters; the TXT owner id ends up in record values.
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HEALTH_CHECK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Checks `platform.publicDns`; `prefix` names it (e.g. `environment.platform.publicDns`). */
export function checkPublicDns(raw: unknown, report: ValidationReport, prefix: string): void {
  if (raw === undefined) return;
  if (!isObject(raw)) return report.error('public-dns-profile.value.object', prefix, `must be a PublicDnsProfile object (is ${describeValue(raw)})`);
  for (const key of Object.keys(raw))
    if (!FIELDS.includes(key))
      report.error('public-dns-profile.value.field', `${prefix}.${key}`, `is not a public DNS profile field (fields: ${FIELDS.join(', ')})`);
  if (raw.provider !== 'route53')
    report.error(
      'public-dns-profile.provider',
      `${prefix}.provider`,
      `must be 'route53', the one DNS service the library configures external-dns for (is ${describeValue(raw.provider)})`,
    );
  const domains = raw.domainFilters;
  if (!Array.isArray(domains) || domains.length === 0)
    report.error(
      'public-dns-profile.domain-filters.required',
      `${prefix}.domainFilters`,
      `must list at least one domain external-dns may write records in, e.g. ['acme-corp.io'] (is ${describeValue(domains)}); without one it would write in every zone the role reaches`,
    );
  else
    domains.forEach((d, i) => {
      if (typeof d !== 'string' || !DOMAIN.test(d.toLowerCase().replace(/\.$/, '')))
        report.error(
          'public-dns-profile.domain-filters.domain',
          `${prefix}.domainFilters[${i}]`,
          `${describeValue(d)} is not a domain name such as 'acme-corp.io'`,
        );
    });
  if (raw.zoneIds !== undefined && (!Array.isArray(raw.zoneIds) || raw.zoneIds.some((z) => typeof z !== 'string' || !/^Z[A-Z0-9]{1,31}$/.test(z))))
    report.error(
      'public-dns-profile.zone-ids',
      `${prefix}.zoneIds`,
      `must be Route 53 hosted zone ids such as 'Z0123456789ABCDEFGHIJ' (is ${describeValue(raw.zoneIds)})`,
    );
  if (typeof raw.txtOwnerId !== 'string' || !IDENTIFIER.test(raw.txtOwnerId))
    report.error(
      'public-dns-profile.txt-owner-id',
      `${prefix}.txtOwnerId`,
      `must name this cluster uniquely among those writing to the zones, letters, digits, '.', '_' and '-' (e.g. 'prod-eu-west-1'; is ${describeValue(raw.txtOwnerId)})`,
    );
  if (raw.policy !== undefined && raw.policy !== 'upsert-only' && raw.policy !== 'sync')
    report.error('public-dns-profile.policy', `${prefix}.policy`, `must be 'upsert-only' or 'sync' (is ${describeValue(raw.policy)})`);
  if (typeof raw.region !== 'string' || !REGION.test(raw.region))
    report.error('public-dns-profile.region', `${prefix}.region`, `must be an AWS region such as 'eu-west-1' (is ${describeValue(raw.region)})`);
  const creds = raw.credentials;
  if (!isObject(creds) || creds.kind !== 'irsa')
    report.error(
      'public-dns-profile.credentials.kind',
      `${prefix}.credentials`,
      `must be { kind: 'irsa', roleArn }: the ServiceAccount assumes an IAM role, so no AWS access key is stored anywhere (is ${describeValue(creds)})`,
    );
  else if (typeof creds.roleArn !== 'string' || !ROLE_ARN.test(creds.roleArn))
    report.error(
      'public-dns-profile.credentials.role-arn',
      `${prefix}.credentials.roleArn`,
      `${describeValue(creds.roleArn)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  if (raw.failover !== undefined) checkFailover(raw.failover, report, `${prefix}.failover`);
  if (raw.namespace !== undefined) {
    const problem = typeof raw.namespace === 'string' ? checkDnsLabel(raw.namespace) : 'must be a string';
    if (problem) report.error('public-dns-profile.namespace', `${prefix}.namespace`, `${describeValue(raw.namespace)} ${problem}`);
  }
}

function checkFailover(raw: unknown, report: ValidationReport, prefix: string): void {
  if (!isObject(raw))
    return report.error(
      'public-dns-profile.failover.object',
      prefix,
      `must be a PublicDnsFailover object { role, setIdentifier } (is ${describeValue(raw)})`,
    );
  for (const key of Object.keys(raw))
    if (!FAILOVER_FIELDS.includes(key))
      report.error('public-dns-profile.failover.field', `${prefix}.${key}`, `is not a failover field (fields: ${FAILOVER_FIELDS.join(', ')})`);
  if (raw.role !== 'primary' && raw.role !== 'secondary')
    report.error('public-dns-profile.failover.role', `${prefix}.role`, `must be 'primary' or 'secondary' (is ${describeValue(raw.role)})`);
  if (typeof raw.setIdentifier !== 'string' || !IDENTIFIER.test(raw.setIdentifier))
    report.error(
      'public-dns-profile.failover.set-identifier',
      `${prefix}.setIdentifier`,
      `must name this site's records uniquely, 1 to 128 letters, digits, '.', '_' or '-' (e.g. 'prod-eu-west-1'; is ${describeValue(raw.setIdentifier)})`,
    );
  if (raw.healthCheckId !== undefined && (typeof raw.healthCheckId !== 'string' || !HEALTH_CHECK_ID.test(raw.healthCheckId)))
    report.error(
      'public-dns-profile.failover.health-check-id',
      `${prefix}.healthCheckId`,
      `must be a Route 53 health check id (a lowercase UUID; is ${describeValue(raw.healthCheckId)})`,
    );
}
