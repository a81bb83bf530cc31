import { App } from 'cdk8s';
import { TechShopChart } from '../../charts/techshop';
import { ENVIRONMENTS } from '../../charts';
import { NamespaceBudget } from '../../lib';
import { errorsOf, UNUSED_OUTDIR } from '../support/synth';
import { find, kinds, mainContainer, systemObjects } from './support';

describe('TechShop Cloud (seeds/002)', () => {
  const prod = systemObjects('techshop', 'prod');
  const dev = systemObjects('techshop', 'dev');
  const app = find(prod, 'Deployment', 'app');
  const pod = app.spec.template.spec;

  test('Node app on 3000 as uid 1001, read-only root with a writable /tmp', () => {
    const c = mainContainer(app);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, runAsNonRoot: true });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  test('HPA 3-10 on cpu 70 % and memory 80 %, PDB minAvailable 2', () => {
    const hpa = find(prod, 'HorizontalPodAutoscaler', 'app').spec;
    expect(hpa).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(find(prod, 'PodDisruptionBudget', 'app').spec.minAvailable).toBe(2);
  });

  test('defect fixed: the VPA does not fight the HPA (recommendations only, within 100m/128Mi and 1 CPU/1Gi)', () => {
    const vpa = find(prod, 'VerticalPodAutoscaler', 'app').spec;
    expect(vpa.updatePolicy.updateMode).toBe('Off');
    expect(vpa.resourcePolicy.containerPolicies[0]).toMatchObject({ minAllowed: { cpu: '100m', memory: '128Mi' }, maxAllowed: { cpu: '1', memory: '1Gi' } });
  });

  test('defect fixed: the regex path is ImplementationSpecific with use-regex and rewrite-target; 100 req/min', () => {
    const ingress = kinds(prod, 'Ingress')[0];
    expect(ingress.spec.rules[0].host).toBe('api.techshop-cloud.com');
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api(/|$)(.*)', pathType: 'ImplementationSpecific' });
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
      'nginx.ingress.kubernetes.io/limit-rpm': '100',
    });
  });

  test('a ClusterIssuer for Let\'s Encrypt with admin@techshop-cloud.com', () => {
    const issuer = kinds(prod, 'ClusterIssuer')[0];
    expect(issuer.spec.acme.email).toBe('admin@techshop-cloud.com');
    expect(issuer.metadata.namespace).toBeUndefined();
  });

  test('defect fixed: NetworkPolicy egress includes DNS for every pod', () => {
    const dns = find(prod, 'NetworkPolicy', 'allow-dns').spec;
    expect(dns.podSelector).toEqual({});
    expect(dns.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  });

  test('defect fixed: Redis is one member with its own volume and no cluster mode (not a 3-replica Deployment on one RWO PVC)', () => {
    const redis = find(prod, 'StatefulSet', 'redis');
    expect(redis.spec.replicas).toBe(1);
    expect(redis.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(JSON.stringify(redis)).not.toMatch(/cluster-enabled/);
    expect(kinds(prod, 'Deployment').map((d) => d.metadata.name)).not.toContain('redis');
  });

  test('ServiceAccount without token; no "SecurityContext" kind (the fields live in the pod)', () => {
    expect(find(prod, 'ServiceAccount', 'app').automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(kinds(prod, 'SecurityContext')).toEqual([]);
    expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('defect fixed: the seed\'s ResourceQuota cannot admit the app at its HPA maximum, which is a synth error', () => {
    // The seed: requests.cpu 4, limits.cpu 8, requests.memory 8Gi, limits.memory 16Gi, pods 20.
    const app = new App({ outdir: UNUSED_OUTDIR });
    const chart = new TechShopChart(app, ENVIRONMENTS.prod);
    const budget = chart.node.findChild('budget') as NamespaceBudget;
    chart.node.tryRemoveChild('budget');
    new NamespaceBudget(chart, 'seed-budget', { quota: { 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', pods: '20' } });
    expect(budget).toBeDefined();
    expect(errorsOf(app)).toEqual([expect.stringMatching(/\[techshop-prod\/seed-budget\] quota: cannot admit the stack at maximum scale/)]);
  });

  test('the generated quota admits the stack at maximum scale', () => {
    expect(find(prod, 'ResourceQuota', 'stack').spec.hard.pods).toBeDefined();
  });

  test('dev differs as the seed\'s values files say: 1 replica, small resources, 1Gi Redis, no ingress', () => {
    expect(find(dev, 'Deployment', 'app').spec.replicas).toBe(1);
    expect(mainContainer(find(dev, 'Deployment', 'app')).resources.limits).toMatchObject({ cpu: '200m', memory: '256Mi' });
    expect(find(dev, 'StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('1Gi');
    expect(find(prod, 'StatefulSet', 'redis').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('5Gi');
    expect(kinds(dev, 'Ingress')).toEqual([]);
    expect(kinds(dev, 'HorizontalPodAutoscaler')).toEqual([]);
  });
});
