/**
 * The README's complete TypeScript examples (the code blocks that are modules: they start
 * with `import`) compile against the library's types, strictly, and the "Write your own
 * system" example synthesizes in dev, staging and prod with the README's own environments
 * (the cluster-profile example), every construct check and policy rule included.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { App } from 'cdk8s';
import { ArgoCdApplications, ENVIRONMENT_NAMES, Environment, EnvironmentName, SynthesisError, SystemChart, synthesize } from '../../lib';
import { TEMPORARY_FOLDERS } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const modules = [...README.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((code) => /^import /m.test(code.split('\n')[0]));

// Under the repository, so that the files resolve `cdk8s-stacks` and node_modules as the repository does.
fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
const dir = fs.mkdtempSync(path.join(ROOT, '.build', 'readme-'));
TEMPORARY_FOLDERS.push(dir);
const files = modules.map((code, i) => {
  const file = path.join(dir, `block${i}.ts`);
  fs.writeFileSync(file, code);
  return file;
});

test('the README has the two complete examples: a system and the environments', () => {
  expect(modules.length).toBe(2);
  expect(modules.some((m) => m.includes('class ShopSystem extends SystemChart'))).toBe(true);
  expect(modules.some((m) => m.includes('export const ENVIRONMENTS = environmentPresets('))).toBe(true);
});

test('they compile with the strict settings of a project, against the library', () => {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noUnusedLocals: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: ROOT,
    paths: { 'cdk8s-stacks': ['./lib/index.ts'] },
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.includes(path.resolve(d.file.fileName)))
    .map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  expect(problems).toEqual([]);
}, 120_000);

test.each(ENVIRONMENT_NAMES.map((e) => [e]))('the system example synthesizes in %s with the README environments', (name) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the README blocks are loaded as the modules they are
  const loaded = files.map((file) => require(file) as Record<string, unknown>);
  const environments = loaded.find((m) => 'ENVIRONMENTS' in m)!.ENVIRONMENTS as Record<EnvironmentName, Environment>;
  const System = loaded.map((m) => m.ShopSystem).find((c) => c !== undefined) as new (scope: App, env: Environment) => SystemChart;
  const app = new App({ outdir: dir });
  new System(app, environments[name]);
  new ArgoCdApplications(app, { environment: environments[name], systems: ['shop'] });
  let errors: string[] = [];
  try {
    const result = synthesize(app, { outdir: dir, dryRun: true });
    const images = result.objects
      .filter((o) => o.object.kind === 'Deployment')
      .flatMap((o) => o.object.spec.template.spec.containers.map((c: { image: string }) => c.image));
    expect(images).toContain('ghcr.io/my-company/shop-api:1.4.2');
    expect(result.objects.some((o) => o.object.kind === 'CronJob' && /backup/.test(o.object.metadata.name))).toBe(true);
  } catch (e) {
    if (!(e instanceof SynthesisError)) throw e;
    errors = e.issues.map((i) => `[${i.path}] ${i.message}`);
  }
  expect(errors).toEqual([]);
});
