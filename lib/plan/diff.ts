import type { Json } from '../core/json';

/** One changed leaf (or subtree) of an object; `undefined` on a side means absent there. */
export interface FieldChange {
  /** e.g. `spec.template.spec.containers[api].env[DB_HOST].value` */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** Deep equality of JSON values; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Json)[k], (b as Json)[k]));
}

/** The name a list item is matched by (containers, env, ports, volumes, claim templates), if it has one. */
function itemName(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const o = item as Json;
  if (typeof o.name === 'string') return o.name;
  if (typeof o.metadata?.name === 'string') return o.metadata.name;
  return undefined;
}

function namedItems(list: unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of list) {
    const name = itemName(item);
    if (name === undefined || map.has(name)) return undefined;
    map.set(name, item);
  }
  return map;
}

/**
 * The field-level differences between two objects. Maps are compared key by key (key order
 * never shows up); lists whose items all have a unique name (`name` or `metadata.name`) are
 * matched by name, so reordering is not a change and an inserted container does not shift
 * the others; other lists of equal length are compared item by item, else as a whole.
 */
export function diffObjects(before: unknown, after: unknown, at = ''): FieldChange[] {
  if (deepEqual(before, after)) return [];
  const out: FieldChange[] = [];
  const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(before) && isMap(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) out.push(...diffObjects(before[key], after[key], join(at, key)));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = namedItems(before);
    const b = namedItems(after);
    if (a && b && (a.size > 0 || b.size > 0)) {
      for (const name of [...new Set([...a.keys(), ...b.keys()])]) out.push(...diffObjects(a.get(name), b.get(name), `${at}[${name}]`));
      return out;
    }
    if (before.length === after.length && before.every((x) => isMap(x)) && after.every((x) => isMap(x))) {
      before.forEach((x, i) => out.push(...diffObjects(x, after[i], `${at}[${i}]`)));
      return out;
    }
  }
  return [{ path: at || '.', before, after }];
}

function join(at: string, key: string): string {
  const part = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? key : `"${key}"`;
  return at ? `${at}.${part}` : part;
}

/** The value at a dotted path (`spec.selector`); list items by name with `[name]`. */
export function valueAt(object: unknown, dotted: string): unknown {
  let current: unknown = object;
  for (const part of dotted.split('.').filter((p) => p.length > 0)) {
    const m = /^([^[]+)((?:\[[^\]]+\])*)$/.exec(part);
    if (!m || typeof current !== 'object' || current === null) return undefined;
    current = (current as Json)[m[1]];
    for (const [, name] of m[2].matchAll(/\[([^\]]+)\]/g)) {
      if (!Array.isArray(current)) return undefined;
      current = current.find((item) => itemName(item) === name);
    }
  }
  return current;
}

/** A value as one short line for reports. */
export function brief(value: unknown, max = 80): string {
  if (value === undefined) return '(absent)';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
