import { App } from 'cdk8s';
import { ContainerModel, Probe, WebService, Worker } from '../../lib';
import { hasRegistry, qualifyImage } from '../../lib/workloads/image';
import { errorsOf, objectOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

describe('which references name a registry', () => {
  test.each([
    ['loopi-api:1.0.0', false],
    ['techshop/app:1.0.0', false],
    ['nginx', false],
    [`org/app@sha256:${'a'.repeat(64)}`, false],
    ['registry.loopi.com/api:1.0', true],
    ['docker.io/library/postgres:17.6', true],
    ['registry:5000/app:1', true],
    ['localhost/app:1', true],
    ['quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z', true],
  ])('%s: %p', (image, named) => {
    expect(hasRegistry(image)).toBe(named);
    expect(qualifyImage(image, 'registry.stackworks.io/apps')).toBe(named ? image : `registry.stackworks.io/apps/${image}`);
  });

  test('no registry leaves the reference as it is', () => {
    expect(qualifyImage('loopi-api:1.0.0', undefined)).toBe('loopi-api:1.0.0');
  });
});

describe("application images come from the profile's registry", () => {
  function build(env = testEnv('prod')): App {
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      image: 'loopi-api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources,
    });
    api.addSidecar(new ContainerModel('shipper', { image: 'techshop/log-shipper:2.1.0' }, resources));
    new Worker(chart, 'worker', { image: 'docker.io/library/busybox:1.37.0', resources });
    return app;
  }

  test('main containers and sidecars are qualified; fully named images are left alone', () => {
    const app = build();
    const containers = objectOf(app, 'Deployment', 'api').spec.template.spec.containers;
    expect(containers.map((c: { image: string }) => c.image)).toEqual([
      'registry.stackworks.io/loopi-api:1.0.0',
      'registry.stackworks.io/techshop/log-shipper:2.1.0',
    ]);
    expect(objectOf(app, 'Deployment', 'worker').spec.template.spec.containers[0].image).toBe('docker.io/library/busybox:1.37.0');
  });

  test.each(['staging', 'prod'] as const)('without a registry in %s, every unqualified image is an error naming the workload and field', (name) => {
    const errors = errorsOf(build(testEnv(name, { platform: { registry: undefined } })));
    expect(errors).toEqual([
      `[test-${name}/api] image: 'loopi-api:1.0.0' names no registry and the cluster profile has none (platform.registry.host); in ${name} it would be pulled from Docker Hub, someone else's image or none: set platform.registry.host, or write the full reference (docker.io/library/<name> for an official image)`,
      expect.stringMatching(new RegExp(`^\\[test-${name}/api\\] sidecars\\[0\\]\\.image: 'techshop/log-shipper:2\\.1\\.0' names no registry`)),
    ]);
  });

  test('without a registry in dev, a warning, and Docker Hub semantics', () => {
    const app = build(testEnv('dev', { platform: { registry: undefined } }));
    const result = render(app);
    expect(result.warnings.map((w) => `[${w.path}] ${w.message}`)).toEqual(
      expect.arrayContaining([
        "[test-dev/api] image: 'loopi-api:1.0.0' names no registry and the cluster profile has none (platform.registry.host): it is pulled from Docker Hub",
      ]),
    );
    expect(
      result.objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'api')!.object.spec.template.spec.containers[0].image,
    ).toBe('loopi-api:1.0.0');
  });
});
