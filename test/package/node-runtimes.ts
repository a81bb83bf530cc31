import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * The Node.js releases the package test runs a scaffolded project under: the newest release of
 * each supported line (package.json `engines`: >=20) when they were pinned. The runtimes come
 * from the npm registry, as the `node` package installs them: the platform package
 * `node-<os>-<arch>@<version>` holds the official binary. Pinned by version and by the
 * tarball's sha512 (the registry's `dist.integrity`), per platform the project is tested on.
 */
export const NODE_RUNTIMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '20.20.2': { 'linux-x64': 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==' },
  '22.23.5': { 'linux-x64': 'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==' },
  '24.22.3': { 'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==' },
};

const ROOT = path.join(__dirname, '..', '..');

/**
 * The `node` binary of `version`, from the cache (`$CDK8S_STACKS_CACHE/node/<version>/`, else
 * `.cache/` of the repository) or, the first time, from the npm registry (`npm pack`, checked
 * against the pinned integrity, then unpacked). Throws, saying why, when it cannot be had: a
 * missing runtime fails the package test, it never skips a Node line.
 */
export function nodeRuntime(version: string): string {
  const platform = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
  const integrity = NODE_RUNTIMES[version]?.[platform];
  if (!integrity)
    throw new Error(
      `no pinned Node.js ${version} runtime for ${platform} (test/package/node-runtimes.ts pins ${Object.keys(NODE_RUNTIMES).join(', ')} for linux-x64)`,
    );
  const dir = path.join(process.env.CDK8S_STACKS_CACHE ?? path.join(ROOT, '.cache'), 'node', `${version}-${platform}`);
  const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (fs.existsSync(bin) && runs(bin, version)) return bin;

  // Next to the cache folder, so that the final rename stays on one file system.
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const work = fs.mkdtempSync(path.join(path.dirname(dir), `.download-${version}-`));
  try {
    const spec = `node-${platform}@${version}`;
    const packed = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', work], { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (packed.status !== 0) throw new Error(`npm pack ${spec} failed (the npm registry is needed once per runtime):\n${packed.stderr}`);
    const tarball = path.join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0].filename);
    const actual = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
    if (actual !== integrity) throw new Error(`${spec}: integrity ${actual}, pinned ${integrity}`);
    const unpacked = path.join(work, 'unpacked');
    fs.mkdirSync(unpacked);
    const tar = spawnSync('tar', ['xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`unpacking ${tarball}: ${tar.stderr}`);
    // Swapped in whole, so that an interrupted download never leaves a half-written runtime.
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(path.join(unpacked, 'package'), dir);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (!runs(bin, version)) throw new Error(`${bin} does not run as Node.js ${version}`);
  return bin;
}

function runs(bin: string, version: string): boolean {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() === `v${version}`;
}
