/**
 * Turns ajv errors into one-line messages a human can act on without reading
 * ajv internals: `<apiVersion> <kind> <name>: <JSON pointer>: <problem>`.
 * The pointer always names the offending field itself (ajv reports unknown and
 * missing fields at the *parent* path).
 */
import type { ErrorObject } from 'ajv';
import { isSchema } from './schema-walk';

/** `apps/v1 Deployment api` — identifies the object in every message. */
export function describeObject(obj: unknown): string {
  if (!isSchema(obj)) return '<not an object>';
  const meta = isSchema(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '<no metadata.name>';
  return `${String(obj.apiVersion ?? '<no apiVersion>')} ${String(obj.kind ?? '<no kind>')} ${name}`;
}

/** RFC 6901 escaping, so keys like `app.kubernetes.io/name` stay unambiguous. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** Resolves ajv's instancePath against the validated object, to show what was actually there. */
function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (isSchema(cur)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function problem(err: ErrorObject, root: unknown): { path: string; text: string } {
  const at = err.instancePath;
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties':
      return { path: `${at}/${pointerSegment(String(params.additionalProperty))}`, text: 'unknown field' };
    case 'required':
      return { path: `${at}/${pointerSegment(String(params.missingProperty))}`, text: 'required field missing' };
    case 'type': {
      const got = valueAt(root, at);
      // null is never what a generator means to emit: the server drops it, losing the intended value.
      const hint = got === null ? ' (null is only allowed where the schema says nullable)' : '';
      return { path: at, text: `must be ${String(params.type).replace(/,/g, ' or ')}, got ${describeValue(got)}${hint}` };
    }
    case 'enum':
      return { path: at, text: `must be one of ${JSON.stringify(params.allowedValues)}, got ${describeValue(valueAt(root, at))}` };
    case 'format':
    case 'pattern':
      return { path: at, text: `${err.message ?? 'invalid'}, got ${describeValue(valueAt(root, at))}` };
    default:
      return { path: at, text: err.message ?? err.keyword };
  }
}

/** One message per distinct problem (anyOf/oneOf branches can repeat the same complaint). */
export function formatErrors(obj: unknown, errors: readonly ErrorObject[]): string[] {
  const label = describeObject(obj);
  const seen = new Set<string>();
  for (const err of errors) {
    const { path, text } = problem(err, obj);
    seen.add(`${label}: ${path || '/'}: ${text}`);
  }
  return [...seen];
}

export function objectError(obj: unknown, text: string): string {
  return `${describeObject(obj)}: /: ${text}`;
}
