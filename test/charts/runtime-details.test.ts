import { frontendBuild } from '../../charts/feature-models';
import { ENVIRONMENTS } from '../../charts/environments';
import { envOf, find, kinds, mainContainer, readmeOf, systemObjects, workloadObject } from './support';

const SYSTEMS = ['capibara6', 'chatnomina', 'feature-models', 'loopi', 'techshop'] as const;

describe('restore runbooks stop each writer the way its object allows', () => {
  test.each(SYSTEMS)('%s (prod): every scale names a Deployment, Rollout or StatefulSet, every deleted Job a Job of the folder', (system) => {
    const objects = systemObjects(system, 'prod');
    const readme = readmeOf(system, 'prod');
    const names = (kind: string) => kinds(objects, kind).map((o) => o.metadata.name);
    const kindOf: Record<string, string> = { deployment: 'Deployment', rollout: 'Rollout', statefulset: 'StatefulSet' };
    for (const [, kind, name] of readme.matchAll(/kubectl -n \S+ scale (deployment|rollout|statefulset)\/(\S+) --replicas=0/g))
      expect(names(kindOf[kind])).toContain(name);
    for (const [, name] of readme.matchAll(/kubectl -n \S+ delete job\/(\S+) --ignore-not-found --wait/g)) expect(names('Job')).toContain(name);
    expect(readme).toMatch(/kubectl -n \S+ scale (deployment|rollout)\/\S+ --replicas=0/);
    expect(readme).not.toMatch(/scale deployment\/(prestart|migrate)\b/);
  });

  test.each([
    ['feature-models', 'prestart'],
    ['chatnomina', 'migrate'],
  ])('%s: the migration Job %s is deleted if still running, not scaled', (system, job) => {
    const readme = readmeOf(system, 'prod');
    const jobName = kinds(systemObjects(system, 'prod'), 'Job').find((j) => j.metadata.name.startsWith(`${job}-`))!.metadata.name;
    expect(readme).toContain(`delete job/${jobName} --ignore-not-found --wait`);
  });
});

describe('passwords in connection URLs', () => {
  test('generated values are letters and digits only (URL-safe by construction)', () => {
    const generators = SYSTEMS.flatMap((system) => kinds(systemObjects(system, 'dev'), 'Password'));
    expect(generators.length).toBeGreaterThan(5);
    for (const generator of generators) expect(generator.spec).toMatchObject({ symbols: 0 });
  });

  test('TechShop (prod): the README states the URL-safe rule for exactly the keys spliced into MONGODB_URI and REDIS_URL', () => {
    const app = workloadObject(systemObjects('techshop', 'prod'), 'app');
    const env = envOf(mainContainer(app));
    expect(env.MONGODB_URI.value).toMatch(/^mongodb:\/\/[a-z_]+:\$\(MONGODB_URI_PASSWORD\)@/);
    const passwordKey = env.MONGODB_URI_PASSWORD.valueFrom.secretKeyRef.key;
    const readme = readmeOf('techshop', 'prod');
    const rule = readme.split('\n').filter((l) => l.includes('spliced into connection URLs'));
    expect(rule.length).toBeGreaterThanOrEqual(2);
    expect(rule).toContainEqual(
      `# ${passwordKey}: spliced into connection URLs, so letters, digits and - . _ ~ only (e.g. \`openssl rand -hex 32\`).`,
    );
    // The rule sits on the line before the command that stores the value.
    const lines = readme.split('\n');
    for (const line of rule) expect(lines[lines.indexOf(line) + 1]).toMatch(/^vault kv put /);
  });

  test('ChatNomina reads discrete variables: no rule is stated for its passwords', () => {
    expect(readmeOf('chatnomina', 'prod')).not.toContain('spliced into connection URLs');
  });
});

describe('details of the seeds', () => {
  test.each([
    ['loopi', 'api'],
    ['techshop', 'app'],
    ['chatnomina', 'api'],
  ])('%s %s: the readiness probe runs every 5 s, as the seed says', (system, name) => {
    expect(mainContainer(workloadObject(systemObjects(system, 'prod'), name)).readinessProbe.periodSeconds).toBe(5);
  });

  test('ChatNomina: /var/log/chatnomina is a writable emptyDir under the read-only root', () => {
    const api = workloadObject(systemObjects('chatnomina', 'prod'), 'api');
    const container = mainContainer(api);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/var/log/chatnomina');
    expect(mount).toBeDefined();
    expect(api.spec.template.spec.volumes.find((v: any) => v.name === mount.name).emptyDir).toBeDefined();
  });

  test('Feature-models: the dashboard image is built per environment with its API URL; nothing sets NEXT_PUBLIC_* at run time', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const objects = systemObjects('feature-models', env);
      const frontend = workloadObject(objects, 'frontend');
      expect(mainContainer(frontend).image).toBe(ENVIRONMENTS[env].image(frontendBuild({ name: env }).image));
      expect(mainContainer(frontend).image).toMatch(new RegExp(`:1\\.0\\.0-${env}$`));
      expect(JSON.stringify(objects.filter((o) => ['ConfigMap', 'Deployment', 'Rollout'].includes(o.kind)))).not.toContain('NEXT_PUBLIC_');
    }
    expect(frontendBuild({ name: 'staging' }).buildArgs).toEqual({ NEXT_PUBLIC_API_URL: 'https://api.staging.feature-models.com' });
    expect(frontendBuild({ name: 'prod' }).buildArgs).toEqual({ NEXT_PUBLIC_API_URL: 'https://api.feature-models.com' });
  });
});

describe('ChatNomina: the Chat and Auth services of the seed beside the API', () => {
  const prod = systemObjects('chatnomina', 'prod');

  test.each(['api', 'chat', 'auth'])('%s: its own image, 3 to 10 replicas on 8000 behind port 80, the shared settings and JWT secret', (name) => {
    const deployment = workloadObject(prod, name);
    const container = mainContainer(deployment);
    // The seed's 3 replicas are the HPA's minimum (the Deployment leaves replicas to it).
    expect(deployment.spec.replicas).toBeUndefined();
    expect(find(prod, 'HorizontalPodAutoscaler', name).spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(container.image).toBe(`registry.stackworks.io/chatnomina/${name}:1.0.0`);
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/ready' }, periodSeconds: 5 });
    expect(container.envFrom).toContainEqual({ configMapRef: { name: 'api-config' } });
    const env = envOf(container);
    for (const v of ['DB_HOST', 'DB_PASSWORD', 'REDIS_HOST', 'REDIS_PASSWORD', 'JWT_SECRET', 'AWS_ACCESS_KEY_ID']) expect(env[v]).toBeDefined();
    expect(container.ports).toContainEqual(expect.objectContaining({ name: 'http', containerPort: 8000 }));
    expect(find(prod, 'Service', name).spec.ports).toContainEqual(expect.objectContaining({ port: 80, targetPort: 'http' }));
  });

  test('the database and the cache (its HAProxy, in front of the members) admit all three; the migration gates all three', () => {
    for (const store of ['db', 'cache-proxy']) {
      const policy = find(prod, 'NetworkPolicy', store);
      const peers = JSON.stringify(policy.spec.ingress);
      for (const name of ['api', 'chat', 'auth']) expect(peers).toContain(`"app.kubernetes.io/name":"${name}"`);
    }
    expect(kinds(prod, 'Job').some((j) => j.metadata.name.startsWith('migrate-'))).toBe(true);
    for (const name of ['api', 'chat', 'auth'])
      expect(workloadObject(prod, name).spec.template.spec.initContainers.map((c: any) => c.name)).toContain('wait-for-migration');
  });

  test('one host: /api/v1/chat to chat, /api/v1/auth to auth, the rest to the API', () => {
    // The endpoint's routes; the other Ingress only refuses the API's metrics path (covered by the edge tests).
    const [ingress, ...others] = kinds(prod, 'Ingress').filter((i) => !i.metadata.name.endsWith('-private-metrics'));
    expect(others).toEqual([]);
    expect(ingress.spec.rules[0].host).toBe('api.chatnomina.com');
    expect(ingress.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name])).toEqual([
      ['/api/v1/chat', 'chat'],
      ['/api/v1/auth', 'auth'],
      ['/', 'api'],
    ]);
  });

  test('all three are scraped and reach AWS S3 on 443 only outside the cluster', () => {
    for (const name of ['api', 'chat', 'auth']) {
      expect(find(prod, 'ServiceMonitor', name).spec.endpoints[0].path).toBe('/metrics');
      const egress = JSON.stringify(find(prod, 'NetworkPolicy', name).spec.egress);
      expect(egress).toContain('"cidr":"0.0.0.0/0"');
      expect(egress).toContain('"port":443');
    }
  });
});

describe('scaling and rate limits the seeds ask for', () => {
  test("ChatNomina: the seed's Auto Scaling Groups, an HPA on CPU for API, Chat and Auth in staging and prod, none in dev", () => {
    for (const [env, min, max, kind] of [
      ['staging', 2, 4, 'Deployment'],
      // Canary releases in prod: the HPA scales the Rollout.
      ['prod', 3, 10, 'Rollout'],
    ] as const) {
      const objects = systemObjects('chatnomina', env);
      for (const name of ['api', 'chat', 'auth']) {
        const hpa = find(objects, 'HorizontalPodAutoscaler', name);
        expect(hpa.spec).toMatchObject({ minReplicas: min, maxReplicas: max, scaleTargetRef: { kind, name } });
        expect(hpa.spec.metrics).toContainEqual(
          expect.objectContaining({ resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }),
        );
      }
    }
    expect(kinds(systemObjects('chatnomina', 'dev'), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('Feature-models: the backend and the dashboard autoscale on CPU in staging and prod', () => {
    const prod = systemObjects('feature-models', 'prod');
    expect(find(prod, 'HorizontalPodAutoscaler', 'backend').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
    expect(find(prod, 'HorizontalPodAutoscaler', 'frontend').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(workloadObject(prod, 'backend').spec.replicas).toBeUndefined();
    expect(find(systemObjects('feature-models', 'staging'), 'HorizontalPodAutoscaler', 'backend').spec.maxReplicas).toBe(4);
    expect(kinds(systemObjects('feature-models', 'dev'), 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('Feature-models: the API is rate-limited per client by a Traefik middleware, the dashboard is not', () => {
    const prod = systemObjects('feature-models', 'prod');
    const limits = kinds(prod, 'Middleware').filter((m) => m.spec.rateLimit);
    expect(limits.map((m) => m.spec.rateLimit)).toEqual([{ average: 10, burst: 20, period: '1s' }]);
    const middlewaresOf = (ingress: any) => String(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']);
    // The endpoint's routes, not the Ingress that refuses the metrics path (covered by the edge tests).
    const ingresses = kinds(prod, 'Ingress').filter((i) => !i.metadata.name.endsWith('-private-metrics'));
    const byHost = (host: string) => {
      const found = ingresses.filter((i) => i.spec.rules.some((r: any) => r.host === host));
      expect(found).toHaveLength(1);
      return found[0];
    };
    const api = byHost('api.feature-models.com');
    const dashboard = byHost('dashboard.feature-models.com');
    expect(middlewaresOf(api)).toContain(`feature-models-prod-${limits[0].metadata.name}@kubernetescrd`);
    expect(middlewaresOf(dashboard)).not.toContain('rate-limit');
    expect(dashboard.spec.rules.map((r: any) => r.host)).toEqual(['dashboard.feature-models.com']);
  });
});
