import { ApiObject } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { KubernetesVersion, Probe, WebService } from '../../lib';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from '../../lib/core/kubernetes-version';
import type { RenderedObject } from '../../lib/gitops/render';
import { kubernetesApiIssues } from '../../lib/policy/kubernetes-api';
import { errorsOf, testChart, testEnv } from '../support/synth';

/** A chart of the given Kubernetes release with one raw object in it, and the synth's errors. */
function errorsFor(kubernetesVersion: string | undefined, object: { apiVersion: string; kind: string; spec?: unknown }): string[] {
  const { app, chart } = testChart(testEnv('dev', { platform: { kubernetesVersion: kubernetesVersion as never } }));
  new ApiObject(chart, 'raw', { ...object, metadata: { name: 'raw' } });
  // Raw objects of kinds the library never makes have no apply order; that error is not this test's.
  return errorsOf(app).filter((e) => !e.includes('has no place in the apply order'));
}

const POD_SPEC = { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] };

/** A Deployment whose pod spec has `fields` besides its container. */
function deploymentWith(fields: Record<string, unknown>) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { selector: { matchLabels: { app: 'x' } }, template: { spec: { ...POD_SPEC, ...fields } } },
  };
}

describe('platform.kubernetesVersion: every built-in object is checked against that release', () => {
  test('a removed API is refused with the construct path: policy/v1beta1 PDB and autoscaling/v2beta2 HPA on every release', () => {
    for (const version of ['1.27', '1.37']) {
      expect(errorsFor(version, { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', spec: { minAvailable: 1 } })).toEqual([
        `[test-dev/raw] policy/v1beta1 PodDisruptionBudget (PodDisruptionBudget raw) is not served by Kubernetes ${version} nor by any release from 1.27 to 1.37; use policy/v1 (Kubernetes ${version}: platform.kubernetesVersion)`,
      ]);
      expect(
        errorsFor(version, {
          apiVersion: 'autoscaling/v2beta2',
          kind: 'HorizontalPodAutoscaler',
          spec: { maxReplicas: 2, scaleTargetRef: { kind: 'Deployment', name: 'x' } },
        }),
      ).toEqual([
        expect.stringMatching(
          /^\[test-dev\/raw\] autoscaling\/v2beta2 HorizontalPodAutoscaler .* is not served by Kubernetes 1\.\d+ .*; use autoscaling\/v1 or autoscaling\/v2 /,
        ),
      ]);
    }
  });

  test('an API a newer release removed: flowcontrol v1beta3 is served by 1.27, refused by 1.37', () => {
    // The library renders no FlowSchema (its apply order has no place for one): the check itself, on a rendered object.
    const flowSchema = {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3',
      kind: 'FlowSchema',
      metadata: { name: 'raw' },
      spec: { priorityLevelConfiguration: { name: 'global-default' } },
    };
    const rendered = [{ object: flowSchema, construct: { node: { path: 'test-dev/raw' } } }] as unknown as RenderedObject[];
    const issuesOn = (v: KubernetesVersion) => kubernetesApiIssues(rendered, v).map((i) => `[${i.path}] ${i.message}`);
    expect(issuesOn('1.27')).toEqual([]);
    expect(issuesOn('1.31')).toEqual([]);
    expect(issuesOn('1.37')).toEqual([
      '[test-dev/raw] flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema (FlowSchema raw) is not served by Kubernetes 1.37 (served by up to 1.31); use flowcontrol.apiserver.k8s.io/v1 (Kubernetes 1.37: platform.kubernetesVersion)',
    ]);
  });

  test('a field only newer releases have is refused on 1.27 with its path, and accepted where it exists', () => {
    // PodSpec.resources (pod-level resources) arrived in 1.32.
    const pod = deploymentWith({ resources: { limits: { cpu: '1' } } });
    expect(errorsFor('1.27', pod)).toEqual([
      '[test-dev/raw] Deployment raw: spec.template.spec.resources: unknown field in Kubernetes 1.27: 1.32 and later have it (Kubernetes 1.27: platform.kubernetesVersion)',
    ]);
    const deployment = deploymentWith({ hostnameOverride: 'x' });
    expect(errorsFor('1.30', deployment)).toEqual([
      '[test-dev/raw] Deployment raw: spec.template.spec.hostnameOverride: unknown field in Kubernetes 1.30: 1.34 and later have it (Kubernetes 1.30: platform.kubernetesVersion)',
    ]);
    expect(errorsFor('1.34', deployment)).toEqual([]);
    expect(errorsFor('1.37', pod)).toEqual([]);
    expect(errorsFor('1.31', pod)).toHaveLength(1);
    expect(errorsFor('1.32', pod)).toEqual([]);
  });

  test('nested unknown fields, wrong types and missing required fields are each reported once, with their paths', () => {
    const errors = errorsFor('1.33', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: {
        replicas: '3',
        selector: { matchLabels: { app: 'x' } },
        template: { spec: { containers: [{ image: 'ghcr.io/a/b:1', colour: 'red' }] } },
      },
    });
    expect(errors.map((e) => e.replace(/ \(Kubernetes 1\.33: platform\.kubernetesVersion\)$/, ''))).toEqual([
      "[test-dev/raw] Deployment raw: spec.replicas: must be an integer (is '3')",
      '[test-dev/raw] Deployment raw: spec.template.spec.containers[0].colour: unknown field: no supported Kubernetes release has it',
      '[test-dev/raw] Deployment raw: spec.template.spec.containers[0].name: is required',
    ]);
  });

  test('a field a newer release removed: resourceClaims[].source is refused from 1.31', () => {
    const pod = deploymentWith({ resourceClaims: [{ name: 'gpu', source: { resourceClaimName: 'gpu' } }] });
    expect(errorsFor('1.30', pod)).toEqual([]);
    expect(errorsFor('1.31', pod)).toEqual([
      '[test-dev/raw] Deployment raw: spec.template.spec.resourceClaims[0].source: unknown field in Kubernetes 1.31: up to 1.30 have it (Kubernetes 1.31: platform.kubernetesVersion)',
    ]);
  });

  test('a prop its construct already refused is reported once, not again for the object it made', () => {
    const { app, chart } = testChart(testEnv('prod'));
    new WebService(chart, 'svc', {
      image: 'registry.stackworks.io/org/git:1.0.0',
      readiness: Probe.http('/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      // The Service port would also be "must be an integer" against the API schema.
      ports: [{ name: 'http', port: 8080, servicePort: '80' as never }],
    });
    expect(errorsOf(app)).toEqual(['[test-prod/svc] ports[0].servicePort: 80 must be an integer from 1 to 65535']);
  });

  test('custom resources are not checked here (their CRDs are)', () => {
    expect(errorsFor('1.27', { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', spec: { anything: true } })).toEqual([]);
  });

  test('the default is 1.27; a version outside 1.27-1.37 is a profile error naming what is allowed', () => {
    expect(DEFAULT_KUBERNETES_VERSION).toBe('1.27');
    const pod = deploymentWith({ resources: { limits: { cpu: '1' } } });
    expect(errorsFor(undefined, pod)).toEqual([expect.stringContaining('unknown field in Kubernetes 1.27')]);
    for (const bad of ['1.26', '1.38', 1.3]) {
      expect(errorsFor(bad as string, { apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([
        expect.stringMatching(
          /environment\.platform\.kubernetesVersion: .* is not a supported Kubernetes release \(one of 1\.27, 1\.28, .*, 1\.37, as a string: '1\.30'\)$/,
        ),
      ]);
    }
  });

  test('the bundled schemas are the releases the library supports, and the cluster suite builds the first and the last', () => {
    const bundled = JSON.parse(fs.readFileSync(path.join(__dirname, '../../lib/policy/kubernetes-api.json'), 'utf8')) as { releases: string[] };
    expect(bundled.releases.map((r) => r.replace(/\.\d+$/, ''))).toEqual([...KUBERNETES_VERSIONS]);
    const built = /^K8S_VERSIONS="([^"]+)"$/m.exec(fs.readFileSync(path.join(__dirname, '../../scripts/k8s/versions.env'), 'utf8'))![1].split(' ');
    expect(built).toEqual([bundled.releases[0], bundled.releases.at(-1)]);
  });
});
