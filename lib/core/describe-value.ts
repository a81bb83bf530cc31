/**
 * How an error message shows a value that is not what a field takes: strings quoted, objects
 * and arrays by kind (their content may be large or secret), the rest with its type. The one
 * helper for describing bad values, so every message says it the same way.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
