import type { Json } from '../core/json';
import { diffObjects, FieldChange } from './diff';
import type { ObjectChange, PlanObject } from './types';

/** Pairs compared per kind and namespace at most; beyond that, renames are not looked for (reported as removal + addition). */
const MAX_PAIRS = 4096;
/** Share of an object's fields that may differ, beyond the rename, for it to still count as renamed. */
const MAX_CHANGED_SHARE = 0.2;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The part of two names that differs: `db-backups` / `database-backups` -> `db` / `database`. */
export function nameStem(before: string, after: string): [string, string] {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  // Whole name segments: a stem never starts or ends inside a word.
  while (p > 0 && /[a-z0-9]/.test(before[p - 1])) p--;
  while (s > 0 && /[a-z0-9]/.test(before[before.length - s])) s--;
  return [before.slice(p, before.length - s).replace(/^[-.]|[-.]$/g, ''), after.slice(p, after.length - s).replace(/^[-.]|[-.]$/g, '')];
}

/** `before` as it would read had it always had the new name: every whole-word occurrence of the old name (and stem) replaced. */
function renamed(before: Json, from: string, to: string): Json {
  let text = JSON.stringify(before);
  const pairs: Array<[string, string]> = [[from, to]];
  const [a, b] = nameStem(from, to);
  if (a.length >= 2 && b.length > 0 && a !== from) pairs.push([a, b]);
  for (const [x, y] of pairs) text = text.replace(new RegExp(`(?<![A-Za-z0-9_])${escape(x)}(?![A-Za-z0-9_])`, 'g'), y);
  return JSON.parse(text) as Json;
}

function leaves(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.reduce((n: number, v) => n + leaves(v), 0) || 1;
}

/**
 * Removed and added objects of the same kind in the same namespace that are the same object
 * under a new name: identical once the old name (and the part of it that changed, e.g. a
 * store's name inside its claims' names and labels) is replaced by the new one, or nearly
 * identical (at most a fifth of the fields differ). Each pair's fields are the changes
 * beyond the rename. Greedy by closeness, one partner each.
 */
export function findRenames(removed: readonly PlanObject[], added: readonly PlanObject[]): ObjectChange[] {
  const groups = new Map<string, { removed: PlanObject[]; added: PlanObject[] }>();
  const groupOf = (o: PlanObject) => `${o.key.split('/').slice(0, 3).join('/')}`;
  for (const o of removed) {
    const g = groups.get(groupOf(o)) ?? { removed: [], added: [] };
    g.removed.push(o);
    groups.set(groupOf(o), g);
  }
  for (const o of added) groups.get(groupOf(o))?.added.push(o);
  const out: ObjectChange[] = [];
  for (const g of groups.values()) {
    if (g.added.length === 0 || g.removed.length * g.added.length > MAX_PAIRS) continue;
    const candidates: Array<{ before: PlanObject; after: PlanObject; fields: FieldChange[]; share: number; beforeRenamed: Json }> = [];
    for (const before of g.removed) {
      for (const after of g.added) {
        const beforeRenamed = renamed(before.object, before.name, after.name);
        const fields = diffObjects(beforeRenamed, after.object);
        const share = fields.reduce((n, f) => n + Math.max(leaves(f.before), leaves(f.after)), 0) / leaves(after.object);
        if (share <= MAX_CHANGED_SHARE) candidates.push({ before, after, fields, share, beforeRenamed });
      }
    }
    candidates.sort((x, y) => x.share - y.share || x.before.name.localeCompare(y.before.name));
    const used = new Set<string>();
    for (const c of candidates) {
      if (used.has(c.before.key) || used.has(c.after.key)) continue;
      used.add(c.before.key);
      used.add(c.after.key);
      out.push({ before: c.before, after: c.after, fields: c.fields, beforeRenamed: c.beforeRenamed });
    }
  }
  return out;
}
