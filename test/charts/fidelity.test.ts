/**
 * The fidelity tables (docs/fidelity) stay well-formed and current: every cited seed line
 * exists, every file a row names exists, every section of a seed is either cited or listed
 * as holding no requirement, and the summary counts the rows. The rules are in
 * docs/fidelity/README.md; the planted-defect tests at the end show each rule can fail.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');
const DIR = join(ROOT, 'docs', 'fidelity');
const SYSTEMS: Array<[string, string]> = [
  ['loopi', 'LP'],
  ['feature-models', 'FM'],
  ['techshop', 'TS'],
  ['chatnomina', 'CN'],
  ['capibara6', 'CB'],
];
const STATUSES = ['met', 'better', 'adapted', 'deviates', 'missing'] as const;
type Status = (typeof STATUSES)[number];

interface Row {
  id: string;
  lines: number[];
  requirement: string;
  status: string;
  how: string;
}
interface Table {
  rows: Row[];
  summary?: Record<string, number>;
  summaryTotal?: number;
  exempt: Map<number, string>;
}

/** The seed's `#`..`###` headings outside fenced code, with the lines each one spans. */
export function seedSections(seed: string): Array<{ line: number; heading: string; end: number; hasContent: boolean }> {
  const lines = seed.split('\n');
  const headings: Array<{ line: number; heading: string }> = [];
  let fenced = false;
  lines.forEach((text, i) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    else if (!fenced && /^#{1,3}\s/.test(text)) headings.push({ line: i + 1, heading: text.trim() });
  });
  return headings.map((h, k) => {
    const end = k + 1 < headings.length ? headings[k + 1].line - 1 : lines.length;
    const body = lines.slice(h.line, end).filter((l) => l.trim() !== '' && !/^#{4,}\s/.test(l) && l.trim() !== '---');
    return { ...h, end, hasContent: body.length > 0 };
  });
}

function cells(line: string): string[] {
  // Split on pipes that are not inside backticks (a cell may quote `a|b`).
  const out: string[] = [];
  let cur = '';
  let code = false;
  for (const ch of line.trim().replace(/^\|/, '').replace(/\|$/, '')) {
    if (ch === '`') code = !code;
    if (ch === '|' && !code) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function parseLines(spec: string): number[] | undefined {
  const out: number[] = [];
  for (const part of spec.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:\s*[-–]\s*(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    if (b < a) return undefined;
    for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

export function parseTable(md: string): { table: Table; problems: string[] } {
  const problems: string[] = [];
  const rows: Row[] = [];
  const exempt = new Map<number, string>();
  let summary: Record<string, number> | undefined;
  let summaryTotal: number | undefined;
  let inExempt = false;
  for (const line of md.split('\n')) {
    if (/^##\s/.test(line)) inExempt = /sections without requirements/i.test(line);
    const s = /^Summary:\s*(\d+) requirements?:\s*(.+?)\.?\s*$/.exec(line);
    if (s) {
      summaryTotal = Number(s[1]);
      summary = {};
      for (const part of s[2].split(',')) {
        const m = /^\s*(\d+)\s+(\w+)\s*$/.exec(part);
        if (m) summary[m[2]] = Number(m[1]);
        else problems.push(`summary part '${part.trim()}' is not '<count> <status>'`);
      }
    }
    if (inExempt) {
      const e = /^-\s+(\d+)\b[^:]*:\s*(.*)$/.exec(line);
      if (e) exempt.set(Number(e[1]), e[2].trim());
      continue;
    }
    if (!/^\|/.test(line)) continue;
    const c = cells(line);
    if (c[0] === 'id' || /^-+$/.test(c[0].replace(/\s|:/g, ''))) continue;
    if (c.length !== 5) {
      problems.push(`row '${line.slice(0, 60)}…' has ${c.length} cells, not 5`);
      continue;
    }
    const lines = parseLines(c[1]);
    if (!lines) problems.push(`${c[0]}: seed lines '${c[1]}' are not 'N', 'N-M' or a list of those`);
    rows.push({ id: c[0], lines: lines ?? [], requirement: c[2], status: c[3], how: c[4] });
  }
  return { table: { rows, summary, summaryTotal, exempt }, problems };
}

/** Repository paths a cell names in backticks (`dist/...`, `lib/...`, with an optional `:line` or `#anchor`). */
export function citedPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`([^`\s]+)`/g)) {
    const p = m[1].replace(/[:#].*$/, '');
    if (/^(dist|lib|charts|test|docs|scripts|templates)\//.test(p) || /^(README|CHANGELOG|BENCHMARKS)\.md$/.test(p)) out.push(p);
  }
  return out;
}

export function checkTable(system: string, prefix: string, md: string, seed: string, exists: (p: string) => boolean): string[] {
  const { table, problems } = parseTable(md);
  const seedLength = seed.split('\n').length;
  const ids = new Set<string>();
  if (table.rows.length === 0) problems.push('the table has no rows');
  for (const r of table.rows) {
    if (!new RegExp(`^${prefix}-\\d{2,3}$`).test(r.id)) problems.push(`${r.id}: the id is not ${prefix}-<number>`);
    if (ids.has(r.id)) problems.push(`${r.id}: the id repeats`);
    ids.add(r.id);
    if (!(STATUSES as readonly string[]).includes(r.status)) problems.push(`${r.id}: status '${r.status}' is not one of ${STATUSES.join(', ')}`);
    for (const n of r.lines) if (n < 1 || n > seedLength) problems.push(`${r.id}: seed line ${n} does not exist (the seed has ${seedLength})`);
    if (r.requirement.split(/\s+/).length < 3) problems.push(`${r.id}: the requirement is not stated`);
    const paths = citedPaths(r.how);
    for (const p of paths) if (!exists(p)) problems.push(`${r.id}: '${p}' does not exist`);
    if (['met', 'better', 'adapted'].includes(r.status) && paths.length === 0)
      problems.push(`${r.id}: a '${r.status}' row names no file that shows it`);
    if (
      ['deviates', 'missing'].includes(r.status) &&
      r.how
        .replace(/`[^`]*`/g, '')
        .split(/\s+/)
        .filter(Boolean).length < 8
    ) {
      problems.push(`${r.id}: a '${r.status}' row gives no reason`);
    }
  }
  const cited = new Set(table.rows.flatMap((r) => r.lines));
  for (const section of seedSections(seed)) {
    if (!section.hasContent) continue;
    let hit = false;
    for (let n = section.line; n <= section.end && !hit; n++) hit = cited.has(n);
    const reason = table.exempt.get(section.line);
    if (hit && reason !== undefined) problems.push(`line ${section.line} ${section.heading}: listed as without requirements but rows cite it`);
    if (!hit && reason === undefined)
      problems.push(`line ${section.line} ${section.heading}: no row cites it and it is not listed under "Sections without requirements"`);
    if (!hit && reason !== undefined && reason.split(/\s+/).filter(Boolean).length < 4)
      problems.push(`line ${section.line} ${section.heading}: listed without a reason`);
  }
  const headingLines = new Set(seedSections(seed).map((s) => s.line));
  for (const n of table.exempt.keys())
    if (!headingLines.has(n)) problems.push(`"Sections without requirements" lists line ${n}, which is no heading of the seed`);
  if (!table.summary) problems.push('no summary line (Summary: N requirements: a met, b better, ...)');
  else {
    const counts: Record<string, number> = {};
    for (const r of table.rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
    for (const st of STATUSES as readonly Status[]) {
      if ((table.summary[st] ?? 0) !== (counts[st] ?? 0))
        problems.push(`summary says ${table.summary[st] ?? 0} ${st}, the table has ${counts[st] ?? 0}`);
    }
    if (table.summaryTotal !== table.rows.length)
      problems.push(`summary says ${table.summaryTotal} requirements, the table has ${table.rows.length} rows`);
  }
  return problems.map((p) => `${system}: ${p}`);
}

const existsInRepo = (p: string) => existsSync(join(ROOT, p));

describe('fidelity tables: each system against its design', () => {
  test.each(SYSTEMS)('%s: well-formed, every citation current, every section of the seed accounted for', (system, prefix) => {
    const md = readFileSync(join(DIR, `${system}.md`), 'utf8');
    const seed = readFileSync(join(DIR, 'seeds', `${system}.txt`), 'utf8');
    expect(checkTable(system, prefix, md, seed, existsInRepo)).toEqual([]);
  });

  test('the README lists the five tables', () => {
    const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
    for (const [system] of SYSTEMS) expect(readme).toContain(`(${system}.md)`);
  });
});

describe('the checks can fail (planted defects)', () => {
  const seed = [
    '# Title',
    '',
    '## Services',
    'The API runs 3 replicas.',
    '',
    '## Commands',
    '```',
    '# not a heading',
    '```',
    '',
    '## Empty',
    '## Notes',
    'Some advice.',
  ].join('\n');
  const good = [
    'Summary: 1 requirements: 1 met.',
    '',
    '| id | seed | requirement | status | how it is met, or why it differs |',
    '| --- | --- | --- | --- | --- |',
    '| LP-01 | 4 | The API runs three replicas. | met | `README.md` says so. |',
    '',
    '## Sections without requirements',
    '',
    '- 1 (# Title): the title line, nothing to deploy.',
    '- 6 (## Commands): Docker Compose commands, replaced by Argo CD.',
    '- 12 (## Notes): general advice for the developers.',
  ].join('\n');
  const check = (md: string) => checkTable('x', 'LP', md, seed, (p) => p === 'README.md');

  test('a well-formed table passes; fenced "#" lines and empty sections need no row', () => {
    expect(check(good)).toEqual([]);
  });

  test.each([
    ['an unknown status', good.replace('| met |', '| done |'), "status 'done'"],
    ['a seed line past the end', good.replace('| 4 |', '| 400 |'), 'seed line 400 does not exist'],
    ['a file that does not exist', good.replace('`README.md`', '`dist/prod/x/gone.yaml`'), "'dist/prod/x/gone.yaml' does not exist"],
    ['a met row without a file', good.replace('`README.md` says so.', 'it does.'), 'names no file'],
    [
      'a missing row without a reason',
      good.replace('| met | `README.md` says so. |', '| missing | later |').replace('1 met', '1 missing'),
      'gives no reason',
    ],
    [
      'an uncited section',
      good.replace('- 12 (## Notes): general advice for the developers.\n', '').replace(/\n- 12.*$/, ''),
      'line 12 ## Notes: no row cites it',
    ],
    ['a wrong summary', good.replace('1 met', '2 met'), 'summary says 2 met'],
    [
      'a repeated id',
      good
        .replace(
          '| LP-01 | 4 | The API runs three replicas. | met | `README.md` says so. |',
          '| LP-01 | 4 | The API runs three replicas. | met | `README.md` says so. |\n| LP-01 | 4 | The API runs three replicas. | met | `README.md` says so. |',
        )
        .replace('1 requirements: 1 met', '2 requirements: 2 met'),
      'the id repeats',
    ],
  ])('%s is reported', (_what, md, message) => {
    expect(check(md).join('\n')).toContain(message);
  });
});
