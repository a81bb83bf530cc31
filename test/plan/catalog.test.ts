import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CHANGE_RISK_IDS } from '../../lib';
import { RISKS } from '../../lib/plan/risks';
import { CUSTOM_RESOURCE_IMMUTABLE } from '../../lib/plan/rules-refused';

describe('risk catalog', () => {
  test('every risk id has one definition with its class, severity, title and remedy', () => {
    expect(Object.keys(RISKS).sort()).toEqual([...CHANGE_RISK_IDS].sort());
    for (const id of CHANGE_RISK_IDS) {
      const r = RISKS[id];
      expect(r.id).toBe(id);
      expect(id.startsWith(`${r.class}.`)).toBe(true);
      expect(['blocking', 'blocking-in-prod', 'warning']).toContain(r.severity);
      expect(r.title.length).toBeGreaterThan(20);
      expect(r.remedy.length).toBeGreaterThan(20);
    }
  });

  test("the custom resources' immutable fields are those their CRDs declare with self == oldSelf (for the kinds the library renders)", () => {
    const dir = path.join(__dirname, '..', '..', 'imports', 'crds');
    const declared: Record<string, string[]> = {};
    const walk = (node: any, at: string[], key: string) => {
      if (!node || typeof node !== 'object') return;
      for (const rule of node['x-kubernetes-validations'] ?? [])
        if (/^\s*(self == oldSelf|oldSelf == self)\s*$/.test(rule.rule)) (declared[key] ??= []).push(at.join('.'));
      for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, [...at, k], key);
      if (node.items) walk(node.items, [...at, '[]'], key);
    };
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')))
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJS();
        for (const v of crd?.spec?.versions ?? []) walk(v.schema?.openAPIV3Schema, [], `${crd.spec.group}/${crd.spec.names.kind}`);
      }
    // Every rule the table lists is declared by the CRD.
    for (const [kind, fields] of Object.entries(CUSTOM_RESOURCE_IMMUTABLE))
      for (const f of fields) expect({ kind, f, declared: declared[kind]?.includes(f) }).toEqual({ kind, f, declared: true });
    // And every rule the CRDs declare is in the table.
    const left = Object.entries(declared).flatMap(([kind, fields]) =>
      fields.filter((f) => !(CUSTOM_RESOURCE_IMMUTABLE[kind] ?? []).includes(f)).map((f) => `${kind} ${f}`),
    );
    expect(left).toEqual([]);
    expect(Object.keys(declared).length).toBeGreaterThanOrEqual(4);
  });
});
