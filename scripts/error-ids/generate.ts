/**
 * Rewrites docs/error-ids.md from lib/ (see error-ids.ts):   npm run error-ids:update
 *
 * With `--assign <file>...`: gives every id-less `report.error/warn(field, message)` call of
 * those files an id first, named `<area>.<field>` (and, where that is taken, a few words of
 * the message), then rewrites the table. Review the names it chose: they become stable.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MissingId, policyIds, ROOT, scanErrorIds, staticText, TABLE, tableSource } from './error-ids';
import * as ts from 'typescript';

/** The area an error of `file` belongs to: the file's name, without the words that add nothing. */
const AREAS: Record<string, string> = {
  'platform-validation': 'platform',
  'engine-validation': 'store.engine',
  'stateful-store': 'store',
  'database-store': 'store',
  'backupable-store': 'store',
  'pod-spec-check': 'pod',
  'prop-check': 'props',
  minio: 'object-store',
  'environment-issuer': 'issuer',
  'cert-manager-issuer': 'issuer',
};

function area(file: string): string {
  const stem = path.basename(file, '.ts');
  return AREAS[stem] ?? stem;
}

const kebab = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

function fieldSlug(arg: ts.Expression | undefined): string {
  if (!arg) return '';
  const text = staticText(arg).replace(/…/g, '.');
  return text
    .replace(/\[[^\]]*\]/g, '')
    .split('.')
    .map(kebab)
    .filter(Boolean)
    .join('.');
}

const STOP = new Set(
  'a an the is are be must not of to in on for and or its it as at by with when where which that this than from has have give gives given only no one'.split(
    ' ',
  ),
);

function messageWords(arg: ts.Expression | undefined): string[] {
  return staticText(arg)
    .toLowerCase()
    .replace(/…/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !STOP.has(w) && !/^\d+$/.test(w));
}

function assign(files: readonly string[]): void {
  const scan = scanErrorIds();
  const taken = new Set(scan.raised.map((r) => r.id));
  const wanted = new Set(files.map((f) => path.relative(ROOT, path.resolve(f))));
  const todo = scan.missing.filter((m) => m.reason === 'no id' && wanted.has(m.file));
  const groups = new Map<string, MissingId[]>();
  for (const m of todo) {
    const base = [area(m.file), fieldSlug(m.fieldArg) || 'value'].join('.');
    groups.set(base, [...(groups.get(base) ?? []), m]);
  }
  const ids = new Map<MissingId, string>();
  for (const [base, members] of groups) {
    if (members.length === 1 && !taken.has(base)) {
      ids.set(members[0], base);
      taken.add(base);
      continue;
    }
    for (const m of members) {
      const words = messageWords(m.messageArg);
      let id: string | undefined;
      for (let k = 2; k <= Math.max(2, words.length) && id === undefined; k++) {
        const candidate = `${base}.${words.slice(0, k).join('-') || 'invalid'}`;
        if (!taken.has(candidate)) id = candidate;
      }
      for (let n = 2; id === undefined; n++) if (!taken.has(`${base}.${n}`)) id = `${base}.${n}`;
      ids.set(m, id);
      taken.add(id);
    }
  }
  const byFile = new Map<string, MissingId[]>();
  for (const m of todo) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m]);
  for (const [file, calls] of byFile) {
    let text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of [...calls].sort((a, b) => b.insertAt - a.insertAt)) {
      text = `${text.slice(0, m.insertAt)}'${ids.get(m)}', ${text.slice(m.insertAt)}`;
    }
    fs.writeFileSync(path.join(ROOT, file), text);
    console.log(`${file}: ${calls.length} ids`);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--assign') assign(args.slice(1));
fs.writeFileSync(TABLE, tableSource(scanErrorIds(), policyIds()));
console.log(`wrote ${path.relative(process.cwd(), TABLE)}`);
