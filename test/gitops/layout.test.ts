import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildRepositoryApp } from '../../charts/app';
import { synthesize } from '../../lib';
import { tmpdir, UNUSED_OUTDIR } from '../support/synth';

const out = path.join(tmpdir('dist'), 'dist');
beforeAll(() => synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR }), { outdir: out }));

/** Every folder with a kustomization.yaml: `<env>/<system>`, `<env>/argocd`, `<env>/platform/<component>`. */
function folders(): string[] {
  const found: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(out, rel), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const child = path.join(rel, entry.name);
      if (fs.existsSync(path.join(out, child, 'kustomization.yaml'))) found.push(child);
      if (entry.name === 'platform') walk(child);
    }
  };
  for (const env of fs.readdirSync(out)) walk(env);
  expect(found).toEqual(expect.arrayContaining(['prod/loopi', 'prod/argocd', 'prod/platform/prometheus']));
  return found;
}

describe('dist layout', () => {
  test('one object per file, named NN-kind-name.yaml, NN equal to the Argo CD sync wave', () => {
    for (const folder of folders()) {
      for (const file of fs.readdirSync(path.join(out, folder)).filter((f) => /^\d\d-/.test(f))) {
        const docs = fs.readFileSync(path.join(out, folder, file), 'utf8').split(/^---$/m);
        expect(docs).toHaveLength(1);
        const object = parse(docs[0]);
        expect(file).toBe(`${file.slice(0, 2)}-${object.kind.toLowerCase()}-${object.metadata.name}.yaml`);
        expect(object.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(Number(file.slice(0, 2))));
      }
    }
  });

  test("kustomization.yaml lists exactly the applied files, in apply order; the Argo CD folder's lists its bootstrap only", () => {
    for (const folder of folders()) {
      const kustomization = parse(fs.readFileSync(path.join(out, folder, 'kustomization.yaml'), 'utf8'));
      const applied = fs
        .readdirSync(path.join(out, folder))
        .filter((f) => /^\d\d-.*\.yaml$/.test(f))
        .sort();
      expect(kustomization.kind).toBe('Kustomization');
      // `kubectl apply -k dist/<env>/argocd` creates the project and the root; the root creates the rest in waves.
      const env = folder.split('/')[0];
      if (folder.endsWith('/argocd'))
        expect(kustomization.resources).toEqual([`91-appproject-stacks-${env}.yaml`, `92-application-stacks-${env}.yaml`]);
      else expect(kustomization.resources).toEqual(applied);
    }
  });

  test('the namespace comes first and workloads come after their configuration', () => {
    const files = fs.readdirSync(path.join(out, 'prod', 'loopi')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect(files[0]).toBe('00-namespace-loopi-prod.yaml');
    const index = (prefix: string) => files.findIndex((f) => f.includes(prefix));
    expect(index('-configmap-')).toBeLessThan(index('-deployment-'));
    expect(index('-serviceaccount-')).toBeLessThan(index('-deployment-'));
  });

  test('recommended labels on every object and every pod template', () => {
    const keys = ['name', 'instance', 'component', 'part-of', 'managed-by', 'version'].map((k) => `app.kubernetes.io/${k}`);
    let checked = 0;
    for (const folder of folders()) {
      for (const file of fs.readdirSync(path.join(out, folder)).filter((f) => /^\d\d-.*\.yaml$/.test(f))) {
        const object = parse(fs.readFileSync(path.join(out, folder, file), 'utf8'));
        for (const key of keys) expect(object.metadata.labels).toHaveProperty([key]);
        const template = object.spec?.template ?? object.spec?.jobTemplate?.spec?.template;
        if (template) for (const key of keys) expect(template.metadata.labels).toHaveProperty([key]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  test('cluster-scoped objects carry no namespace; namespaced ones carry the system namespace', () => {
    const ns = parse(fs.readFileSync(path.join(out, 'prod', 'loopi', '00-namespace-loopi-prod.yaml'), 'utf8'));
    expect(ns.metadata.namespace).toBeUndefined();
    const deployment = parse(fs.readFileSync(path.join(out, 'prod', 'loopi', '60-deployment-api.yaml'), 'utf8'));
    expect(deployment.metadata.namespace).toBe('loopi-prod');
  });

  test('Argo CD Applications point at the system folders', () => {
    const app = parse(fs.readFileSync(path.join(out, 'staging', 'argocd', '95-application-loopi-staging.yaml'), 'utf8'));
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.spec.source.path).toBe('dist/staging/loopi');
    expect(app.spec.destination.namespace).toBe('loopi-staging');
    expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});
