import { toYamlDocument, toYamlDocumentReference } from '../../lib/core/yaml';

/**
 * lib/core/yaml.ts writes documents itself for speed; it must write exactly what the
 * `yaml` package writes. Random documents built from awkward scalars check that.
 */
const AWKWARD_STRINGS = [
  '',
  ' ',
  'a',
  'y',
  'n',
  'Y',
  'yes',
  'No',
  'on',
  'OFF',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '-',
  '?',
  ':',
  '#',
  '<<',
  '=',
  '0',
  '1',
  '-1',
  '+1',
  '007',
  '0o7',
  '0x1F',
  '0b101',
  '1_000',
  '1e3',
  '1.5',
  '.5',
  '5.',
  '.inf',
  '-.Inf',
  '.nan',
  '1:20',
  '1:20.5',
  '2024-01-02',
  '2024-01-02T03:04:05Z',
  '2001-12-14 21:59:43.10 -5',
  'abc',
  'a b',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  'a:',
  ' a',
  'a ',
  '-a',
  '- a',
  '? a',
  '*a',
  '&a',
  '!a',
  '|',
  '>',
  "'a'",
  '"a"',
  "it's",
  'say "hi"',
  `both ' and "`,
  '%a',
  '@a',
  '`a',
  '[a]',
  '{a}',
  'a,b',
  'a]',
  'a}',
  '---',
  '--- a',
  '...',
  'a\n---\nb',
  '\n',
  'a\n',
  'a\nb',
  'a\n\nb\n',
  'a\n\n\n',
  ' a\nb',
  'a\n b',
  '\ta',
  'a\tb',
  'a\x07b',
  'é',
  'ünï',
  '😀',
  'http://example.com/a?b=c',
  'api.example.com',
  'app.kubernetes.io/name',
  'cdk8s-stacks',
  '60',
  '0400',
  '5432',
  'RuntimeDefault',
  '#!/bin/sh\nset -eu\necho "hi"\n',
  'x'.repeat(300),
  'word '.repeat(40).trim(),
  'a\r\nb',
  '\u2028',
  'key=value,other=1',
];
const AWKWARD_KEYS = [
  'a',
  'name',
  'y',
  'n',
  'on',
  'true',
  '1',
  '007',
  '',
  ' ',
  'a b',
  'a:b',
  'a: b',
  '#',
  '-',
  '? x',
  'app.kubernetes.io/name',
  '<<',
  'k'.repeat(1100),
  'x\ny',
  '"q"',
  "'q'",
];
const NUMBERS = [0, 1, -1, 0.5, -0, 1e21, 1e-7, 123456789, 3.14159, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function generate(rand: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  if (depth > 4 || r < 0.45) {
    const s = rand();
    if (s < 0.6) return pick(AWKWARD_STRINGS);
    if (s < 0.8) return pick(NUMBERS);
    if (s < 0.9) return rand() < 0.5;
    if (s < 0.97) return null;
    return undefined;
  }
  if (r < 0.7) {
    const out: Record<string, unknown> = {};
    const n = Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) out[rand() < 0.7 ? pick(AWKWARD_KEYS.slice(0, 8)) + i : pick(AWKWARD_KEYS)] = generate(rand, depth + 1);
    return out;
  }
  return Array.from({ length: Math.floor(rand() * 4) }, () => generate(rand, depth + 1));
}

describe('YAML writer', () => {
  test('every awkward scalar, as a value, a sequence item and a key, is written like the yaml package writes it', () => {
    for (const s of [...AWKWARD_STRINGS, ...NUMBERS, true, false, null]) {
      for (const doc of [{ v: s }, { m: { v: s, w: [s, s] } }, { l: [{ v: s, x: 1 }] }, [s], { [String(s)]: s }, { a: { [String(s)]: { b: s } } }]) {
        expect(toYamlDocument(doc)).toBe(toYamlDocumentReference(doc));
      }
    }
  });

  test('random nested documents are written like the yaml package writes them', () => {
    const rand = random(42);
    for (let i = 0; i < 5000; i++) {
      const doc = { apiVersion: 'v1', kind: 'Thing', spec: generate(rand, 0) };
      expect(toYamlDocument(doc)).toBe(toYamlDocumentReference(doc));
    }
  });

  test('generated strings of the characters that decide plain or quoted are written like the yaml package writes them', () => {
    // Every character plainString tests for, with letters, digits and a few that tags read
    // (numbers, booleans, timestamps): the one-line plain shortcut must agree on each.
    const alphabet = [
      'a',
      'y',
      'n',
      'e',
      '0',
      '1',
      '.',
      '/',
      ' ',
      ':',
      '#',
      '-',
      '?',
      ',',
      '[',
      ']',
      '{',
      '}',
      '&',
      '*',
      '!',
      '|',
      '>',
      "'",
      '"',
      '%',
      '@',
      '`',
      '~',
      '=',
      '+',
      '_',
      '\t',
      '\n',
      'é',
    ];
    const rand = random(7);
    let plain = 0;
    for (let i = 0; i < 20000; i++) {
      const length = 1 + Math.floor(rand() * 7);
      const s = Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      for (const doc of [{ v: s }, { l: [s, { v: s }] }]) expect(toYamlDocument(doc)).toBe(toYamlDocumentReference(doc));
      if (toYamlDocumentReference({ v: s }) === `v: ${s}\n`) plain++;
    }
    // Not vacuous: a good share of the strings are written plain, the rest quoted or as blocks.
    expect(plain).toBeGreaterThan(2000);
    expect(plain).toBeLessThan(18000);
  });

  test('shared sub-objects, empty collections and nested sequences', () => {
    const shared = { x: 1, y: ['a'] };
    for (const doc of [{ a: shared, b: shared }, { a: {}, b: [], c: [[]], d: [{}], e: [[1, 2], []], f: [{ g: [] }] }, {}, [], 'x', 1, null]) {
      expect(toYamlDocument(doc)).toBe(toYamlDocumentReference(doc));
    }
  });
});
