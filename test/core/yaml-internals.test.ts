import { RESOLVING_TAGS, resolvesAsOtherType, toYamlDocumentReference } from '../../lib/core/yaml';

/**
 * lib/core/yaml.ts relies on one piece of the `yaml` package's behaviour that is not a
 * documented contract (see `resolvesAsOtherType`): which plain strings it quotes. These
 * tests pin that behaviour for the installed version; a `yaml` update that changes the
 * YAML 1.1 tags or the quoting rule fails here before it can change dist/.
 */

/** Whether the `yaml` package itself quotes `s` as a map value. */
const quotedByYaml = (s: string): boolean => toYamlDocumentReference({ a: s }) !== `a: ${s}\n`;
/** Whether the `yaml` package itself quotes `s` as a map key. */
const keyQuotedByYaml = (s: string): boolean => !toYamlDocumentReference({ [s]: 0 }).startsWith(`${s}: `);

/** The alphabet of the writer's SIMPLE shortcut (`[A-Za-z0-9_][A-Za-z0-9_./=+-]*`) and the letters YAML 1.1 tags use. */
const FIRST = 'aAbBeEfFnNoOtTxXyYZ0123456789_';
const REST = `${FIRST}.+-/=:`;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the yaml package internals the writer relies on', () => {
  test('the YAML 1.1 schema has exactly the tags the quoting rule is known for', () => {
    const described = RESOLVING_TAGS.map((t) => `${t.tag}${'format' in t && t.format ? ` ${t.format}` : ''} ${String(t.test)}`);
    expect(described).toEqual([
      'tag:yaml.org,2002:null /^(?:~|[Nn]ull|NULL)?$/',
      'tag:yaml.org,2002:bool /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/',
      'tag:yaml.org,2002:bool /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/',
      'tag:yaml.org,2002:int BIN /^[-+]?0b[0-1_]+$/',
      'tag:yaml.org,2002:int OCT /^[-+]?0[0-7_]+$/',
      'tag:yaml.org,2002:int /^[-+]?[0-9][0-9_]*$/',
      'tag:yaml.org,2002:int HEX /^[-+]?0x[0-9a-fA-F_]+$/',
      'tag:yaml.org,2002:float /^(?:[-+]?\\.(?:inf|Inf|INF)|\\.nan|\\.NaN|\\.NAN)$/',
      'tag:yaml.org,2002:float EXP /^[-+]?(?:[0-9][0-9_]*)?(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$/',
      'tag:yaml.org,2002:float /^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*$/',
      'tag:yaml.org,2002:merge /^<<$/',
      'tag:yaml.org,2002:int TIME /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$/',
      'tag:yaml.org,2002:float TIME /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*$/',
      'tag:yaml.org,2002:timestamp /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:t|T|[ \\t]+)([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2}(\\.[0-9]+)?)' +
        '(?:[ \\t]*(Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/',
    ]);
  });

  test('a string one of those tags reads as something else is quoted; any other simple string is written plain', () => {
    const examples = [
      'y',
      'Y',
      'yes',
      'YES',
      'on',
      'On',
      'true',
      'n',
      'No',
      'off',
      'OFF',
      'False',
      'null',
      'NULL',
      '~',
      '0b101',
      '-0b1_1',
      '0777',
      '+017',
      '42',
      '-1_000',
      '0x1F',
      '0xdead_BEEF',
      '.inf',
      '-.Inf',
      '.NaN',
      '1e3',
      '-1.5E-7',
      '1.',
      '.5',
      '+3.14_15',
      '1:20',
      '-190:20:30',
      '1:20.5',
      '2001-12-14',
      '2001-12-14t21:59:43.10-05:00',
      '2001-12-14T21:59:43Z',
      'yess',
      'Yes2',
      'ONe',
      'nulls',
      '0b2',
      '0o17',
      '0x',
      '0xG',
      '1e',
      '1.2.3',
      'v1',
      '1-2',
      '1:60',
      '2001-12',
      '2001-12-14x',
      'a1',
      'web-1',
      'app.kubernetes.io/name',
      'RuntimeDefault',
      'key=value',
      'a/b',
      '_x',
      'x.y+z',
    ];
    for (const s of examples) {
      expect([s, resolvesAsOtherType(s)]).toEqual([s, quotedByYaml(s)]);
      expect([s, resolvesAsOtherType(s)]).toEqual([s, keyQuotedByYaml(s)]);
    }
    expect(examples.filter(resolvesAsOtherType).length).toBe(37);
  });

  test('random simple strings: the rule and the yaml package agree on every one', () => {
    const rand = random(20);
    const pick = (chars: string) => chars[Math.floor(rand() * chars.length)];
    let quoted = 0;
    for (let i = 0; i < 20_000; i++) {
      let s = pick(FIRST);
      const length = Math.floor(rand() * 6);
      for (let j = 0; j < length; j++) s += pick(REST);
      // `:` is not in the writer's shortcut alphabet; a colon before a space or at the end changes the syntax, not the type.
      if (s.endsWith(':')) continue;
      const rule = resolvesAsOtherType(s);
      if (rule) quoted++;
      if (rule !== quotedByYaml(s)) expect([s, rule]).toEqual([s, quotedByYaml(s)]);
    }
    // The sample reaches both sides of the rule.
    expect(quoted).toBeGreaterThan(500);
  });
});
