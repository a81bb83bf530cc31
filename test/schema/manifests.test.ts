/**
 * The manifest loader must see YAML the way kubectl does, otherwise the dist
 * check would pass files that fail on apply (or miss files entirely).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadManifestDir, parseManifests } from '../support/schema/manifests';
import { validateManifestTree } from '../support/schema/validate-tree';
import { createValidator } from '../support/schema/validator';

describe('parseManifests', () => {
  test('reads YAML 1.1 scalars like kubectl: unquoted on/yes/no are booleans, quoted ones strings', () => {
    const { documents } = parseManifests('a: on\nb: "on"\nc: NO\nd: 1:30\ne: 2024-01-01\n', 'x.yaml');
    expect(documents[0]?.object).toEqual({ a: true, b: 'on', c: false, d: '1:30', e: '2024-01-01' });
  });

  test('an unquoted `yes` env value therefore fails validation, as on apply', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '  - name: c',
      '    image: x',
      '    env: [{name: FEATURE, value: yes}]',
    ].join('\n');
    const [doc] = parseManifests(text, 'pod.yaml').documents;
    expect(createValidator('1.33').validate(doc?.object)).toEqual(['v1 Pod p: /spec/containers/0/env/0/value: must be string, got boolean true']);
  });

  test('reports duplicate keys and syntax errors with file and document index', () => {
    const { documents, errors } = parseManifests('a: 1\n---\nb: 1\nb: 2\n---\nc: [\n', 'bad.yaml');
    expect(documents.map((d) => d.object)).toEqual([{ a: 1 }]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^bad\.yaml#1: YAML error: Map keys must be unique/);
    expect(errors[1]).toMatch(/^bad\.yaml#2: YAML error: /);
  });

  test('skips empty documents (between or after ---); a leading --- opens document 0', () => {
    const { documents } = parseManifests('---\na: 1\n---\n---\nb: 2\n---\n', 'x.yaml');
    expect(documents.map((d) => [d.index, d.object])).toEqual([
      [0, { a: 1 }],
      [2, { b: 2 }],
    ]);
  });
});

describe('loadManifestDir', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write('dev/shop/00-namespace-shop.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n');
    write('dev/shop/restore/job.yaml', 'a: 1\n---\nb: 2\n');
    write('dev/shop/kustomization.yaml', 'resources: [00-namespace-shop.yaml]\n');
    write('dev/argocd/app.yaml', 'c: 3\n');
    write('dev/shop/README.md', '# not yaml\n');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('finds every document of every *.yaml recursively, except kustomization.yaml', () => {
    const { documents, errors } = loadManifestDir(root);
    expect(errors).toEqual([]);
    expect(documents.map((d) => `${d.file}#${d.index}`)).toEqual([
      'dev/argocd/app.yaml#0',
      'dev/shop/00-namespace-shop.yaml#0',
      'dev/shop/restore/job.yaml#0',
      'dev/shop/restore/job.yaml#1',
    ]);
  });
});

describe('validateManifestTree (what dist.test.ts runs)', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('fails when the directory is missing or holds no objects', () => {
    expect(() => validateManifestTree(path.join(root, 'nope'))).toThrow(/does not exist/);
    fs.writeFileSync(path.join(root, 'kustomization.yaml'), 'resources: [a.yaml]\n');
    fs.writeFileSync(path.join(root, 'empty.yaml'), '---\n');
    expect(() => validateManifestTree(root)).toThrow(/no Kubernetes objects found/);
  });

  test('collects every problem, merging those common to several versions', () => {
    fs.mkdirSync(path.join(root, 'dev'));
    fs.writeFileSync(
      path.join(root, 'dev', 'all.yaml'),
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: ok}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: s, bogus: 1}',
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers: [{name: i, image: x, restartPolicy: Always}]\n  containers: [{name: c, image: x}]',
      ].join('\n---\n'),
    );
    fs.writeFileSync(path.join(root, 'dev', 'broken.yaml'), 'a: [\n');
    const { objects, problems } = validateManifestTree(root);
    expect(objects).toBe(3);
    expect(problems).toEqual([
      expect.stringMatching(/^dev\/broken\.yaml#0: YAML error: /),
      '[k8s 1.27, 1.33] dev/all.yaml#1: v1 Service s: /metadata/bogus: unknown field',
      '[k8s 1.27] dev/all.yaml#2: v1 Pod p: /spec/initContainers/0/restartPolicy: unknown field',
    ]);
  });
});
