import { parse } from 'yaml';
import { toYamlDocument } from '../../lib/core/yaml';

describe('YAML output', () => {
  test('strings a YAML 1.1 reader (kubectl) would turn into booleans are quoted', () => {
    const text = toYamlDocument({ updateMode: 'Off', a: 'yes', b: 'on', c: 'NO', d: 'y' });
    expect(text).toBe('updateMode: "Off"\na: "yes"\nb: "on"\nc: "NO"\nd: "y"\n');
    // And YAML 1.1 parsing gives the strings back.
    expect(parse(text, { version: '1.1' })).toEqual({ updateMode: 'Off', a: 'yes', b: 'on', c: 'NO', d: 'y' });
  });

  test('numbers-as-strings stay strings; long lines are not folded; no anchors', () => {
    const shared = { x: 1 };
    const text = toYamlDocument({ port: '5432', mode: '0400', long: 'x'.repeat(300), a: shared, b: shared });
    expect(parse(text, { version: '1.1' })).toEqual({ port: '5432', mode: '0400', long: 'x'.repeat(300), a: { x: 1 }, b: { x: 1 } });
    expect(text).not.toContain('&');
    expect(text.split('\n').some((l) => l.length > 300)).toBe(true);
  });
});
