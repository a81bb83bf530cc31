import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { SynthResult } from './synth';

/**
 * Hands what `synthesize` wrote to dist/ to the cdk8s CLI, which runs the app with its own
 * output folder in `CDK8S_OUTDIR` and then lists (`cdk8s synth`) or prints (`cdk8s synth
 * --stdout`) the `.yaml` files it finds there. dist/ stays the only source of truth and is
 * still written atomically; the CLI's folder only receives copies.
 *
 * One file per dist folder (`<env>-<system>.k8s.yaml`), holding the objects that
 * `kubectl apply -k dist/<env>/<system>` applies, in apply order. For `--stdout` the CLI
 * gives a fresh temporary folder and streams every file in it at once, which would interleave
 * several files, so there everything goes into one file.
 *
 * @param result what `synthesize` returned
 * @param distDir the folder `synthesize` wrote to
 * @param cliOutdir the CLI's output folder
 * @default cliOutdir process.env.CDK8S_OUTDIR; nothing is written when the app does not run under the CLI
 * @returns the files written
 */
export function writeCdk8sCliOutput(result: SynthResult, distDir: string, cliOutdir: string | undefined = process.env.CDK8S_OUTDIR): string[] {
  if (cliOutdir === undefined || cliOutdir === '') return [];
  // Checked at run time: JavaScript callers skip the type checker.
  if (!Array.isArray((result as Partial<SynthResult> | undefined)?.folders) || typeof distDir !== 'string') {
    throw new TypeError('writeCdk8sCliOutput: result must be what synthesize() returned, and distDir the folder it wrote to');
  }
  fs.mkdirSync(cliOutdir, { recursive: true });
  const documents = result.folders.map((folder) => ({ folder: folder.folder, text: appliedDocuments(path.join(distDir, folder.folder)) }));
  const written: string[] = [];
  const write = (name: string, text: string): void => {
    const file = path.join(cliOutdir, name);
    fs.writeFileSync(file, text);
    written.push(file);
  };
  if (isStdoutRun(cliOutdir)) write('manifests.k8s.yaml', documents.map((d) => d.text).join(''));
  else for (const d of documents) write(`${d.folder.replace(/\//g, '-')}.k8s.yaml`, d.text);
  return written;
}

/** The CLI's `--stdout` mode synthesizes into `mkdtemp(<tmpdir>/cdk8s-)`; a configured output folder is never there. */
function isStdoutRun(cliOutdir: string): boolean {
  const dir = path.resolve(cliOutdir);
  return path.dirname(dir) === path.resolve(os.tmpdir()) && path.basename(dir).startsWith('cdk8s-');
}

/** The documents `kubectl apply -k` applies from one dist folder, each introduced by `---`. */
function appliedDocuments(folder: string): string {
  const kustomization = parse(fs.readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8')) as { resources?: unknown };
  const resources = Array.isArray(kustomization.resources) ? kustomization.resources.filter((r): r is string => typeof r === 'string') : [];
  return resources
    .map((file) => fs.readFileSync(path.join(folder, file), 'utf8').replace(/^---\n/, ''))
    .map((text) => `---\n${text.endsWith('\n') ? text : `${text}\n`}`)
    .join('');
}
