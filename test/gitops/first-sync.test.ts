import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { ArgoCdApplications, EnvironmentName, PersistentVolume, Probe, ScheduledTask, synthesize, SynthResult, WebService } from '../../lib';
import { ARGOCD_HEALTH_CUSTOMIZATIONS } from '../../lib/gitops/argocd-health';
import { FIRST_CONSUMER_ANNOTATION } from '../../lib/gitops/render';
import { buildRepositoryApp } from '../../charts/app';
import { errorsOf, render, testChart, testEnv, tmpdir, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;
const ENVS: EnvironmentName[] = ['dev', 'staging', 'prod'];
const WAVE = 'argocd.argoproj.io/sync-wave';
const wave = (o: Json) => Number(o.metadata.annotations[WAVE]);
const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

const results = new Map<EnvironmentName, SynthResult>();
function synthOf(env: EnvironmentName): SynthResult {
  if (!results.has(env))
    results.set(env, synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true }));
  return results.get(env)!;
}
const objectsIn = (env: EnvironmentName, folder: (f: string) => boolean): Json[] =>
  synthOf(env)
    .objects.filter((o) => folder(o.folder))
    .map((o) => o.object);

/** The pod templates of a workload. */
function templates(o: Json): Json[] {
  if (o.kind === 'CronJob') return [o.spec.jobTemplate.spec.template];
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind) ? [o.spec.template] : [];
}

describe.each(ENVS)('%s: what a first sync of a blank cluster needs from dist', (env) => {
  test('every claim is in the wave of its first consumer, never before it, and marked for the WaitForFirstConsumer health rule', () => {
    const result = synthOf(env);
    const folders = new Set(result.objects.map((o) => o.folder));
    let claims = 0;
    for (const folder of folders) {
      const applied = result.objects.filter((o) => o.folder === folder && o.placement === 'applied');
      for (const claim of applied.filter((o) => o.object.kind === 'PersistentVolumeClaim')) {
        claims++;
        const consumers = applied.filter((o) =>
          templates(o.object).some((t) =>
            (t.spec.volumes ?? []).some((v: Json) => v.persistentVolumeClaim?.claimName === claim.object.metadata.name),
          ),
        );
        expect(claim.object.metadata.annotations[FIRST_CONSUMER_ANNOTATION]).toBe('true');
        if (consumers.length > 0)
          expect({ claim: claim.file, wave: wave(claim.object) }).toEqual({
            claim: claim.file,
            wave: Math.min(...consumers.map((c) => wave(c.object))),
          });
        expect(claim.file.startsWith(`${String(wave(claim.object)).padStart(2, '0')}-`)).toBe(true);
      }
    }
    if (env !== 'dev') expect(claims).toBeGreaterThan(0);
  });

  test('kubectl apply -k dist/<env>/argocd creates the project and the root only; the root syncs the folder as plain manifests', () => {
    const result = synthOf(env);
    const argocd = result.objects.filter((o) => o.folder === `${env}/argocd`);
    const kustomized = argocd
      .filter((o) => ['AppProject', 'Application'].includes(o.object.kind) && o.object.metadata.name === `stacks-${env}`)
      .map((o) => o.file);
    expect(kustomized).toHaveLength(2);
    const dir = tmpdir('first-sync');
    synthesize(buildRepositoryApp({ envs: [env], outdir: dir }), { outdir: dir });
    const kustomization = parse(fs.readFileSync(path.join(dir, env, 'argocd', 'kustomization.yaml'), 'utf8'));
    expect(kustomization.resources).toEqual(kustomized.sort());
    const root = argocd.find((o) => o.object.kind === 'Application' && o.object.metadata.name === `stacks-${env}`)!.object;
    expect(root.spec.source.directory).toEqual({ exclude: 'kustomization.yaml' });
  });

  test("the root's children sync in order: the platform, then its Prometheus, then the systems; retries outlast the platform's install", () => {
    const apps = objectsIn(env, (f) => f === `${env}/argocd`).filter((o) => o.kind === 'Application' && o.metadata.name !== `stacks-${env}`);
    const platform = apps.find((a) => a.metadata.name === `platform-${env}`)!;
    const prometheus = apps.find((a) => a.metadata.name === `prometheus-${env}`)!;
    const systems = apps.filter((a) => a !== platform && a !== prometheus);
    expect(systems.length).toBeGreaterThan(0);
    expect(wave(platform)).toBeLessThan(wave(prometheus));
    for (const s of systems) expect(wave(s)).toBeGreaterThan(wave(prometheus));
    for (const a of objectsIn(env, () => true).filter((o) => o.kind === 'Application')) {
      expect(a.spec.syncPolicy.automated).toBeDefined();
      expect(a.spec.syncPolicy.retry.limit).toBeGreaterThanOrEqual(10);
      expect(a.spec.syncPolicy.retry.backoff).toEqual({ duration: '10s', factor: 2, maxDuration: '3m' });
    }
  });

  test('every custom resource whose CRD another Application installs skips the dry run', () => {
    // Groups the API server serves itself, and Argo CD's (installed before any Application).
    const builtIn =
      /^(v1|(apps|batch|policy|autoscaling|networking\.k8s\.io|rbac\.authorization\.k8s\.io|scheduling\.k8s\.io|storage\.k8s\.io|argoproj\.io)\/[a-z0-9]+)$/;
    const missing = objectsIn(env, () => true)
      .filter((o) => !builtIn.test(o.apiVersion))
      .filter((o) => !(o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',').includes('SkipDryRunOnMissingResource=true'))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(missing).toEqual([]);
    // Built-in kinds keep their dry run.
    const builtins = objectsIn(env, () => true).filter((o) => builtIn.test(o.apiVersion));
    expect(builtins.filter((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-options']?.includes('SkipDryRun'))).toEqual([]);
  });

  test('every Application and the project use the destination server of the profile', () => {
    for (const a of objectsIn(env, () => true).filter((o) => o.kind === 'Application'))
      expect(a.spec.destination.server).toBe('https://kubernetes.default.svc');
  });
});

test("prod's platform layer installs the Barman Cloud plugin beside CloudNativePG, after cert-manager, for ChatNomina's ObjectStore", () => {
  const objects = objectsIn('prod', () => true);
  expect(objects.filter((o) => o.kind === 'ObjectStore' && o.metadata.namespace === 'chatnomina-prod').length).toBeGreaterThan(0);
  const apps = objectsIn('prod', (f) => f === 'prod/platform').filter((o) => o.kind === 'Application');
  const plugin = apps.find((a) => a.metadata.name === 'barman-cloud-plugin-prod')!;
  const cnpg = apps.find((a) => a.metadata.name === 'cloudnative-pg-prod')!;
  const certManager = apps.find((a) => a.metadata.name === 'cert-manager-prod')!;
  expect(plugin.spec.source).toEqual(
    expect.objectContaining({ repoURL: 'https://cloudnative-pg.github.io/charts', chart: 'plugin-barman-cloud', targetRevision: '0.8.0' }),
  );
  expect(plugin.spec.destination.namespace).toBe(cnpg.spec.destination.namespace);
  expect(wave(plugin)).toBeGreaterThan(wave(certManager));
  // The other environments have no CloudNativePG backups: no plugin.
  for (const env of ['dev', 'staging'] as const)
    expect(objectsIn(env, (f) => f === `${env}/platform`).some((o) => o.metadata.name === `barman-cloud-plugin-${env}`)).toBe(false);
});

describe('the health rules dist relies on', () => {
  test('Application health follows its resources; a marked Pending claim passes, any other Pending claim progresses', () => {
    expect(Object.keys(ARGOCD_HEALTH_CUSTOMIZATIONS).sort()).toEqual([
      'resource.customizations.health.PersistentVolumeClaim',
      'resource.customizations.health.argoproj.io_Application',
    ]);
    const claim = ARGOCD_HEALTH_CUSTOMIZATIONS['resource.customizations.health.PersistentVolumeClaim'];
    expect(claim).toContain(`annotations["${FIRST_CONSUMER_ANNOTATION}"] == "true"`);
    expect(claim).toMatch(/phase == "Lost"[\s\S]*Degraded/);
  });
});

describe('a claim placed before its consumer', () => {
  test('a Deployment mounting a claim pulls the claim into its own wave', () => {
    const { app, chart } = testChart(testEnv('prod', { platform: { storage: { defaultClass: 'fast', classes: { fast: { preinstalled: true } } } } }));
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 3000 }],
      readiness: Probe.http('/'),
      resources,
      replicas: 1,
    });
    new PersistentVolume(chart, 'uploads', { size: '1Gi' }).mountOn(api, '/data');
    const result = render(app);
    const claim = result.objects.find((o) => o.object.kind === 'PersistentVolumeClaim')!;
    const deployment = result.objects.find((o) => o.object.kind === 'Deployment')!;
    expect(claim.applyOrder).toBe(deployment.applyOrder);
    expect(claim.file).toBe(`${deployment.applyOrder}-persistentvolumeclaim-uploads.yaml`);
    expect(claim.object.metadata.annotations[WAVE]).toBe(String(deployment.applyOrder));
    expect(claim.object.spec.storageClassName).toBe('fast');
  });

  test('a claim only a CronJob mounts keeps its place and passes health while it waits', () => {
    const { app, chart } = testChart(testEnv('prod'));
    const task = new ScheduledTask(chart, 'report', {
      image: 'registry.stackworks.io/org/report:1.0.0',
      command: ['run'],
      schedule: '0 3 * * *',
      resources,
    });
    new PersistentVolume(chart, 'reports', { size: '1Gi' }).mountOn(task, '/reports');
    const result = render(app);
    const claim = result.objects.find((o) => o.object.kind === 'PersistentVolumeClaim')!;
    const cron = result.objects.find((o) => o.object.kind === 'CronJob')!;
    expect(claim.applyOrder).toBe(cron.applyOrder);
    expect(claim.object.metadata.annotations[FIRST_CONSUMER_ANNOTATION]).toBe('true');
  });
});

describe('storage classes in the profile', () => {
  test('a class the profile names must be declared, created with a provisioner or preinstalled; bad fields are reported with their paths', () => {
    const errors = (storage: unknown) => {
      const { app } = testChart(testEnv('prod', { platform: { storage: storage as never } }));
      return errorsOf(app).filter((e) => e.includes('storage'));
    };
    expect(errors({ defaultClass: 'ssd' })).toEqual([
      expect.stringMatching(/environment\.platform\.storage\.defaultClass: 'ssd' is not declared in storage\.classes/),
    ]);
    expect(errors({ defaultClass: 'ssd', classes: { ssd: { preinstalled: true } } })).toEqual([]);
    // A malformed name is reported once (not also as undeclared).
    expect(errors({ defaultClass: 'SSD Fast' })).toEqual([expect.stringMatching(/storage\.defaultClass: 'SSD Fast' must consist of/)]);
    expect(errors({ classes: { ssd: { provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'Later', reclaimPolicy: 'Keep' } } })).toEqual([
      expect.stringMatching(/storage\.classes\.ssd\.reclaimPolicy: 'Keep' must be one of Delete, Retain/),
      expect.stringMatching(/storage\.classes\.ssd\.volumeBindingMode: 'Later' must be one of WaitForFirstConsumer, Immediate/),
    ]);
    expect(errors({ classes: { ssd: {} } })).toEqual([expect.stringMatching(/storage\.classes\.ssd\.provisioner: is required/)]);
    expect(errors({ classes: { ssd: { preinstalled: true, provisioner: 'x' } } })).toEqual([
      expect.stringMatching(/storage\.classes\.ssd: a preinstalled class has no other fields than encryptionAtRest/),
    ]);
  });

  test('the shared class must be declared like the default class; encryption at rest is stated completely and agrees with the provisioner', () => {
    const errors = (storage: unknown) => {
      const { app } = testChart(testEnv('prod', { platform: { storage: storage as never } }));
      return errorsOf(app).filter((e) => e.includes('storage'));
    };
    expect(errors({ sharedClass: 'nfs', classes: { ssd: { preinstalled: true } } })).toEqual([
      expect.stringMatching(/environment\.platform\.storage\.sharedClass: 'nfs' is not declared in storage\.classes/),
    ]);
    expect(
      errors({
        sharedClass: 'nfs',
        classes: {
          nfs: { preinstalled: true, encryptionAtRest: { encrypted: false } },
          ssd: { preinstalled: true, encryptionAtRest: { encrypted: true, by: 'LUKS' } },
        },
      }),
    ).toEqual([]);
    expect(errors({ classes: { ssd: { preinstalled: true, encryptionAtRest: { encrypted: true } } } })).toEqual([
      expect.stringMatching(/storage\.classes\.ssd\.encryptionAtRest\.by: is required when encrypted is true/),
    ]);
    expect(errors({ classes: { ssd: { preinstalled: true, encryptionAtRest: { encrypted: 'yes', key: 'k' } } } })).toEqual([
      expect.stringMatching(/storage\.classes\.ssd\.encryptionAtRest\.key: is not an encryption field \(encrypted, by\)/),
      expect.stringMatching(/storage\.classes\.ssd\.encryptionAtRest\.encrypted: must be true or false \(is 'yes'\)/),
    ]);
    expect(errors({ classes: { ssd: { preinstalled: true, encryptionAtRest: true } } })).toEqual([
      expect.stringMatching(/storage\.classes\.ssd\.encryptionAtRest: must be \{ encrypted: true, by: '\.\.\.' \} or \{ encrypted: false \}/),
    ]);
    // EBS encrypts only with its own parameter: a statement that contradicts it is refused.
    const ebs = (parameters: Record<string, string>) => ({
      classes: { gp3: { provisioner: 'ebs.csi.aws.com', parameters, encryptionAtRest: { encrypted: true, by: 'EBS with KMS' } } },
    });
    expect(errors(ebs({ type: 'gp3', encrypted: 'true' }))).toEqual([]);
    expect(errors(ebs({ type: 'gp3' }))).toEqual([
      expect.stringMatching(
        /storage\.classes\.gp3\.encryptionAtRest\.encrypted: is true, but ebs\.csi\.aws\.com encrypts only with parameters\.encrypted: 'true' \(not set\)/,
      ),
    ]);
  });

  test('the destination server is validated: an https URL of an API server', () => {
    const errors = (destinationServer: unknown) => {
      const { app } = testChart(testEnv('prod', { platform: { argocd: { destinationServer } as never } }));
      return errorsOf(app).filter((e) => e.includes('destinationServer'));
    };
    expect(errors('https://127.0.0.1:6443')).toEqual([]);
    expect(errors('http://127.0.0.1:6443')).toEqual([
      expect.stringMatching(/argocd\.destinationServer: 'http:\/\/127\.0\.0\.1:6443' must be the https URL/),
    ]);
    expect(errors(42)).toHaveLength(1);
  });
});

describe('the storage classes the output names', () => {
  test('every class an object names must be declared when the profile declares its classes', () => {
    const { app, chart } = testChart(testEnv('prod', { platform: { storage: { defaultClass: 'ssd', classes: { ssd: { preinstalled: true } } } } }));
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 3000 }],
      readiness: Probe.http('/'),
      resources,
      replicas: 1,
    });
    new PersistentVolume(chart, 'uploads', { size: '1Gi', storageClassName: 'nfs' }).mountOn(api, '/data');
    new PersistentVolume(chart, 'cache', { size: '1Gi' }).mountOn(api, '/cache');
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /\[test-prod\/uploads[^\]]*\] storageClassName: 'nfs' \(PersistentVolumeClaim uploads\) is not declared in the cluster profile's storage\.classes \(ssd\)/,
      ),
    ]);
  });

  test('the platform layer creates the classes the profile gives a provisioner, and the project admits StorageClass', () => {
    const env = testEnv('prod', {
      platform: {
        storage: {
          defaultClass: 'fast',
          classes: { fast: { provisioner: 'ebs.csi.aws.com', reclaimPolicy: 'Retain', parameters: { type: 'gp3' } }, slow: { preinstalled: true } },
        },
        argocd: { destinationServer: 'https://127.0.0.1:6443' },
      },
    });
    const { app, chart } = testChart(env);
    const api = new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 3000 }],
      readiness: Probe.http('/'),
      resources,
      replicas: 1,
    });
    new PersistentVolume(chart, 'uploads', { size: '1Gi' }).mountOn(api, '/data');
    new ArgoCdApplications(app, { environment: env, systems: ['test'] });
    const objects = render(app).objects.map((o) => o.object);
    const classes = objects.filter((o) => o.kind === 'StorageClass');
    expect(classes).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'fast' }),
        provisioner: 'ebs.csi.aws.com',
        reclaimPolicy: 'Retain',
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: false,
        parameters: { type: 'gp3' },
      }),
    ]);
    const project = objects.find((o) => o.kind === 'AppProject')!;
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'storage.k8s.io', kind: 'StorageClass' });
    // The destination server of the profile, everywhere.
    for (const a of objects.filter((o) => o.kind === 'Application')) expect(a.spec.destination.server).toBe('https://127.0.0.1:6443');
    expect(new Set(project.spec.destinations.map((d: Json) => d.server))).toEqual(new Set(['https://127.0.0.1:6443']));
  });
});
