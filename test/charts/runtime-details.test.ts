import { frontendBuild } from '../../charts/feature-models';
import { ENVIRONMENTS } from '../../charts/environments';
import { envOf, find, kinds, mainContainer, readmeOf, systemObjects } from './support';

const SYSTEMS = ['capibara6', 'chatnomina', 'feature-models', 'loopi', 'techshop'] as const;

describe('restore runbooks stop each writer the way its object allows', () => {
  test.each(SYSTEMS)('%s (prod): every scale names a Deployment or StatefulSet, every deleted Job a Job of the folder', (system) => {
    const objects = systemObjects(system, 'prod');
    const readme = readmeOf(system, 'prod');
    const names = (kind: string) => kinds(objects, kind).map((o) => o.metadata.name);
    for (const [, kind, name] of readme.matchAll(/kubectl -n \S+ scale (deployment|statefulset)\/(\S+) --replicas=0/g))
      expect(names(kind === 'deployment' ? 'Deployment' : 'StatefulSet')).toContain(name);
    for (const [, name] of readme.matchAll(/kubectl -n \S+ delete job\/(\S+) --ignore-not-found --wait/g)) expect(names('Job')).toContain(name);
    expect(readme).toMatch(/kubectl -n \S+ scale deployment\/\S+ --replicas=0/);
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
    const app = find(systemObjects('techshop', 'prod'), 'Deployment', 'app');
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
    expect(mainContainer(find(systemObjects(system, 'prod'), 'Deployment', name)).readinessProbe.periodSeconds).toBe(5);
  });

  test('ChatNomina: /var/log/chatnomina is a writable emptyDir under the read-only root', () => {
    const api = find(systemObjects('chatnomina', 'prod'), 'Deployment', 'api');
    const container = mainContainer(api);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    const mount = container.volumeMounts.find((m: any) => m.mountPath === '/var/log/chatnomina');
    expect(mount).toBeDefined();
    expect(api.spec.template.spec.volumes.find((v: any) => v.name === mount.name).emptyDir).toBeDefined();
  });

  test('Feature-models: the dashboard image is built per environment with its API URL; nothing sets NEXT_PUBLIC_* at run time', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const objects = systemObjects('feature-models', env);
      const frontend = find(objects, 'Deployment', 'frontend');
      expect(mainContainer(frontend).image).toBe(ENVIRONMENTS[env].image(frontendBuild({ name: env }).image));
      expect(mainContainer(frontend).image).toMatch(new RegExp(`:1\\.0\\.0-${env}$`));
      expect(JSON.stringify(objects.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Deployment'))).not.toContain('NEXT_PUBLIC_');
    }
    expect(frontendBuild({ name: 'staging' }).buildArgs).toEqual({ NEXT_PUBLIC_API_URL: 'https://api.staging.feature-models.com' });
    expect(frontendBuild({ name: 'prod' }).buildArgs).toEqual({ NEXT_PUBLIC_API_URL: 'https://api.feature-models.com' });
  });
});
