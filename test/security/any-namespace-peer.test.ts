/** NetworkPeer.anyNamespace: pods of every namespace, only with a stated reason. */
import { NetworkPeer, Probe, WebService } from '../../lib';
import { errorsOf, objectOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const REASON = 'every tenant namespace runs its own agent that pushes to this collector';

describe('NetworkPeer.anyNamespace', () => {
  test('renders an empty namespace selector (every namespace), optionally narrowed to pods with labels', () => {
    expect(NetworkPeer.anyNamespace({ reason: REASON }).toJson()).toEqual({ namespaceSelector: {} });
    expect(NetworkPeer.anyNamespace({ reason: REASON, podLabels: { app: 'agent' } }).toJson()).toEqual({
      namespaceSelector: {},
      podSelector: { matchLabels: { app: 'agent' } },
    });
    expect(NetworkPeer.anyNamespace({ reason: REASON }).problem).toBeUndefined();
    expect(NetworkPeer.anyNamespace({ reason: REASON }).description).toBe(`every pod in any namespace (${REASON})`);
  });

  test('lets those pods in on the given port of a workload', () => {
    const { app, chart } = testChart();
    const collector = new WebService(chart, 'collector', {
      image: 'registry.stackworks.io/org/collector:1.0.0',
      ports: [{ name: 'otlp', port: 4317 }],
      readiness: Probe.tcp(),
      resources,
    });
    collector.connections.allowFromPeer(NetworkPeer.anyNamespace({ reason: REASON, podLabels: { app: 'agent' } }), { port: 4317 });
    expect(errorsOf(app)).toEqual([]);
    const policy = objectOf(app, 'NetworkPolicy', 'collector');
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'agent' } } }],
      ports: [{ port: 4317, protocol: 'TCP' }],
    });
  });

  test.each([
    ['missing', undefined],
    ['too short', 'agents'],
    ['not a string', 42],
  ])('a reason %s is a synth error on the workload that uses the peer', (_, reason) => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources,
    });
    api.connections.allowFromPeer(NetworkPeer.anyNamespace({ reason } as never), { port: 8080 });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[test-prod\/api\] connections: ingress peer every pod in any namespace \(.*\): anyNamespace needs a reason: say in a sentence/,
      ),
    ]);
  });
});
