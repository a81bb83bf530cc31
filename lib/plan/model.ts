import { parse } from 'yaml';
import type { Json } from '../core/json';
import { DistTree } from './baseline';
import { diffObjects } from './diff';
import { findRenames } from './renames';
import type { CurrentFolder, FolderPlan, ObjectChange, PlanObject } from './types';

export type { CurrentFolder, FolderPlan, ObjectChange, PlanObject } from './types';

export function objectKey(object: Json): string {
  const apiVersion = String(object?.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${group}/${object?.kind}/${object?.metadata?.namespace ?? ''}/${object?.metadata?.name}`;
}

function planObject(folder: string, file: string, object: Json, constructPath?: string): PlanObject {
  return {
    folder,
    file,
    key: objectKey(object),
    kind: String(object?.kind),
    name: String(object?.metadata?.name),
    object,
    constructPath,
    applied: !file.includes('/'),
  };
}

/** A folder whose files are all byte-identical to the baseline: nothing to parse or diff. */
export function isUnchanged(current: CurrentFolder, baseline: ReadonlyMap<string, string> | undefined): boolean {
  if (!baseline || baseline.size !== current.objects.length) return false;
  return current.objects.every((o) => baseline.get(o.file) === o.text);
}

/**
 * Compares one folder with its baseline. Files with identical text are unchanged without
 * parsing; the others are parsed and matched by identity (group, kind, namespace, name), so
 * an object that moved to another file is a change, not a removal and an addition.
 */
export function planFolder(folder: string, current: CurrentFolder | undefined, baseline: ReadonlyMap<string, string> | undefined): FolderPlan {
  const beforeObjects = new Map<string, PlanObject>();
  const afterObjects = new Map<string, PlanObject>();
  const pendingBase = new Map(baseline ?? []);
  const pendingCurrent: PlanObject[] = [];
  for (const o of current?.objects ?? []) {
    const object = planObject(folder, o.file, o.object, o.constructPath);
    afterObjects.set(object.key, object);
    if (pendingBase.get(o.file) === o.text) {
      pendingBase.delete(o.file);
      beforeObjects.set(object.key, object);
    } else pendingCurrent.push(object);
  }
  const parsedBase = new Map<string, PlanObject>();
  for (const [file, text] of pendingBase) {
    const object = parse(text) as Json;
    if (object === null || typeof object !== 'object') continue;
    const p = planObject(folder, file, object);
    parsedBase.set(p.key, p);
    beforeObjects.set(p.key, p);
  }
  const changed: ObjectChange[] = [];
  const added: PlanObject[] = [];
  for (const after of pendingCurrent) {
    const before = parsedBase.get(after.key);
    if (!before) {
      added.push(after);
      continue;
    }
    parsedBase.delete(after.key);
    const fields = diffObjects(before.object, after.object);
    if (fields.length > 0) changed.push({ before, after, fields });
  }
  const removed = [...parsedBase.values()];
  const renames = findRenames(removed, added);
  const renamedAway = new Set(renames.map((r) => r.before.key));
  const renamedTo = new Set(renames.map((r) => r.after.key));
  return {
    folder,
    environment: folder.split('/')[0],
    added: added.filter((o) => !renamedTo.has(o.key)),
    removed: removed.filter((o) => !renamedAway.has(o.key)),
    changed,
    renamed: renames,
    beforeObjects,
    afterObjects,
  };
}

/** True when the folder plan has no change at all. */
export function isEmptyPlan(plan: FolderPlan): boolean {
  return plan.added.length === 0 && plan.removed.length === 0 && plan.changed.length === 0 && plan.renamed.length === 0;
}

/** Every folder on either side, in order. */
export function foldersOf(current: readonly CurrentFolder[], baseline: DistTree, selected?: (folder: string) => boolean): string[] {
  const all = new Set([...current.map((c) => c.folder), ...[...baseline.keys()].filter((f) => selected?.(f) ?? true)]);
  return [...all].sort();
}
