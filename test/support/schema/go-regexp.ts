/**
 * Regex engine for ajv's `pattern` keyword that understands the bits of Go
 * (RE2) syntax CRD authors actually use.
 *
 * CRD patterns are evaluated by the apiserver with Go's regexp, not ECMAScript.
 * E.g. prometheus-operator's PrometheusRule ships `^(?i)(abort|warn)?$`
 * (groups[].partial_response_strategy), a SyntaxError in JavaScript that would
 * make ajv refuse to compile the whole CRD.
 */
import type { CodeOptions } from 'ajv';

type RegExpEngine = NonNullable<CodeOptions['regExp']>;

/** Leading Go flag group, e.g. `(?i)` or `^(?is)` (Go accepts it after the anchor too). */
const LEADING_FLAGS = /^(\^?)\(\?([imsU]+)\)/;

export function translateGoPattern(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = '';
  const m = LEADING_FLAGS.exec(source);
  if (m?.[2]) {
    source = (m[1] ?? '') + source.slice(m[0].length);
    // Go's U (ungreedy) has no JS equivalent; i/m/s map 1:1.
    if (m[2].includes('U')) throw new Error(`Go regex flag U is not supported: ${pattern}`);
    flags = m[2];
  }
  // A case-insensitive flag group later in the pattern (prometheus-operator's AlertmanagerConfig
  // months: `^((?i)january|...)(?:((:((?i)january|...))$)|$)`) has no JavaScript form before regex
  // modifiers; it is widened to the whole pattern: more lenient than the API server, never stricter.
  if (/(?<!\\)\(\?i\)/.test(source)) {
    source = source.replace(/(?<!\\)\(\?i\)/g, '');
    if (!flags.includes('i')) flags += 'i';
  }
  // Named groups: Go `(?P<name>...)` is JS `(?<name>...)`. `\A`/`\z` are Go's absolute anchors; without
  // translation JS (non-u) would read them as the letters A/z. The lookbehind skips escaped backslashes.
  source = source
    .replace(/\(\?P</g, '(?<')
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, '$1^')
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, '$1$$');
  return { source, flags };
}

function goRegExpImpl(pattern: string, u: string): RegExp {
  const { source, flags } = translateGoPattern(pattern);
  try {
    return new RegExp(source, flags + u);
  } catch {
    // The `u` flag forbids some escapes RE2 tolerates (e.g. `\-` outside a class); retry without it.
    try {
      return new RegExp(source, flags);
    } catch (e) {
      throw new Error(`CRD pattern ${JSON.stringify(pattern)} is not translatable to a JavaScript RegExp: ${(e as Error).message}`);
    }
  }
}

/** `code` only matters for ajv's standalone code generation, which we don't use. */
export const goRegExp: RegExpEngine = Object.assign(goRegExpImpl, { code: 'goRegExp' });
