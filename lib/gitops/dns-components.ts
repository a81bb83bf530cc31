/**
 * external-dns, the platform component that writes the public hosts' records (the profile's
 * `publicDns`, lib/core/public-dns-profile.ts): its pinned chart and the Helm values that make it
 * agree with the profile and with the edges the systems use. Systems require it from their
 * PublicEndpoints (lib/edge/public-dns.ts) with the sources their objects need.
 */
import type { Json } from '../core/json';
import type { Platform } from '../core/platform';
import type { PlatformComponentName } from '../core/platform-requirements';
import { EXTERNAL_DNS_ANNOTATIONS } from '../core/public-dns-profile';
import type { ComponentChart } from './component-chart';

/** The chart, pinned: the newest chart release when pinned (kubernetes-sigs/external-dns tag external-dns-helm-chart-1.21.1). */
export const DNS_CHARTS: Readonly<Partial<Record<PlatformComponentName, ComponentChart>>> = {
  'external-dns': {
    title: 'external-dns (public DNS records in Route 53)',
    repoURL: 'https://kubernetes-sigs.github.io/external-dns/',
    chart: 'external-dns',
    chartVersion: '1.21.1',
    appVersion: '0.21.0',
    releaseName: 'external-dns',
  },
};

/** The IRSA annotation EKS's pod identity webhook reads from a ServiceAccount. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/**
 * The values of chart 1.21.1 (values.yaml, templates/deployment.yaml) for the profile: the AWS
 * provider, the domain and zone filters, the TXT registry with this cluster's owner id, the
 * policy, and the sources the systems' objects need (the `sources` setting of their
 * requirements: `ingress`, `gateway-httproute`, `gateway-grpcroute`). The chart's defaults
 * already run the pod as non-root with a read-only root filesystem and every capability
 * dropped (restricted Pod Security, as the chart facts record); `fsGroup: 65534` lets it read
 * the projected web-identity token.
 */
export function externalDnsValues(platform: Platform, settings: Readonly<Record<string, readonly string[]>>): Json {
  const dns = platform.publicDns;
  if (!dns) return {};
  return {
    provider: { name: 'aws' },
    // The chart's default sources include `service`, which would publish any LoadBalancer Service's
    // annotated hostname; only the systems' public edges are published.
    sources: [...(settings.sources ?? ['ingress'])],
    domainFilters: [...dns.domainFilters],
    policy: dns.policy,
    registry: 'txt',
    txtOwnerId: dns.txtOwnerId,
    // With failover records, only the objects that carry this site's set identifier are read: a
    // cert-manager HTTP-01 solver Ingress of the same host has none, and a simple record set
    // beside failover ones of the same name is refused by Route 53 (the whole change batch fails).
    ...(dns.failover ? { annotationFilter: EXTERNAL_DNS_ANNOTATIONS.setIdentifier } : {}),
    serviceAccount: { create: true, annotations: { [IRSA_ROLE_ANNOTATION]: dns.credentials.roleArn } },
    env: [{ name: 'AWS_DEFAULT_REGION', value: dns.region }],
    extraArgs: {
      // Only public zones: a private zone of the same name is the VPC's, not the Internet's.
      'aws-zone-type': 'public',
      // A filter naming a subdomain (`staging.acme-corp.io`) selects its parent zone
      // (`acme-corp.io`); records are still written only under the filter.
      'aws-zone-match-parent': true,
      ...(dns.zoneIds.length > 0 ? { 'zone-id-filter': [...dns.zoneIds] } : {}),
    },
  };
}

/** The platform README's section on public DNS: what AWS must hold for external-dns to write, and how failover works. */
export function publicDnsReadme(platform: Platform, namespace: string): string[] {
  const dns = platform.publicDns;
  if (!dns) return [];
  const f = dns.failover;
  return [
    '## Public DNS',
    '',
    `external-dns writes the records of every public host (Ingress hosts, Gateway API route hostnames) into the Route 53 zones of ${dns.domainFilters.map((d) => `\`${d}\``).join(', ')}, ` +
      `marking them with the TXT owner id \`${dns.txtOwnerId}\` (policy \`${dns.policy}\`: ${dns.policy === 'sync' ? 'records of hosts no longer served are deleted, only those this owner id made' : 'records are created and updated, never deleted'}).`,
    '',
    'Before the first sync, in AWS (outside this repository):',
    '',
    `- the IAM role \`${dns.credentials.roleArn}\`, trusting the cluster's OIDC provider for \`system:serviceaccount:${namespace}:external-dns\` (the chart's ServiceAccount carries the role in \`eks.amazonaws.com/role-arn\`; no access key exists);`,
    `- its policy: \`route53:ChangeResourceRecordSets\` on the hosted zones, \`route53:ListHostedZones\`, \`route53:ListResourceRecordSets\` and \`route53:ListTagsForResources\` on \`*\`;`,
    '- the public hosted zones themselves, delegated from their registrars.',
    '',
    ...(f
      ? [
          `Failover: every record is the ${f.role === 'primary' ? 'PRIMARY' : 'SECONDARY'} half of a Route 53 failover pair, set identifier \`${f.setIdentifier}\`, ` +
            (f.healthCheckId
              ? `healthy while the health check \`${f.healthCheckId}\` passes.`
              : "healthy while its alias target (the edge's load balancer) has healthy targets (no health check of the application)."),
          '',
        ]
      : []),
  ];
}
