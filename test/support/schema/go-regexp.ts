/**
 * Regex engine for ajv's `pattern` keyword that understands the bits of Go
 * (RE2) syntax CRD authors actually use.
 *
 * CRD patterns are evaluated by the apiserver with Go's regexp, not ECMAScript.
 * E.g. Traefik ships `^(?i)(abort|warn)?$`, which is a SyntaxError in
 * JavaScript and would make ajv refuse to compile the whole CRD.
 */
import type { CodeOptions } from 'ajv';

type RegExpEngine = NonNullable<CodeOptions['regExp']>;

/** Leading Go flag group, e.g. `(?i)` or `(?is)`. */
const LEADING_FLAGS = /^\(\?([imsU]+)\)/;

export function translateGoPattern(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const m = LEADING_FLAGS.exec(source);
  if (m?.[1]) {
    source = source.slice(m[0].length);
    // Go's U (ungreedy) has no JS equivalent; i/m/s map 1:1.
    if (m[1].includes('U')) throw new Error(`Go regex flag U is not supported: ${pattern}`);
    flags = m[1];
  }
  // Named groups: Go `(?P<name>...)` is JS `(?<name>...)`; `\A`/`\z` are absolute anchors (no `m` flag used here).
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  return { source, flags };
}

function goRegExpImpl(pattern: string, u: string): RegExp {
  const { source, flags } = translateGoPattern(pattern);
  try {
    return new RegExp(source, flags + u);
  } catch {
    // The `u` flag forbids some escapes RE2 tolerates (e.g. `\-` outside a class); retry without it.
    return new RegExp(source, flags);
  }
}

/** `code` only matters for ajv's standalone code generation, which we don't use. */
export const goRegExp: RegExpEngine = Object.assign(goRegExpImpl, { code: 'goRegExp' });
