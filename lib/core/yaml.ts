import { CollectionTag, Document, ScalarTag, stringify } from 'yaml';

/**
 * The options every document is written with: keys keep the order they were given
 * (cdk8s sorts them when it resolves objects), long strings are never folded and shared
 * sub-objects are never turned into anchors, so the output is stable and readable.
 *
 * Written for YAML 1.1 readers: kubectl and the API server parse YAML 1.1, where an
 * unquoted `Off`, `yes`, `on` or `n` is a boolean. A VPA `updateMode: Off` written by a
 * YAML 1.2 emitter arrives as `false`; here every such string is quoted.
 */
const OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' } as const;

/**
 * Serialises one Kubernetes object as a YAML document, byte for byte what the `yaml`
 * package's `stringify(object, OPTIONS)` writes (see `toYamlDocumentReference`).
 *
 * Why not call `stringify` directly: it builds a full document tree (a node per value)
 * before writing it, which made it the largest cost of a synth at scale. This writer
 * lays out the block maps and sequences itself and asks the `yaml` package how to write
 * each distinct scalar once (memoised), so quoting, YAML 1.1 booleans, block scalars and
 * escapes are exactly the package's. Anything it does not handle exactly (undefined
 * values, non-plain objects, unusual keys or scalars) makes it fall back to `stringify`
 * for the whole object, so the output never differs.
 */
export function toYamlDocument(object: unknown): string {
  if (object !== null && typeof object === 'object' && Object.keys(object).length > 0) {
    const out: string[] = [];
    if (Array.isArray(object) ? writeSeq(object, '', out, 0) : isPlainObject(object) && writeMap(object as Record<string, unknown>, '', out, 0)) {
      return out.join('');
    }
  }
  return toYamlDocumentReference(object);
}

/** The reference serialisation: the `yaml` package's own stringify, with the same options. */
export function toYamlDocumentReference(object: unknown): string {
  return stringify(object, OPTIONS);
}

// ---------------------------------------------------------------------------------------
// Fast writer. Each write* function appends lines to `out` and returns false when the
// value needs the reference writer (the caller then discards `out`).

const MAX_DEPTH = 100;
const MAX_MEMO = 200_000;

/** How `yaml` writes a scalar as a map value or sequence item: one line, or a block scalar (header, then lines relative to the parent). */
interface ScalarForm {
  /** Text after `key: ` or `- ` on the first line. */
  readonly head: string;
  /** Further lines (block scalar content), indented relative to the parent; null for an empty line, which stays empty. */
  readonly rest?: ReadonlyArray<string | null>;
}

const valueMemo = new Map<unknown, ScalarForm | null>();
const keyMemo = new Map<string, string | null>();

/**
 * Strings `yaml` always writes plain (when no YAML 1.1 tag would read them as something
 * else): no indicator first, no spaces, colons, quotes, `#` or line breaks anywhere.
 */
const SIMPLE = /^[A-Za-z0-9_][A-Za-z0-9_./=+-]*$/;

/** `yaml` writes strings with these line starts depending on the depth (its containsDocumentMarker). */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * The one place that depends on how the `yaml` package decides to quote, rather than on
 * what it writes: the shortcut for SIMPLE strings and keys needs to know whether a YAML 1.1
 * reader would take the plain text for another type (`yes`, `0x1F`, `1:20`, `~`, ...).
 *
 * Public API used: `Document#schema` (the schema `stringify` builds for OPTIONS), its
 * `tags` and `compat` lists, and each `ScalarTag`'s documented `default` and `test`.
 * Internal behaviour relied on (yaml 2.9.1, `plainString` in dist/stringify/stringifyString.js):
 * a string is quoted exactly when some tag with `default` set, other than
 * `tag:yaml.org,2002:str`, has a `test` that matches it. test/core/yaml-internals.test.ts
 * pins the tag list and checks this rule against `stringify` on every tag's examples, so a
 * `yaml` update that changes either fails there.
 * @internal
 */
export function resolvesAsOtherType(value: string): boolean {
  for (const tag of RESOLVING_TAGS) if (tag.test!.test(value)) return true;
  return false;
}

/** The tags `resolvesAsOtherType` tests, taken from the schema `stringify` uses with OPTIONS. @internal */
export const RESOLVING_TAGS: ReadonlyArray<ScalarTag | CollectionTag> = (() => {
  const schema = new Document(null, OPTIONS).schema;
  return [...schema.tags, ...(schema.compat ?? [])].filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test);
})();

function remember<K, V>(memo: Map<K, V>, key: K, value: V): V {
  if (memo.size >= MAX_MEMO) memo.clear();
  memo.set(key, value);
  return value;
}

/** The form of a scalar (string, number, boolean, null) as a value; null when unsupported. */
function scalarForm(value: unknown): ScalarForm | null {
  // The memo cannot tell -0 from 0 (SameValueZero); -0 is written as `-0`.
  if (Object.is(value, -0)) return { head: '-0' };
  const known = valueMemo.get(value);
  if (known !== undefined) return known;
  if (typeof value === 'string' && SIMPLE.test(value)) {
    // Double quotes are what `yaml` picks for a string without quotes in it.
    return remember(valueMemo, value, { head: resolvesAsOtherType(value) ? `"${value}"` : value });
  }
  // Document markers are written differently at different depths: the reference decides.
  if (typeof value === 'string' && DOCUMENT_MARKER.test(value)) return remember(valueMemo, value, null);
  // Most other strings (URLs, image references, sentences) are one plain line too: asking
  // `yaml` about each distinct one was the writer's largest cost at a thousand services.
  if (typeof value === 'string' && isPlainLine(value)) return remember(valueMemo, value, { head: value });
  // Ask `yaml` how it writes the value in a block mapping, then make that relative.
  const text = stringify({ a: value }, OPTIONS);
  let form: ScalarForm | null = null;
  if (text.startsWith('a: ') && text.endsWith('\n')) {
    const lines = text.slice(3, -1).split('\n');
    const head = lines[0];
    if (lines.length === 1) form = { head };
    else if ((head.startsWith('|') || head.startsWith('>')) && lines.slice(1).every((l) => l === '' || l.startsWith('  '))) {
      form = { head, rest: lines.slice(1).map((l) => (l === '' ? null : l.slice(2))) };
    }
  }
  return remember(valueMemo, value, form);
}

/**
 * Characters and places where `yaml` does not write a string plain (yaml 2.9.1,
 * `plainString` in dist/stringify/stringifyString.js): an indicator first, `-` or `?`
 * alone or before a blank, `: ` or ` #` inside, a blank or `:` last.
 */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;

/** Characters `yaml` always writes double-quoted (its stringifyString), and tabs and line breaks, left to the reference. */
// eslint-disable-next-line no-control-regex -- the control characters are what it tests for
const NOT_LINE = /[\x00-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;

/**
 * Whether `yaml` writes the string `value`, as a block map value or sequence item, as one
 * plain line: the same tests, in the same order, as its `plainString` for a single line
 * (lineWidth 0: never folded), where the document-marker case was already sent to the
 * reference. test/core/yaml-writer.test.ts compares this with the package on generated strings.
 */
function isPlainLine(value: string): boolean {
  return value !== '' && !NOT_LINE.test(value) && !NOT_PLAIN.test(value) && !resolvesAsOtherType(value);
}

/** How `yaml` writes a map key (implicit key); null when unsupported. */
function keyForm(key: string): string | null {
  const known = keyMemo.get(key);
  if (known !== undefined) return known;
  // Keys longer than 1024 characters become explicit (`? key`): the reference decides those.
  if (key.length <= 1000 && SIMPLE.test(key)) return remember(keyMemo, key, resolvesAsOtherType(key) ? `"${key}"` : key);
  if (DOCUMENT_MARKER.test(key)) return remember(keyMemo, key, null);
  const text = stringify({ [key]: 0 }, OPTIONS);
  const single = text.endsWith(': 0\n') && text.indexOf('\n') === text.length - 1 && !text.startsWith('? ');
  return remember(keyMemo, key, single ? text.slice(0, -4) : null);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
}

/** Writes a scalar after `prefix` (e.g. `  key: ` or `  - `); block content goes under `indent`. */
function writeScalar(value: unknown, prefix: string, indent: string, out: string[]): boolean {
  const form = scalarForm(value);
  if (!form) return false;
  out.push(prefix, form.head, '\n');
  if (form.rest) for (const line of form.rest) out.push(line === null ? '\n' : `${indent}${line}\n`);
  return true;
}

/** A non-empty block mapping whose keys start at `indent`. */
function writeMap(map: Record<string, unknown>, indent: string, out: string[], depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const inner = `${indent}  `;
  for (const key of Object.keys(map)) {
    const k = keyForm(key);
    if (k === null) return false;
    const value = map[key];
    if (isScalar(value)) {
      if (!writeScalar(value, `${indent}${k}: `, inner, out)) return false;
    } else if (typeof value !== 'object') {
      return false; // undefined, functions, symbols, bigints
    } else if (Array.isArray(value)) {
      if (value.length === 0) out.push(`${indent}${k}: []\n`);
      else {
        out.push(`${indent}${k}:\n`);
        if (!writeSeq(value, inner, out, depth + 1)) return false;
      }
    } else {
      if (!isPlainObject(value as object)) return false;
      if (Object.keys(value as object).length === 0) out.push(`${indent}${k}: {}\n`);
      else {
        out.push(`${indent}${k}:\n`);
        if (!writeMap(value as Record<string, unknown>, inner, out, depth + 1)) return false;
      }
    }
  }
  return true;
}

/**
 * A non-empty block sequence whose dashes start at `indent`. A map item starts on the
 * dash line (`- key: value`), its other keys under it; nested sequences and empty
 * collections go to the reference writer.
 */
function writeSeq(seq: readonly unknown[], indent: string, out: string[], depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const inner = `${indent}  `;
  for (let i = 0; i < seq.length; i++) {
    if (!(i in seq)) return false; // holes
    const item = seq[i];
    if (isScalar(item)) {
      if (!writeScalar(item, `${indent}- `, inner, out)) return false;
    } else if (typeof item !== 'object' || Array.isArray(item) || !isPlainObject(item as object)) {
      return false;
    } else {
      if (Object.keys(item as object).length === 0) return false;
      // Write the map at the item's indentation, then put the first line after the dash.
      const start = out.length;
      if (!writeMap(item as Record<string, unknown>, inner, out, depth + 1)) return false;
      out[start] = `${indent}- ${out[start].slice(inner.length)}`;
    }
  }
  return true;
}
