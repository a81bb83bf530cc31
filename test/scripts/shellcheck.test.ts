/**
 * shellcheck, with every finding (style and info included), on every shell script that can
 * reach dist/: each variant the library renders, and every script in the synthesized
 * objects of dist/. Without shellcheck this fails and says how to install it, in CI too.
 */
import * as path from 'path';
import { BACKUP_SCRIPT_NAMES } from '../../lib/backup/scripts';
import { POSTGRES_INIT_SCRIPT } from '../../lib/data/postgres-config';
import { MYSQL_EXPORTER_INIT_SCRIPT } from '../../lib/data/mysql-config';
import { distScripts, libraryScripts, requireShellcheck, shellcheck } from './shell-scripts';

const DIST = path.join(__dirname, '..', '..', 'dist');

test('every script the library renders, in every variant, passes shellcheck with no finding', () => {
  requireShellcheck();
  const scripts = libraryScripts();
  expect(scripts.length).toBeGreaterThanOrEqual(20);
  expect(shellcheck(scripts).join('\n')).toBe('');
});

test('every shell script in dist/ (ConfigMaps, commands, probes, hooks) passes shellcheck with no finding', () => {
  requireShellcheck();
  const { scripts, problems } = distScripts(DIST);
  expect(problems).toEqual([]);
  // The scan finds what dist/ is known to hold: a check that finds nothing must not pass.
  const entries = new Set(scripts.map((s) => /data\[(.+)\]$/.exec(s.origin)?.[1]).filter((k) => k !== undefined));
  for (const name of [...BACKUP_SCRIPT_NAMES, POSTGRES_INIT_SCRIPT, MYSQL_EXPORTER_INIT_SCRIPT]) expect(entries).toContain(name);
  expect(scripts.filter((s) => !s.origin.includes(' data[')).length).toBeGreaterThan(0);
  expect(shellcheck(scripts).join('\n')).toBe('');
}, 60_000);

test('without shellcheck the check fails (in CI too) and says how to install it', () => {
  for (const CI of [undefined, 'true']) {
    expect(() => requireShellcheck({ PATH: '/nonexistent', CI })).toThrow(/^shellcheck not found: .*apt-get install shellcheck/);
  }
  expect(() => requireShellcheck({ PATH: '/nonexistent', CI: 'true' })).toThrow(/In CI, \.ci\/run installs it/);
});

test('an info-level finding fails the check, and names where the script comes from', () => {
  requireShellcheck();
  const findings = shellcheck([
    { origin: 'fixture bad.sh', shell: 'bash', text: '#!/bin/bash\nbs=\'\\\'; echo "$bs"\n' },
    { origin: 'fixture unquoted', shell: 'sh', text: 'echo $1\n' },
    { origin: 'fixture clean', shell: 'sh', text: 'echo "$1"\n' },
  ]);
  expect(findings).toHaveLength(2);
  expect(findings[0]).toMatch(/^fixture unquoted:1:\d+: note: .*\[SC2086\]$/);
  expect(findings[1]).toMatch(/^fixture bad\.sh:2:\d+: note: .*\[SC1003\]$/);
});
