import { ArgoCdApplications, issuerForEnvironment, PublicEndpoint } from '../../lib';
import { ClientAddress, DEFAULT_ENVOY_GATEWAY_DATA_PLANE, DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, EdgeProfile } from '../../lib/core/platform';
import { errorsOf, render, testChart } from '../support/synth';
import { edgeEnv, webService } from '../edge/support';

const EDGE: EdgeProfile = {
  default: 'ingress-nginx',
  ingressNginx: DEFAULT_INGRESS_NGINX,
  traefik: DEFAULT_TRAEFIK,
  gateway: { implementation: 'envoy-gateway', dataPlane: DEFAULT_ENVOY_GATEWAY_DATA_PLANE },
};
const LB = { 'service.beta.kubernetes.io/aws-load-balancer-proxy-protocol': '*' };

/** The platform Applications' Helm values and the system's objects with the profile's client address choice. */
function platformWith(clientAddress?: ClientAddress) {
  const env = edgeEnv('prod', { ...EDGE, ...(clientAddress ? { clientAddress } : {}) });
  const { app, chart } = testChart(env, 'loopi');
  const api = webService(chart, 'api', 8080);
  const issuer = issuerForEnvironment(chart, 'letsencrypt', { email: 'ops@loopi.com' })!;
  new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: { issuer } });
  new PublicEndpoint(chart, 'public-traefik', { controller: 'traefik', host: 'www.loopi.com', backend: api, tls: false });
  new PublicEndpoint(chart, 'public-gateway', { controller: 'gateway', host: 'gw.loopi.com', backend: api, tls: false });
  new ArgoCdApplications(app, { environment: env, systems: ['loopi'] });
  const objects = render(app).objects.map((o) => o.object);
  const values = (component: string) =>
    objects.find((o) => o.kind === 'Application' && o.metadata.name === `${component}-prod`)!.spec.source.helm.valuesObject;
  return {
    nginx: values('ingress-nginx'),
    traefik: values('traefik'),
    policies: objects.filter((o) => o.kind === 'ClientTrafficPolicy'),
    gateway: objects.find((o) => o.kind === 'Gateway')!,
  };
}

describe("the client's address reaches the edge the way the profile says", () => {
  test('default (local): externalTrafficPolicy Local on the Services, no header believed, no ClientTrafficPolicy', () => {
    const { nginx, traefik, policies, gateway } = platformWith();
    expect(nginx.controller.service).toEqual({ externalTrafficPolicy: 'Local' });
    // Envoy Gateway v1.9.0 gives its proxies' Service externalTrafficPolicy Local by default.
    expect(gateway.spec.infrastructure).toBeUndefined();
    expect(Object.keys(nginx.controller.config).filter((k) => /proxy-protocol|forwarded|real-ip/.test(k))).toEqual([]);
    expect(traefik.service).toEqual({ spec: { externalTrafficPolicy: 'Local' } });
    expect(traefik.ports).toBeUndefined();
    expect(policies).toEqual([]);
  });

  test('proxy protocol: the load balancer annotation on both Services, the header believed only from its addresses', () => {
    const { nginx, traefik, policies, gateway } = platformWith({
      mode: 'proxy-protocol',
      loadBalancerAnnotations: LB,
      trustedCidrs: ['10.0.0.0/16'],
    });
    // Envoy Gateway copies the Gateway's infrastructure annotations onto the Service of its proxies.
    expect(gateway.spec.infrastructure).toEqual({ annotations: LB });
    expect(nginx.controller.service).toEqual({ externalTrafficPolicy: 'Local', annotations: LB });
    expect(nginx.controller.config).toMatchObject({ 'use-proxy-protocol': 'true', 'proxy-real-ip-cidr': '10.0.0.0/16' });
    expect(nginx.controller.config['use-forwarded-headers']).toBeUndefined();
    expect(traefik.service.annotations).toEqual(LB);
    const trusted = { proxyProtocol: { trustedIPs: ['10.0.0.0/16'] } };
    expect(traefik.ports).toEqual({ web: trusted, websecure: trusted });
    expect(policies.map((p) => p.spec)).toEqual([
      { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gateway' }], proxyProtocol: {} },
    ]);
  });

  test('X-Forwarded-For from trusted proxies: nginx use-forwarded-headers, Traefik forwardedHeaders, Envoy clientIPDetection', () => {
    const { nginx, traefik, policies, gateway } = platformWith({ mode: 'forwarded-for', trustedCidrs: ['10.0.0.0/16', '192.168.0.0/24'] });
    expect(gateway.spec.infrastructure).toBeUndefined();
    expect(nginx.controller.config).toMatchObject({ 'use-forwarded-headers': 'true', 'proxy-real-ip-cidr': '10.0.0.0/16,192.168.0.0/24' });
    expect(nginx.controller.service).toEqual({ externalTrafficPolicy: 'Local' });
    expect(traefik.ports.web).toEqual({ forwardedHeaders: { trustedIPs: ['10.0.0.0/16', '192.168.0.0/24'] } });
    expect(policies[0].spec.clientIPDetection).toEqual({ xForwardedFor: { trustedCIDRs: ['10.0.0.0/16', '192.168.0.0/24'] } });
  });

  test('bad choices are errors naming the profile field and what is allowed', () => {
    const errors = (clientAddress: unknown) => {
      const { app, chart } = testChart(edgeEnv('prod', { ...EDGE, clientAddress: clientAddress as ClientAddress }), 'loopi');
      webService(chart, 'api', 8080);
      return errorsOf(app).filter((e) => e.includes('clientAddress'));
    };
    expect(errors({ mode: 'magic' })).toEqual([
      expect.stringContaining("edge.clientAddress.mode: 'magic' must be one of local, proxy-protocol, forwarded-for"),
    ]);
    expect(errors({ mode: 'forwarded-for', trustedCidrs: [] })).toEqual([
      expect.stringContaining('edge.clientAddress.trustedCidrs: is required for forwarded-for'),
    ]);
    expect(errors({ mode: 'forwarded-for', trustedCidrs: ['10.0.0.0/33', '0.0.0.0/0'] })).toEqual([
      expect.stringContaining("trustedCidrs[0]: '10.0.0.0/33' must be an IPv4 or IPv6 CIDR"),
      expect.stringContaining("trustedCidrs[1]: '0.0.0.0/0' trusts every address"),
    ]);
    expect(errors({ mode: 'proxy-protocol', trustedCidrs: ['10.0.0.0/8'] })).toEqual([
      expect.stringContaining('edge.clientAddress.loadBalancerAnnotations: is required for proxy-protocol'),
    ]);
    expect(errors({ mode: 'local' })).toEqual([]);
  });
});
