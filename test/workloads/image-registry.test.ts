import { App } from 'cdk8s';
import { ContainerModel, Probe, WebService, Worker } from '../../lib';
import { dockerHubPath, hasRegistry } from '../../lib/workloads/image';
import { errorsOf, objectOf, render, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

describe('which references name a registry', () => {
  test.each([
    ['loopi-api:1.0.0', false, 'library/loopi-api:1.0.0'],
    ['gitea/gitea:1.22.3', false, 'gitea/gitea:1.22.3'],
    ['nginx', false, 'library/nginx'],
    [`org/app@sha256:${'a'.repeat(64)}`, false, `org/app@sha256:${'a'.repeat(64)}`],
    ['registry.loopi.com/api:1.0', true, undefined],
    ['docker.io/library/postgres:17.6', true, undefined],
    ['registry:5000/app:1', true, undefined],
    ['localhost/app:1', true, undefined],
    ['quay.io/minio/mc:RELEASE.2025-04-16T18-13-26Z', true, undefined],
  ])('%s: %p', (image, named, hub) => {
    expect(hasRegistry(image)).toBe(named);
    if (hub) expect(dockerHubPath(image)).toBe(hub);
  });
});

describe('an image without a registry host is never qualified behind the author’s back', () => {
  function build(env = testEnv('prod'), image = 'gitea/gitea:1.22.3', sidecarImage = 'fluent/fluent-bit:3.2.2'): App {
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', { image, ports: [{ name: 'http', port: 8080 }], readiness: Probe.http('/ready'), resources });
    api.addSidecar(new ContainerModel('shipper', { image: sidecarImage }, resources));
    new Worker(chart, 'worker', { image: 'docker.io/library/busybox:1.37.0', resources });
    return app;
  }

  test.each(['staging', 'prod'] as const)('in %s: an error per container naming the field and both ways out', (name) => {
    expect(errorsOf(build(testEnv(name)))).toEqual([
      `[test-${name}/api] image: 'gitea/gitea:1.22.3' names no registry host, so it would be pulled from Docker Hub, someone else's image or none; ` +
        "write docker.io/gitea/gitea:1.22.3 for the public image, or your registry's path (registry.stackworks.io/gitea/gitea:1.22.3, env.image('gitea/gitea:1.22.3'))",
      `[test-${name}/api] sidecars[0].image: 'fluent/fluent-bit:3.2.2' names no registry host, so it would be pulled from Docker Hub, someone else's image or none; ` +
        "write docker.io/fluent/fluent-bit:3.2.2 for the public image, or your registry's path (registry.stackworks.io/fluent/fluent-bit:3.2.2, env.image('fluent/fluent-bit:3.2.2'))",
    ]);
  });

  test('an official image is pointed at library/, and a profile without a registry gets a placeholder path', () => {
    expect(errorsOf(build(testEnv('prod', { platform: { registry: undefined } }), 'nginx:1.27.3'))[0]).toBe(
      "[test-prod/api] image: 'nginx:1.27.3' names no registry host, so it would be pulled from Docker Hub, someone else's image or none; " +
        "write docker.io/library/nginx:1.27.3 for the public image, or your registry's path (<your-registry>/nginx:1.27.3)",
    );
  });

  test('in dev: a warning (printed by every synth), and the image is written as it is', () => {
    const result = render(build(testEnv('dev')));
    expect(result.warnings.map((w) => `[${w.path}] ${w.message}`)).toContain(
      "[test-dev/api] image: 'gitea/gitea:1.22.3' names no registry host, so it would be pulled from Docker Hub; write docker.io/gitea/gitea:1.22.3 " +
        "for the public image, or your registry's path (registry.dev.stackworks.io/gitea/gitea:1.22.3, env.image('gitea/gitea:1.22.3')) (an error in staging and prod)",
    );
    const containers = result.objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'api')!.object.spec.template.spec
      .containers;
    expect(containers.map((c: { image: string }) => c.image)).toEqual(['gitea/gitea:1.22.3', 'fluent/fluent-bit:3.2.2']);
  });

  test('full names synthesize in every environment and are written as they are', () => {
    for (const name of ['dev', 'staging', 'prod'] as const) {
      const env = testEnv(name);
      const app = build(env, env.image('shop/api:1.4.2'), 'docker.io/fluent/fluent-bit:3.2.2');
      const api = objectOf(app, 'Deployment', 'api');
      expect(api.spec.template.spec.containers[0].image).toBe(
        `${name === 'dev' ? 'registry.dev.stackworks.io' : 'registry.stackworks.io'}/shop/api:1.4.2`,
      );
      expect(objectOf(app, 'Deployment', 'worker').spec.template.spec.containers[0].image).toBe('docker.io/library/busybox:1.37.0');
    }
  });

  test('env.image: the profile registry joined to the path; without a registry, the path as it is', () => {
    expect(testEnv('prod', { platform: { registry: { host: 'ghcr.io/acme/' } } }).image('/api:1.0.0')).toBe('ghcr.io/acme/api:1.0.0');
    expect(testEnv('prod', { platform: { registry: undefined } }).image('api:1.0.0')).toBe('api:1.0.0');
  });
});
