import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Gateway,
  GatewaySpecListeners,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../../imports/gateways-gateway.networking.k8s.io';
import { markComponent } from '../core/component';
import { SystemChart } from '../core/system-chart';
import { GATEWAY_API_GROUP, HTTP_LISTENER, httpsListenerName } from './gateway-routes';

/** Name of the Gateway a system gets when the cluster profile names no shared one. */
export const SYSTEM_GATEWAY_NAME = 'gateway';

/**
 * The system's own Gateway (when the cluster profile names no shared Gateway): an HTTP
 * listener on port 80 (HTTPS redirects and ACME HTTP-01 challenges) and an HTTPS listener per
 * host, terminating TLS with the host's certificate. Routes of the system's namespace only.
 * One per system, shared by its endpoints; created by the first endpoint that needs it.
 */
export class SystemGateway extends Construct {
  /** The system's one instance, created on first use. */
  public static of(chart: SystemChart, gatewayClassName: string): SystemGateway {
    const existing = chart.node.tryFindChild(ID);
    return (existing as SystemGateway | undefined) ?? new SystemGateway(chart, ID, gatewayClassName);
  }

  public readonly name = SYSTEM_GATEWAY_NAME;
  /** Secret of each HTTPS host, in the order hosts were added. */
  private readonly hosts = new Map<string, string>();

  private constructor(scope: Construct, id: string, gatewayClassName: string) {
    super(scope, id);
    markComponent(this, { name: SYSTEM_GATEWAY_NAME, component: 'public-endpoint' });
    const sameNamespace = { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    const chart = SystemChart.of(this);
    new Gateway(this, 'gateway', {
      metadata: { name: SYSTEM_GATEWAY_NAME },
      spec: {
        gatewayClassName,
        ...proxyServiceAnnotations(chart),
        listeners: Lazy.any({
          produce: (): GatewaySpecListeners[] => [
            { name: HTTP_LISTENER, protocol: 'HTTP', port: 80, allowedRoutes: sameNamespace },
            ...[...this.hosts.entries()].map(([host, secretName]) => ({
              name: httpsListenerName(host),
              hostname: host,
              protocol: 'HTTPS',
              port: 443,
              tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: secretName }] },
              allowedRoutes: sameNamespace,
            })),
          ],
        }),
      },
    });
    this.clientTrafficPolicy(chart);
  }

  /**
   * On Envoy Gateway, how its proxies learn the client's address when the profile says the load
   * balancer sends a PROXY header or X-Forwarded-For (`platform.edge.clientAddress`): a
   * ClientTrafficPolicy on this Gateway. With `local` (the default) nothing is needed: Envoy
   * Gateway gives its proxies' Services externalTrafficPolicy Local itself.
   */
  private clientTrafficPolicy(chart: SystemChart): void {
    const edge = chart.environment?.platform?.edge;
    const client = edge?.clientAddress;
    if (edge?.gateway?.implementation !== 'envoy-gateway' || !client || client.mode === 'local') return;
    new ApiObject(this, 'client-traffic-policy', {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      metadata: { name: SYSTEM_GATEWAY_NAME },
      spec: {
        targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: SYSTEM_GATEWAY_NAME }],
        ...(client.mode === 'proxy-protocol'
          ? // The listener then requires the header (Envoy has no list of senders for it: trustedCidrs are the load balancer's to enforce).
            { proxyProtocol: {} }
          : { clientIPDetection: { xForwardedFor: { trustedCIDRs: [...client.trustedCidrs] } } }),
      },
    });
  }

  /** Serves `host` over HTTPS with the certificate in `secretName` (the first endpoint to add a host wins). */
  public addHttpsHost(host: string, secretName: string): void {
    if (!this.hosts.has(host)) this.hosts.set(host, secretName);
  }
}

const ID = 'system-gateway';

/**
 * On Envoy Gateway with `clientAddress: proxy-protocol`, the annotations that make the cloud's
 * load balancer send the PROXY header, on the Service Envoy Gateway makes for this Gateway's
 * proxies (v1.9.0 copies `spec.infrastructure.annotations` onto it). Without them the listener,
 * which then requires the header, would refuse every connection. Traefik's Service is its
 * chart's, annotated through the chart's values.
 */
function proxyServiceAnnotations(chart: SystemChart): { infrastructure?: { annotations: Record<string, string> } } {
  const edge = chart.environment?.platform?.edge;
  const client = edge?.clientAddress;
  if (edge?.gateway?.implementation !== 'envoy-gateway' || client?.mode !== 'proxy-protocol') return {};
  return { infrastructure: { annotations: { ...client.loadBalancerAnnotations } } };
}
