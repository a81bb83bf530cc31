import { NetworkPeer, Probe, SystemChart, WebService, Worker } from '../../lib';
import { allowCrossNamespace, DEFAULT_CLUSTER_CIDRS, DEFAULT_INGRESS_CONTROLLER, DEFAULT_PROMETHEUS } from '../../lib/security/network';
import { errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const webProps = { image: 'registry.stackworks.io/org/web:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };
const web = (chart: SystemChart, id: string) => new WebService(chart, id, webProps);
const worker = (chart: SystemChart, id: string) => new Worker(chart, id, { image: 'registry.stackworks.io/org/worker:1.0.0', resources });
const nsSelector = (name: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': name } });
const podsIn = (namespace: string, labels: Record<string, string>) => ({
  namespaceSelector: nsSelector(namespace),
  podSelector: { matchLabels: labels },
});
const clusterRanges = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];
// "The internet" also leaves out link-local addresses: the instance metadata service.
const notInternet = [...clusterRanges, '169.254.0.0/16'];

describe('NetworkPeer renders what it selects', () => {
  test.each([
    ['pods in the policy namespace', NetworkPeer.pods({ app: 'web' }), { podSelector: { matchLabels: { app: 'web' } } }],
    ['pods in another namespace', NetworkPeer.pods({ app: 'web' }, 'edge'), podsIn('edge', { app: 'web' })],
    ['a whole namespace', NetworkPeer.namespace('monitoring'), { namespaceSelector: nsSelector('monitoring') }],
    ['pods of a namespace', NetworkPeer.namespace('monitoring', { app: 'prom' }), podsIn('monitoring', { app: 'prom' })],
    ['an address range', NetworkPeer.cidr('10.1.0.0/16'), { ipBlock: { cidr: '10.1.0.0/16' } }],
    ['an address range with holes', NetworkPeer.cidr('10.0.0.0/8', ['10.96.0.0/12']), { ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }],
    ['an IPv6 range', NetworkPeer.cidr('fd00::/8'), { ipBlock: { cidr: 'fd00::/8' } }],
    ['the internet', NetworkPeer.internet(), { ipBlock: { cidr: '0.0.0.0/0', except: notInternet } }],
    [
      'the internet of a cluster with its own ranges: link-local still left out',
      NetworkPeer.internet(['10.0.0.0/16']),
      { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/16', '169.254.0.0/16'] } },
    ],
    ['the metadata service given by name', NetworkPeer.cidr('169.254.169.254/32'), { ipBlock: { cidr: '169.254.169.254/32' } }],
    ['the default ingress controller', DEFAULT_INGRESS_CONTROLLER, podsIn('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' })],
    ['the default Prometheus', DEFAULT_PROMETHEUS, podsIn('monitoring', { 'app.kubernetes.io/name': 'prometheus' })],
  ])('%s', (_, peer, json) => {
    expect(peer.toJson()).toEqual(json);
    expect(peer.problem).toBeUndefined();
  });

  test('peers are equal by what they select; toJson returns a copy the caller cannot change the peer through', () => {
    expect(NetworkPeer.namespace('edge', { app: 'web' }).key).toBe(NetworkPeer.pods({ app: 'web' }, 'edge').key);
    expect(NetworkPeer.pods({ app: 'web' }).key).not.toBe(NetworkPeer.pods({ app: 'web' }, 'edge').key);
    const peer = NetworkPeer.pods({ app: 'web' });
    (peer.toJson().podSelector!.matchLabels as Record<string, string>).app = 'changed';
    expect(peer.toJson()).toEqual({ podSelector: { matchLabels: { app: 'web' } } });
    expect(DEFAULT_CLUSTER_CIDRS).toEqual(clusterRanges);
  });

  test.each([
    ['empty pod labels', () => NetworkPeer.pods({}), 'pod labels must not be empty (every pod of a namespace is NetworkPeer.namespace(name))'],
    ['a label value that is no string', () => NetworkPeer.pods({ app: 7 as unknown as string }), "pod labels: the value of 'app' must be a string"],
    ['labels that are no object', () => NetworkPeer.pods(undefined as unknown as Record<string, string>), 'pod labels must be an object'],
    ['a namespace that is no DNS label', () => NetworkPeer.namespace('Edge_1'), "namespace 'Edge_1' must consist of lower case"],
    ['a range that is no CIDR', () => NetworkPeer.cidr('10.0.0.0'), "'10.0.0.0' is not an address range in CIDR notation (e.g. 10.0.0.0/8)"],
    ['an octet above 255', () => NetworkPeer.cidr('10.0.300.0/24'), "'10.0.300.0/24' is not an address range"],
    ['a prefix above 32', () => NetworkPeer.cidr('10.0.0.0/33'), "'10.0.0.0/33' is not an address range"],
    ['an exception that is no CIDR', () => NetworkPeer.cidr('10.0.0.0/8', ['cluster']), "'cluster' is not an address range"],
  ])('%s is a problem', (_, make, problem) => {
    expect(make().problem).toContain(problem);
  });
});

const selects = (name: string, instance = 'test-prod') => ({
  matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance },
});

describe('the NetworkPolicy of a workload', () => {
  test.each<[string, (chart: SystemChart) => void, object[] | undefined, object[] | undefined]>([
    ['nothing allowed: both directions denied, no empty rule lists', (c) => void worker(c, 'app'), undefined, undefined],
    [
      'allowTo in the same namespace: egress to the pods, on the port',
      (c) => worker(c, 'app').connections.allowTo(web(c, 'peer'), { port: 8080 }),
      undefined,
      [{ to: [{ podSelector: selects('peer') }], ports: [{ port: 8080, protocol: 'TCP' }] }],
    ],
    [
      'the other side of allowTo: ingress from the pods',
      (c) => web(c, 'peer').connections.allowTo(web(c, 'app'), { port: 'http' }),
      [{ from: [{ podSelector: selects('peer') }], ports: [{ port: 'http', protocol: 'TCP' }] }],
      undefined,
    ],
    [
      'allowFromPeer: one rule per peer, ports merged, deduplicated and sorted',
      (c) => {
        const app = worker(c, 'app');
        app.connections.allowFromPeer(NetworkPeer.namespace('monitoring', { app: 'prom' }), { port: 9100 }, { port: 'metrics' });
        app.connections.allowFromPeer(NetworkPeer.pods({ app: 'prom' }, 'monitoring'), { port: 8080 }, { port: 9100, protocol: 'TCP' });
      },
      [
        {
          from: [podsIn('monitoring', { app: 'prom' })],
          ports: [
            { port: 8080, protocol: 'TCP' },
            { port: 9100, protocol: 'TCP' },
            { port: 'metrics', protocol: 'TCP' },
          ],
        },
      ],
      undefined,
    ],
    [
      'allowToInternet and allowToCidr: one rule per range, ordered by the peer',
      (c) => {
        const app = worker(c, 'app');
        app.connections.allowToInternet([{ port: 443 }]);
        app.connections.allowToCidr('192.0.2.10/32', [{ port: 5432 }, { port: 53, protocol: 'UDP' }]);
      },
      undefined,
      [
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: notInternet } }], ports: [{ port: 443, protocol: 'TCP' }] },
        {
          to: [{ ipBlock: { cidr: '192.0.2.10/32' } }],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 5432, protocol: 'TCP' },
          ],
        },
      ],
    ],
  ])('%s', (_, declare, ingress, egress) => {
    const { app, chart } = testChart();
    declare(chart);
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'NetworkPolicy', 'app').spec).toEqual({
      podSelector: selects('app'),
      policyTypes: ['Ingress', 'Egress'],
      ...(ingress ? { ingress } : {}),
      ...(egress ? { egress } : {}),
    });
  });

  test('across systems: refused without allowCrossNamespace, then both policies name the other namespace', () => {
    const build = (allow: boolean) => {
      const { app, chart } = testChart(testEnv('prod'), 'shop');
      const other = new SystemChart(app, { system: 'billing', environment: testEnv('prod') });
      const client = worker(chart, 'client');
      const server = web(other, 'server');
      if (allow) allowCrossNamespace(client, server);
      client.connections.allowTo(server, { port: 8080 });
      return app;
    };
    expect(errorsOf(build(false))).toEqual([
      "[shop-prod/client] connections: connects to billing-prod/server in namespace 'billing-prod'; " +
        'connections across systems need an explicit allowance (allowCrossNamespace(peer) on both sides)',
    ]);
    const app = build(true);
    expect(errorsOf(app)).toEqual([]);
    const policies = objectsOf(app, 'NetworkPolicy');
    const tcp8080 = { port: 8080, protocol: 'TCP' };
    const policy = (name: string) => policies.find((p) => p.metadata.name === name)!;
    expect(policy('client').spec.egress).toEqual([
      { to: [{ namespaceSelector: nsSelector('billing-prod'), podSelector: selects('server', 'billing-prod') }], ports: [tcp8080] },
    ]);
    expect(policy('server').spec.ingress).toEqual([
      { from: [{ namespaceSelector: nsSelector('shop-prod'), podSelector: selects('client', 'shop-prod') }], ports: [tcp8080] },
    ]);
  });

  test('invalid peers and values that are no NetworkPeer are synth errors on the workload, all at once', () => {
    const { app, chart } = testChart();
    const app1 = worker(chart, 'app');
    app1.connections.allowToCidr('10.0.0.0', [{ port: 5432 }]);
    app1.connections.allowFromPeer(NetworkPeer.pods({}), { port: 8080 });
    app1.connections.allowFromPeer({ podSelector: { matchLabels: { app: 'raw' } } } as unknown as NetworkPeer, { port: 8080 });
    expect(errorsOf(app)).toEqual([
      "[test-prod/app] connections: egress peer 10.0.0.0: '10.0.0.0' is not an address range in CIDR notation (e.g. 10.0.0.0/8)",
      '[test-prod/app] connections: ingress peer pods (no labels): ' +
        'pod labels must not be empty (every pod of a namespace is NetworkPeer.namespace(name))',
      '[test-prod/app] connections: an ingress peer must be a NetworkPeer (NetworkPeer.pods(), .namespace() or .cidr())',
    ]);
  });
});

describe('namespace isolation', () => {
  test('every system denies all traffic, then allows DNS to the cluster DNS over UDP and TCP', () => {
    const { app } = testChart();
    expect(objectOf(app, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(objectOf(app, 'NetworkPolicy', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [podsIn('kube-system', { 'k8s-app': 'kube-dns' })],
          ports: [
            { port: 53, protocol: 'UDP' },
            { port: 53, protocol: 'TCP' },
          ],
        },
      ],
    });
  });
});
