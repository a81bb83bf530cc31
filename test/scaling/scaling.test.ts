import { Duration, Probe, WebService, Worker } from '../../lib';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const web = { image: 'registry.stackworks.io/org/api:1.0.0', ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources };

describe('Autoscaler', () => {
  const { app, chart } = testChart();
  const api = new WebService(chart, 'api', web);
  api.autoscale({ min: 3, max: 10, cpuPercent: 70, memoryPercent: 80 });
  const hpa = objectOf(app, 'HorizontalPodAutoscaler', 'api');

  test('autoscaling/v2 on cpu and memory, min/max as given', () => {
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(10);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('scales up fast and down slowly', () => {
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Percent', value: 20, periodSeconds: 60 }]);
  });

  test('the Deployment leaves spec.replicas to the HPA', () => {
    expect(objectOf(app, 'Deployment', 'api').spec).not.toHaveProperty('replicas');
  });

  test('a PDB allowing one pod down is added for a multi-replica workload', () => {
    const pdb = objectOf(app, 'PodDisruptionBudget', 'api');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'test-prod' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });
});

describe('scaling invariants', () => {
  test('no PDB for a single replica; explicit minAvailable respected', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new WebService(chart, 'one', web);
    const two = new Worker(chart, 'two', { image: 'registry.stackworks.io/x:1', replicas: 3 });
    two.disruptionBudget({ minAvailable: 2 });
    expect(objectsOf(app, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['two']);
    expect(objectOf(app, 'PodDisruptionBudget', 'two').spec.minAvailable).toBe(2);
  });

  test('a PDB that allows no disruption at the minimum size is an error', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', web);
    api.autoscale({ min: 2, max: 4 });
    api.disruptionBudget({ minAvailable: 2 });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /\[test-prod\/api\/disruption-budget\] minAvailable: 2 with test-prod\/api at its minimum of 2 replica\(s\) allows no voluntary disruption/,
      ),
    ]);
  });

  test('maxUnavailable 0 is an error', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', web).disruptionBudget({ maxUnavailable: 0 });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/maxUnavailable: 0 must be a whole number of at least 1/)]);
  });

  test('explicit replicas that differ from the HPA min are an error', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', { ...web, replicas: 5 }).autoscale({ min: 3, max: 10 });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/\[test-prod\/api\] replicas: 5 differs from the autoscaler's min 3/)]);
  });

  test('min above max is an error', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', web).autoscale({ min: 5, max: 3 });
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/autoscaler\] max: 3 must be a whole number of at least min \(5\)/)]),
    );
  });

  test('stabilization windows are Durations of whole seconds, at most the HPA limit of 1h', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', web).autoscale({
      min: 2,
      max: 4,
      scaleUpStabilization: Duration.minutes(1),
      scaleDownStabilization: Duration.minutes(10),
    });
    const behavior = objectOf(app, 'HorizontalPodAutoscaler', 'api').spec.behavior;
    expect([behavior.scaleUp.stabilizationWindowSeconds, behavior.scaleDown.stabilizationWindowSeconds]).toEqual([60, 600]);
    new WebService(chart, 'web', web).autoscale({ min: 2, max: 4, scaleUpStabilization: 60 as never, scaleDownStabilization: Duration.hours(2) });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /\[test-prod\/web\/autoscaler\] scaleUpStabilization: must be a Duration such as Duration\.minutes\(1\) \(is number 60\)$/,
      ),
      expect.stringMatching(/\[test-prod\/web\/autoscaler\] scaleDownStabilization: 2h is longer than the maximum of 1h$/),
    ]);
    expect(errorIdsOf(app)).toEqual([
      '[test-prod/web/autoscaler] autoscaler.scale-up-stabilization',
      '[test-prod/web/autoscaler] autoscaler.scale-down-stabilization',
    ]);
  });

  test('a VPA in an updating mode on a resource the HPA uses is an error that says how to fix it', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', web);
    api.autoscale({ min: 3, max: 10, cpuPercent: 70, memoryPercent: 80 });
    api.autoscaleVertically({ mode: 'Recreate', min: { cpu: '100m', memory: '128Mi' }, max: { cpu: '1', memory: '1Gi' } });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /\[test-prod\/api\/vertical-autoscaler\] controlledResources: the VPA in 'Recreate' mode controls cpu and memory, which the HorizontalPodAutoscaler of test-prod\/api scales on.*mode 'Off'/,
      ),
    ]);
  });

  test('a VPA in Off mode (recommendations) beside an HPA is fine and validates its bounds', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', web);
    api.autoscale({ min: 3, max: 10, cpuPercent: 70 });
    api.autoscaleVertically({ min: { cpu: '100m', memory: '128Mi' }, max: { cpu: '1', memory: '1Gi' } });
    const vpa = objectOf(app, 'VerticalPodAutoscaler', 'api');
    expect(vpa.spec.updatePolicy).toEqual({ updateMode: 'Off' });
    expect(vpa.spec.resourcePolicy.containerPolicies[0]).toMatchObject({
      minAllowed: { cpu: '100m', memory: '128Mi' },
      maxAllowed: { cpu: '1', memory: '1Gi' },
    });
    expect(errorsOf(app)).toEqual([]);
  });

  test('a VPA may update memory when the HPA only scales on cpu', () => {
    const { app, chart } = testChart();
    const api = new WebService(chart, 'api', web);
    api.autoscale({ min: 3, max: 10, cpuPercent: 70 });
    api.autoscaleVertically({ mode: 'InPlaceOrRecreate', controlledResources: ['memory'] });
    expect(errorsOf(app)).toEqual([]);
  });
});
