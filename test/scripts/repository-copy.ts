import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tmpdir } from '../support/synth';

const REPO = path.join(__dirname, '..', '..');

/**
 * A temporary copy of the repository (its files as git lists them, with this checkout's
 * node_modules linked), committed as one revision on `main`: where the release scripts run
 * for real without touching this checkout.
 */
export function copyRepository(prefix: string): string {
  const dir = tmpdir(prefix);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(REPO, f)));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
  }
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  git(dir, 'init', '-q', '-b', 'main');
  commit(dir, 'the repository as it is');
  return dir;
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, encoding: 'utf8' });
}

export function commit(dir: string, message: string): void {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}
