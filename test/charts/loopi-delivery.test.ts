import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS } from '../../charts/environments';
import { RELEASES } from '../../charts/releases';
import { envOf, find, mainContainer, systemObjects, workloadObject } from './support';

type Json = Record<string, any>;
const DIST = path.join(__dirname, '..', '..', 'dist');
const ENVS = ['dev', 'staging', 'prod'] as const;

/** The objects of a committed dist folder (what Argo CD deploys; CI checks it is what the code synthesizes). */
function distObjects(folder: string): Json[] {
  const out: Json[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml')
        for (const doc of parseAllDocuments(fs.readFileSync(full, 'utf8'))) out.push(doc.toJS());
    }
  };
  walk(path.join(DIST, folder));
  return out;
}

describe("Loopi's files (LP-07): a shared volume every replica mounts, and an S3 bucket", () => {
  test.each(ENVS)('%s: one ReadWriteMany claim on the profile’s file class, mounted by the API at FILES_DIR', (env) => {
    const objects = systemObjects('loopi', env);
    const claim = find(objects, 'PersistentVolumeClaim', 'files');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec.storageClassName).toBe(ENVIRONMENTS[env].platform.storage.sharedClass);
    expect(claim.spec.storageClassName).toBe({ dev: 'nfs', staging: 'files', prod: 'files-retain' }[env]);
    const api = workloadObject(objects, 'api');
    expect(api.spec.template.spec.volumes).toContainEqual({ name: 'pv-files', persistentVolumeClaim: { claimName: 'files' } });
    expect(mainContainer(api).volumeMounts).toContainEqual({ name: 'pv-files', mountPath: '/data/files' });
    expect(find(objects, 'ConfigMap', 'api-config').data.FILES_DIR).toBe('/data/files');
  });

  test.each(['staging', 'prod'] as const)('%s: an AWS S3 bucket of its own, keys from Vault by reference, HTTPS egress only', (env) => {
    const objects = systemObjects('loopi', env);
    const vars = envOf(mainContainer(workloadObject(objects, 'api')));
    expect(vars.S3_BUCKET.value).toBe(`loopi-files-${env}`);
    expect(vars.S3_ENDPOINT.value).toBe('https://s3.us-east-1.amazonaws.com');
    expect(vars.AWS_REGION.value).toBe('us-east-1');
    expect(vars.S3_FORCE_PATH_STYLE.value).toBe('false');
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      expect(vars[key].valueFrom.secretKeyRef).toEqual({ name: 'files-s3-credentials', key });
      expect(vars[key].value).toBeUndefined();
    }
    const secret = find(objects, 'ExternalSecret', 'files-s3-credentials');
    expect(secret.spec.data.map((d: Json) => d.remoteRef.key)).toEqual([`loopi/${env}/files-s3-credentials`, `loopi/${env}/files-s3-credentials`]);
    const egress = find(objects, 'NetworkPolicy', 'api').spec.egress;
    const https = egress.filter((rule: Json) => rule.to?.some((to: Json) => to.ipBlock?.cidr === '0.0.0.0/0'));
    expect(https).toHaveLength(1);
    expect(https[0].ports).toEqual([{ port: 443, protocol: 'TCP' }]);
    expect(https[0].to[0].ipBlock.except).toContain('10.0.0.0/8');
  });

  test('dev: a MinIO of its own with the same variables, a user limited to the bucket, and verified daily copies', () => {
    const objects = systemObjects('loopi', 'dev');
    const vars = envOf(mainContainer(workloadObject(objects, 'api')));
    expect(vars.S3_ENDPOINT.value).toBe('http://minio.loopi-dev.svc:9000');
    expect(vars.S3_BUCKET.value).toBe('loopi-files');
    expect(vars.S3_FORCE_PATH_STYLE.value).toBe('true');
    expect(vars.AWS_ACCESS_KEY_ID.value).toBe('loopi-files-rw');
    expect(vars.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.name).toBe('minio-loopi-files-rw');
    const bucketJob = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('minio-buckets-'))!;
    expect(mainContainer(bucketJob).command.join(' ')).toContain('loopi-files');
    const backup = find(objects, 'CronJob', 'minio-backup');
    expect(envOf(mainContainer(backup)).BUCKETS.value).toBe('loopi-files');
    expect(objects.filter((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'files-s3-credentials')).toEqual([]);
  });
});

describe('Loopi from branch to environment (LP-61)', () => {
  const application = (env: string) => find(distObjects(`${env}/argocd`), 'Application', `loopi-${env}`);

  test('dev deploys develop; staging and prod deploy main', () => {
    expect(application('dev').spec.source).toMatchObject({ path: 'dist/dev/loopi', targetRevision: 'develop' });
    expect(application('staging').spec.source).toMatchObject({ path: 'dist/staging/loopi', targetRevision: 'main' });
    expect(application('prod').spec.source).toMatchObject({ path: 'dist/prod/loopi', targetRevision: 'main' });
  });

  test("the other systems and each environment's own Applications keep the profile's revision", () => {
    const dev = distObjects('dev/argocd').filter((o) => o.kind === 'Application' && o.metadata.name !== 'loopi-dev');
    expect(dev.length).toBeGreaterThan(3);
    for (const app of dev) expect([app.metadata.name, app.spec.source.targetRevision]).toEqual([app.metadata.name, 'main']);
  });

  test.each(ENVS)("%s: the API runs the image its environment's entry of charts/releases/loopi.json records", (env) => {
    const api = workloadObject(systemObjects('loopi', env), 'api');
    expect(mainContainer(api).image).toBe(ENVIRONMENTS[env].image(RELEASES.loopi[env].api));
  });
});

/**
 * What every commit is checked for (this suite runs in CI on each one, promotion commits
 * included): each environment's committed dist runs every image its release file records.
 * A release file changed without its dist (or a hand edit of dist) fails here.
 */
describe('release files and the committed dist agree', () => {
  const cases = Object.entries(RELEASES).flatMap(([system, release]) => ENVS.map((env) => [system, env, release[env]] as const));
  test.each(cases)('%s in %s', (system, env, images) => {
    const running = new Set(
      distObjects(`${env}/${system}`)
        .flatMap((o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? [])
        .map((m) => m.slice('"image":"'.length, -1)),
    );
    expect(Object.keys(images).length).toBeGreaterThan(0);
    for (const [component, image] of Object.entries(images))
      expect([component, running.has(ENVIRONMENTS[env].image(image))]).toEqual([component, true]);
  });

  test('Feature-models’ backend, prestart and worker run the one promoted image', () => {
    const objects = systemObjects('feature-models', 'prod');
    const image = ENVIRONMENTS.prod.image(RELEASES['feature-models'].prod.backend);
    for (const name of ['backend', 'celery-worker']) expect(mainContainer(workloadObject(objects, name)).image).toBe(image);
    const prestart = objects.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('prestart'))!;
    expect(mainContainer(prestart).image).toBe(image);
  });
});
