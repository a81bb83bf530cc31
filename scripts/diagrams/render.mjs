// Renders the architecture diagrams of the generated READMEs to SVG with mermaid-cli,
// driven by Debian's Chromium (no browser download; see scripts/diagrams/install-chromium.sh).
//
//   node scripts/diagrams/render.mjs                    every dist/<env>/<system>/README.md -> .build/diagrams/<env>-<system>.svg
//   node scripts/diagrams/render.mjs --out DIR a.mmd    the given Mermaid files -> DIR/a.svg
//
// Every diagram is rendered, then every failure is reported together (exit code 1). Not
// part of synth: synthesis never starts a browser.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer from 'puppeteer';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

/** The Mermaid block of each generated system README, as [name, definition]. */
export function diagramsOfDist(dist) {
  const found = [];
  for (const env of fs.readdirSync(dist).sort()) {
    const envDir = path.join(dist, env);
    if (!fs.statSync(envDir).isDirectory()) continue;
    // The environment's own folders (the platform layer, the Argo CD apps) are no systems.
    for (const system of fs
      .readdirSync(envDir)
      .sort()
      .filter((f) => !['platform', 'argocd'].includes(f))) {
      const readme = path.join(envDir, system, 'README.md');
      if (!fs.existsSync(readme)) continue;
      const block = /^```mermaid\n([\s\S]*?)\n```$/m.exec(fs.readFileSync(readme, 'utf8'));
      if (!block) throw new Error(`${readme}: no mermaid block under "## Architecture"`);
      found.push([`${env}-${system}`, block[1]]);
    }
  }
  return found;
}

function chromium() {
  try {
    return execFileSync('bash', [path.join(here, 'install-chromium.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch {
    // install-chromium.sh printed what is missing and the command that installs it.
    process.exit(1);
  }
}

async function main(argv) {
  let out = path.join(repo, '.build', 'diagrams');
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else files.push(argv[i]);
  }
  const diagrams = files.length
    ? files.map((f) => [path.basename(f).replace(/\.mmd$/, ''), fs.readFileSync(f, 'utf8')])
    : diagramsOfDist(path.join(repo, 'dist'));
  fs.mkdirSync(out, { recursive: true });

  const launch = JSON.parse(fs.readFileSync(path.join(here, 'puppeteer-config.json'), 'utf8'));
  const started = Date.now();
  const browser = await puppeteer.launch({ ...launch, executablePath: chromium() });
  const failures = [];
  try {
    for (const [name, definition] of diagrams) {
      const target = path.join(out, `${name}.svg`);
      fs.rmSync(target, { force: true });
      try {
        const { data } = await renderMermaid(browser, definition, 'svg', { mermaidConfig: { securityLevel: 'strict' } });
        fs.writeFileSync(target, data);
        console.log(`diagrams: ${path.relative(process.cwd(), target)}`);
      } catch (error) {
        failures.push(
          `${name}: ${String(error?.message ?? error)
            .split('\n')
            .slice(0, 6)
            .join('\n  ')}`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`diagrams: ${diagrams.length - failures.length} of ${diagrams.length} rendered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failures.length) {
    console.error(`diagrams: ${failures.length} failed to render:\n${failures.map((f) => `- ${f}`).join('\n')}`);
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
