/**
 * The public DNS records of a PublicEndpoint's hosts, when the environment's profile has
 * `publicDns`: the endpoint requires external-dns with the sources its objects need (Ingress,
 * or the Gateway API routes), its Ingresses or routes carry the failover annotations of the
 * site, and every host must lie in one of the profile's domains (else it would get no record).
 */
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { addFinalizer } from '../core/finalize';
import { requirePlatform } from '../core/platform-requirements';
import { failoverAnnotations, ResolvedPublicDns, zoneOfHost } from '../core/public-dns-profile';
import { addCheck } from '../core/validation';
import type { ResolvedEndpoint } from './route-resolution';

/** The kinds external-dns reads hosts from, by the source that reads them (external-dns v0.21.0 `--source`). */
const SOURCE_OF_KIND: Readonly<Record<string, string>> = {
  Ingress: 'ingress',
  HTTPRoute: 'gateway-httproute',
  GRPCRoute: 'gateway-grpcroute',
};

/** Publishes the endpoint's hosts through external-dns; nothing when the environment has no public DNS. */
export function publishEndpointRecords(scope: Construct, dns: ResolvedPublicDns | undefined, resolved: ResolvedEndpoint, gateway: boolean): void {
  if (!dns) return;
  const sources = gateway ? ['gateway-httproute', ...(resolved.routes.some((r) => r.protocol === 'grpc') ? ['gateway-grpcroute'] : [])] : ['ingress'];
  requirePlatform(scope, {
    component: 'external-dns',
    minVersion: '0.21.0',
    reason: `records of ${sources.join(', ')} hosts in Route 53${dns.failover ? ' as failover records (aws-failover, set-identifier)' : ''}, as in the v0.21.0 source the flags and annotations were read from`,
    settings: { sources },
  });
  // After the endpoint's other finalizers (the refusal of metrics paths adds Ingresses and routes of the same hosts).
  const annotations = failoverAnnotations(dns);
  if (Object.keys(annotations).length > 0)
    addFinalizer(scope, () => {
      for (const child of scope.node.findAll()) {
        if (!(child instanceof ApiObject) || SOURCE_OF_KIND[child.kind] === undefined) continue;
        for (const [key, value] of Object.entries(annotations)) child.metadata.addAnnotation(key, value);
      }
    });
  addCheck(scope, (report) => {
    for (const host of resolved.hosts)
      if (!zoneOfHost(dns, host))
        report.error(
          'public-dns.host-outside-domains',
          'hosts',
          `'${host}' is in none of the domains external-dns writes (environment.platform.publicDns.domainFilters: ${dns.domainFilters.join(', ') || 'none'}): its record would never be made; add its domain to the profile`,
        );
  });
}
