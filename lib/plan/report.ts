import { brief, FieldChange } from './diff';
import { Finding } from './finding';
import { FolderPlan } from './model';
import { AcknowledgementResult, Plan } from './plan';
import { RISKS } from './risks';

/** Field lines shown per object; the rest is counted. */
const MAX_FIELDS = 12;

export interface ReportContext {
  /** What the plan compared with, e.g. `HEAD:dist/` or a folder. */
  readonly baseline: string;
  /** Whether stale acknowledgements fail `--check`. */
  readonly strictAcknowledgements?: boolean;
}

/** `1 folder matches` / `24 folders match`. */
function folders(n: number): string {
  return n === 1 ? '1 folder matches' : `${n} folders match`;
}

function fieldLine(f: FieldChange): string {
  if (f.before === undefined) return `${f.path}: + ${brief(f.after)}`;
  if (f.after === undefined) return `${f.path}: - ${brief(f.before)}`;
  return `${f.path}: ${brief(f.before)} -> ${brief(f.after)}`;
}

function fields(list: readonly FieldChange[]): string[] {
  const lines = list.slice(0, MAX_FIELDS).map(fieldLine);
  if (list.length > MAX_FIELDS) lines.push(`… and ${list.length - MAX_FIELDS} more fields`);
  return lines;
}

/** Where to type the acknowledgement, and what. */
export function acknowledgementHint(f: Finding): string {
  const on = f.constructPath ? `the construct at ${f.constructPath}` : `the chart of ${f.folder}`;
  const object = f.constructPath ? '' : `, object: '${f.object}'`;
  return `acknowledgeChange(<${on}>, { risk: '${f.risk}', baseline: '${f.fingerprint}'${object}, reason: '<why this is safe>' })`;
}

function findingLine(f: Finding, acked: boolean): string {
  const tag = acked ? 'acknowledged' : f.severity === 'blocking' ? 'BLOCKING' : 'warning';
  const outcome = f.outcome && f.outcome !== 'refused' ? ` [${f.outcome}]` : '';
  return `${tag} ${f.risk}${outcome} ${f.folder} ${f.object} ${f.field}: ${f.detail}`;
}

function objectLines(folder: FolderPlan): string[] {
  const lines: string[] = [];
  for (const o of folder.added) lines.push(`  + ${o.kind}/${o.name}`);
  for (const o of folder.removed) lines.push(`  - ${o.kind}/${o.name}`);
  for (const r of folder.renamed) {
    lines.push(`  > ${r.after.kind}/${r.before.name} -> ${r.after.name} (renamed: removed and added under the new name)`);
    lines.push(...fields(r.fields).map((l) => `      ${l}`));
  }
  for (const c of folder.changed) {
    lines.push(`  ~ ${c.after.kind}/${c.after.name}`);
    lines.push(...fields(c.fields).map((l) => `      ${l}`));
  }
  return lines;
}

function stale(plan: Plan): AcknowledgementResult[] {
  return plan.acknowledgements.filter((a) => a.covers.length === 0);
}

/** The plan as text for a terminal. */
export function textReport(plan: Plan, context: ReportContext): string[] {
  const lines: string[] = [];
  if (plan.folders.length === 0) lines.push(`No changes: ${folders(plan.compared)} the baseline (${context.baseline}).`);
  else {
    const count = (k: keyof Pick<FolderPlan, 'added' | 'removed' | 'changed' | 'renamed'>) => plan.folders.reduce((n, f) => n + f[k].length, 0);
    lines.push(
      `Plan against ${context.baseline}: ${plan.folders.length} of ${plan.compared} folders change: ${count('added')} added, ${count('changed')} changed, ${count('renamed')} renamed, ${count('removed')} removed.`,
    );
    for (const folder of plan.folders) lines.push('', folder.folder, ...objectLines(folder));
  }
  const covered = new Set(plan.acknowledgements.flatMap((a) => a.covers));
  if (plan.findings.length > 0) {
    lines.push('', `Risks: ${plan.findings.length} (${plan.unacknowledged.length} blocking without acknowledgement, ${covered.size} acknowledged)`);
    for (const f of plan.findings) {
      lines.push(`  ${findingLine(f, covered.has(f))}`);
      if (f.before !== undefined || f.after !== undefined) lines.push(`      ${brief(f.before)} -> ${brief(f.after)}`);
      lines.push(`      why: ${RISKS[f.risk].title}`, `      remedy: ${RISKS[f.risk].remedy}`);
      if (!covered.has(f) && f.severity === 'blocking') lines.push(`      to accept it: ${acknowledgementHint(f)}`);
    }
  }
  const used = plan.acknowledgements.filter((a) => a.covers.length > 0);
  if (used.length > 0) {
    lines.push('', `Acknowledged (${used.length}):`);
    for (const a of used) lines.push(`  ${a.path} ${a.risk} (${a.baseline}): ${a.reason}`);
  }
  if (stale(plan).length > 0) {
    lines.push(
      '',
      `Stale acknowledgements (${stale(plan).length}): they match no change in this plan (it has landed in the baseline, or the value changed again); remove them:`,
    );
    for (const a of stale(plan)) lines.push(`  ${a.path} ${a.risk} (${a.baseline}): ${a.reason}`);
  }
  return lines;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

/** The plan as Markdown for a pull request comment. */
export function markdownReport(plan: Plan, context: ReportContext): string {
  const out: string[] = ['## cdk8s-stacks plan', ''];
  const covered = new Set(plan.acknowledgements.flatMap((a) => a.covers));
  if (plan.folders.length === 0) out.push(`No changes: ${folders(plan.compared)} the baseline (${code(context.baseline)}).`);
  else {
    const verdict =
      plan.unacknowledged.length > 0
        ? `**${plan.unacknowledged.length} blocking change${plan.unacknowledged.length === 1 ? '' : 's'} without acknowledgement.**`
        : 'No blocking change without acknowledgement.';
    out.push(`Compared with ${code(context.baseline)}: ${plan.folders.length} of ${plan.compared} folders change. ${verdict}`, '');
  }
  if (plan.findings.length > 0) {
    out.push('### Risks', '', '| | risk | object | field | change | remedy |', '| --- | --- | --- | --- | --- | --- |');
    for (const f of plan.findings) {
      const status = covered.has(f) ? 'acknowledged' : f.severity === 'blocking' ? ':no_entry: blocking' : ':warning: warning';
      const outcome = f.outcome && f.outcome !== 'refused' ? ` (${f.outcome})` : '';
      out.push(
        `| ${status} | ${code(f.risk)}${outcome} | ${code(`${f.folder} ${f.object}`)} | ${code(f.field)} | ${cell(f.detail)} | ${cell(RISKS[f.risk].remedy)} |`,
      );
    }
    const open = plan.unacknowledged;
    if (open.length > 0) {
      out.push('', 'To accept a blocking change, type next to the construct that makes it:', '', '```ts');
      for (const f of open) out.push(acknowledgementHint(f));
      out.push('```');
    }
    out.push('');
  }
  const used = plan.acknowledgements.filter((a) => a.covers.length > 0);
  if (used.length > 0) {
    out.push('### Acknowledged', '');
    for (const a of used) out.push(`- ${code(a.risk)} on ${code(a.path)}: ${cell(a.reason)}`);
    out.push('');
  }
  if (stale(plan).length > 0) {
    out.push('### Stale acknowledgements: remove them', '');
    for (const a of stale(plan))
      out.push(`- ${code(a.risk)} (${code(a.baseline)}) on ${code(a.path)}: matches no change (landed, or the value changed again)`);
    out.push('');
  }
  for (const folder of plan.folders) {
    out.push(
      `<details><summary><code>${folder.folder}</code>: ${folder.added.length} added, ${folder.changed.length} changed, ${folder.renamed.length} renamed, ${folder.removed.length} removed</summary>`,
      '',
      '```diff',
    );
    for (const line of objectLines(folder))
      out.push(
        line
          .replace(/^ {2}([+\-~>])/, '$1')
          .replace(/^~/, '!')
          .replace(/^>/, '!'),
      );
    out.push('```', '', '</details>', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
