import type { Json } from '../core/json';
import type { Platform } from '../core/platform';
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
