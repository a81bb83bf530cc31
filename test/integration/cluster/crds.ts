import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments, stringify } from 'yaml';
import { REPO } from './control-plane';

type Json = Record<string, any>;

/**
 * The operators' CRDs as this server accepts them. The released CRDs (cert-manager 1.21,
 * external-secrets 2.9) declare `selectableFields`, a field Kubernetes added in 1.30; an
 * older server rejects the whole CRD, so for 1.27 it is removed (it only enables field
 * selectors on those resources). The Percona Operator for MongoDB 1.23 CRD has validation
 * rules in CEL's optional syntax (`self.?pmm.?enabled`), which servers before 1.29 cannot
 * compile: for them those rules are removed (they only relate PMM and log collector
 * settings; the operator itself needs a newer Kubernetes). Nothing else is changed.
 * The Barman Cloud plugin's ObjectStore gives its validation
 * rules a `reason` (and may give a `fieldPath`), fields Kubernetes added in 1.28: for 1.27
 * they are removed (the rules stay; only the error's reason code and path differ). Nothing
 * else is changed.
 */
export function crdsFor(version: string, dir: string): string {
  const out = path.join(dir, 'crds');
  fs.mkdirSync(out, { recursive: true });
  const minor = Number(version.split('.')[1]);
  for (const file of fs.readdirSync(path.join(REPO, 'imports', 'crds')).filter((f) => f.endsWith('.yaml'))) {
    const docs = parseAllDocuments(fs.readFileSync(path.join(REPO, 'imports', 'crds', file), 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean);
    for (const crd of docs) if (minor < 30) for (const v of crd.spec?.versions ?? []) delete v.selectableFields;
    for (const crd of docs) if (minor < 29) for (const v of crd.spec?.versions ?? []) dropOptionalCelRules(v.schema);
    if (minor < 28) for (const crd of docs) for (const v of crd.spec?.versions ?? []) withoutRuleReasons(v.schema);
    // YAML 1.1 output: kubectl reads YAML 1.1, where an unquoted `Off` (a VPA enum value) is false.
    fs.writeFileSync(path.join(out, file), docs.map((d) => stringify(d, { version: '1.1' })).join('---\n'));
  }
  return out;
}

/** Removes, in place, every x-kubernetes-validations rule written in CEL's optional syntax. */
function dropOptionalCelRules(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(dropOptionalCelRules);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as Json;
  if (Array.isArray(object['x-kubernetes-validations'])) {
    object['x-kubernetes-validations'] = object['x-kubernetes-validations'].filter((r: Json) => !String(r.rule).includes('.?'));
    if (object['x-kubernetes-validations'].length === 0) delete object['x-kubernetes-validations'];
  }
  Object.values(object).forEach(dropOptionalCelRules);
}

/** Removes `reason` and `fieldPath` from every x-kubernetes-validations rule under `node`. */
function withoutRuleReasons(node: unknown): void {
  if (Array.isArray(node)) node.forEach(withoutRuleReasons);
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === 'x-kubernetes-validations' && Array.isArray(value)) {
      for (const rule of value as Json[]) {
        delete rule.reason;
        delete rule.fieldPath;
      }
    } else withoutRuleReasons(value);
  }
}
