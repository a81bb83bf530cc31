import type { Json } from '../core/json';
import type { Platform, StorageClassProfile } from '../core/platform';
import { issue, ValidationIssue } from '../core/validation';
import type { RenderedObject } from './render';

/**
 * The storage class names an object asks for: claims' and claim templates'
 * `storageClassName` at any depth (StatefulSets, operator resources' volume specs) and
 * CloudNativePG's `storage.storageClass`.
 */
export function storageClassesOf(object: Json): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string' && (key === 'storageClassName' || (key === 'storageClass' && object.kind === 'Cluster'))) found.push(value);
    else if (Array.isArray(value)) for (const v of value) walk(v, key);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(object.spec, 'spec');
  return [...new Set(found)];
}

/**
 * Where the profile declares its storage classes (`storage.classes`), every class an object
 * names must be one of them: created by the platform layer, or preinstalled and checked before
 * the first sync. A class nobody creates leaves its claims Pending for ever.
 */
export function undeclaredStorageClasses(objects: readonly RenderedObject[], platform: Platform): ValidationIssue[] {
  const declared = platform.storage.classes;
  if (declared === undefined) return [];
  const issues: ValidationIssue[] = [];
  for (const o of objects) {
    for (const name of storageClassesOf(o.object)) {
      if (name in declared) continue;
      issues.push(
        issue(
          'storage.class-not-declared',
          o.construct.node.path,
          `storageClassName: '${name}' (${o.object.kind} ${o.object.metadata?.name}) is not declared in the cluster profile's storage.classes (${Object.keys(declared).sort().join(', ') || 'none'}); declare it there, created by the platform layer ({ provisioner }) or preinstalled`,
        ),
      );
    }
  }
  return issues;
}

/** One claim an object makes (or has its controller make): the class it names and its access modes. */
interface ClaimUse {
  readonly className?: string;
  readonly modes: readonly string[];
  readonly owner: string;
}

function claimUses(objects: readonly RenderedObject[]): ClaimUse[] {
  const uses: ClaimUse[] = [];
  for (const { object } of objects) {
    const owner = `${object.kind} \`${object.metadata?.name}\``;
    const templates: Json[] =
      object.kind === 'PersistentVolumeClaim' ? [object] : object.kind === 'StatefulSet' ? (object.spec?.volumeClaimTemplates ?? []) : [];
    for (const t of templates) uses.push({ className: t.spec?.storageClassName, modes: t.spec?.accessModes ?? ['ReadWriteOnce'], owner });
    // Operators' resources (CloudNativePG, MOCO, Percona) make ReadWriteOnce claims of the class they name.
    if (templates.length === 0 && object.kind !== 'StatefulSet')
      for (const className of storageClassesOf(object)) uses.push({ className, modes: ['ReadWriteOnce'], owner });
  }
  return uses;
}

/**
 * The README's storage prerequisites: every class the system's claims use, with their access
 * modes and whether the class encrypts at rest, as the cluster profile states it.
 */
export function storageSection(platform: Platform, objects: readonly RenderedObject[]): string[] {
  const uses = claimUses(objects);
  if (uses.length === 0) return [];
  const byClass = new Map<string, ClaimUse[]>();
  for (const u of uses) byClass.set(u.className ?? '', [...(byClass.get(u.className ?? '') ?? []), u]);
  const lines = ['### Storage', '', '| storage class | access modes | encrypted at rest | claims of |', '| --- | --- | --- | --- |'];
  for (const [name, own] of [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const spec = name === '' ? undefined : platform.storage.classes?.[name];
    const roles = [name === platform.storage.defaultClass ? 'default' : '', name === platform.storage.sharedClass ? 'shared (file)' : '']
      .filter(Boolean)
      .join(', ');
    const label = name === '' ? "the cluster's default class" : `\`${name}\`${roles ? ` (${roles})` : ''}`;
    const modes = [...new Set(own.flatMap((u) => u.modes))].sort();
    // A shared claim needs a class whose volumes every node can mount at once.
    const modesText = modes.map((m) => (m === 'ReadWriteMany' ? 'ReadWriteMany (a file class: NFS, CephFS, EFS, ...)' : m)).join(', ');
    const owners = [...new Set(own.map((u) => u.owner))].sort();
    lines.push(`| ${label} | ${modesText} | ${encryptionText(spec)} | ${owners.join(', ')} |`);
  }
  lines.push('');
  return lines;
}

function encryptionText(spec: StorageClassProfile | undefined): string {
  const e = spec?.encryptionAtRest;
  if (e === undefined) return spec === undefined ? 'not stated (the class is not in the cluster profile)' : 'not stated in the cluster profile';
  return e.encrypted ? `yes: ${e.by}` : 'no';
}
