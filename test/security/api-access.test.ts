import { Probe, WebService, Worker } from '../../lib';
import { errorsOf, objectOf, objectsOf, testChart } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

describe('least privilege on the Kubernetes API', () => {
  test('a workload that declares nothing gets no token, no Role and no API egress', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources,
    });
    expect(objectOf(app, 'ServiceAccount', 'api').automountServiceAccountToken).toBe(false);
    expect(objectOf(app, 'Deployment', 'api').spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(objectsOf(app, 'Role')).toEqual([]);
    expect(objectsOf(app, 'RoleBinding')).toEqual([]);
  });

  test("allowApiAccess: a token, a Role with exactly the named objects and verbs, bound to the workload's own ServiceAccount", () => {
    const { app, chart } = testChart();
    const worker = new Worker(chart, 'leader', { image: 'registry.stackworks.io/org/worker:1.0.0', resources });
    worker.allowApiAccess([
      { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'update'], resourceNames: ['leader-lock'] },
      { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['create'] },
    ]);
    expect(objectOf(app, 'ServiceAccount', 'leader').automountServiceAccountToken).toBe(true);
    expect(objectOf(app, 'Deployment', 'leader').spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(objectOf(app, 'Role', 'leader').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['leader-lock'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
    expect(objectOf(app, 'RoleBinding', 'leader')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader' },
      subjects: [{ kind: 'ServiceAccount', name: 'leader' }],
    });
    const egress = objectOf(app, 'NetworkPolicy', 'leader').spec.egress;
    expect(egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
      ports: [
        { port: 443, protocol: 'TCP' },
        { port: 6443, protocol: 'TCP' },
      ],
    });
  });

  test('wildcards, unnamed updates and listing secrets are refused, all at once, with the workload path and field', () => {
    const { app, chart } = testChart();
    const worker = new Worker(chart, 'greedy', { image: 'registry.stackworks.io/org/worker:1.0.0', resources });
    worker.allowApiAccess([
      { apiGroup: '*', resource: '*', verbs: ['*'] },
      { apiGroup: '', resource: 'configmaps', verbs: ['update'] },
      { apiGroup: '', resource: 'secrets', verbs: ['list'] },
    ]);
    const errors = errorsOf(app);
    for (const expected of [
      /\[test-prod\/greedy\] apiAccess\[0\]\.resource: '\*' must name one resource/,
      /\[test-prod\/greedy\] apiAccess\[0\]\.apiGroup: /,
      /\[test-prod\/greedy\] apiAccess\[0\]\.verbs: '\*' is not allowed/,
      /\[test-prod\/greedy\] apiAccess\[1\]\.resourceNames: 'update' on configmaps needs the objects' names/,
      /\[test-prod\/greedy\] apiAccess\[2\]\.verbs: listing or watching secrets/,
    ]) {
      expect(errors).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    }
  });
});
