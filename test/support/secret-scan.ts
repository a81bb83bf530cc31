import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/** A value in a manifest that looks like a credential. */
export interface SecretFinding {
  readonly file: string;
  readonly path: string;
  readonly reason: string;
}

const SENSITIVE_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential)/i;
const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a PEM private key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, 'a JSON Web Token'],
  [/\b(ghp|gho|github_pat|xox[abp]|sk_live)_[A-Za-z0-9_]{16,}/, 'a service token'],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@$]*:(?!\$\()[^\s@/]{3,}@/i, 'a URL with an inline password'],
];

/** Base64 of at least 12 bytes that decodes to printable text: what `kubectl create secret` writes. */
function looksLikeBase64Text(value: string): boolean {
  if (value.length < 16 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value) || /^[0-9a-f]+$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  return decoded.length >= 12 && /^[\x20-\x7e\t\r\n]+$/.test(decoded);
}

function walk(node: unknown, pointer: string, visit: (value: string, pointer: string, key: string) => void, key = ''): void {
  if (typeof node === 'string') visit(node, pointer, key);
  else if (Array.isArray(node)) node.forEach((child, i) => walk(child, `${pointer}/${i}`, visit, key));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${k}`, visit, k);
}

/** Scans one manifest object. */
export function scanObject(object: unknown, file: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const o = object as Record<string, any>;
  if (o?.kind === 'Secret' && (o.data || o.stringData)) findings.push({ file, path: '/data', reason: 'a Secret with data' });
  walk(object, '', (value, pointer, key) => {
    for (const [pattern, reason] of PATTERNS) if (pattern.test(value)) findings.push({ file, path: pointer, reason });
    if (looksLikeBase64Text(value)) findings.push({ file, path: pointer, reason: 'base64-encoded text' });
    // Keys such as secretKey, secretKeys, secretName or passwordRef hold names of things, not values.
    if (
      SENSITIVE_NAME.test(key) &&
      !/(Ref|Key|Keys|Name)$/.test(key) &&
      value.length >= 8 &&
      !/^\$\(|^[a-z0-9-]+$/.test(value) &&
      !value.includes(' ')
    ) {
      findings.push({ file, path: pointer, reason: `a literal value under '${key}'` });
    }
  });
  // env entries named like secrets must come from a secretKeyRef (or refer to another variable).
  const envLists: Array<[string, any[]]> = [];
  const collect = (node: any, pointer: string) => {
    if (Array.isArray(node)) node.forEach((n, i) => collect(n, `${pointer}/${i}`));
    else if (node && typeof node === 'object') {
      if (Array.isArray(node.env)) envLists.push([`${pointer}/env`, node.env]);
      for (const [k, v] of Object.entries(node)) collect(v, `${pointer}/${k}`);
    }
  };
  collect(object, '');
  for (const [pointer, env] of envLists) {
    env.forEach((e, i) => {
      if (SENSITIVE_NAME.test(e.name ?? '') && typeof e.value === 'string' && e.value !== '' && !/^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(e.value)) {
        findings.push({ file, path: `${pointer}/${i}`, reason: `env ${e.name} has a literal value` });
      }
    });
  }
  return findings;
}

/** Scans every YAML file below `dir` (and Markdown, for pasted keys). */
export function scanTree(dir: string): { files: number; findings: SecretFinding[] } {
  const findings: SecretFinding[] = [];
  let files = 0;
  const visit = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (/\.(ya?ml|md)$/.test(entry.name)) {
        files++;
        const text = fs.readFileSync(full, 'utf8');
        const rel = path.relative(dir, full);
        if (entry.name.endsWith('.md')) {
          for (const [pattern, reason] of PATTERNS.slice(0, 4)) if (pattern.test(text)) findings.push({ file: rel, path: '', reason });
          continue;
        }
        for (const doc of parseAllDocuments(text)) findings.push(...scanObject(doc.toJS(), rel));
      }
    }
  };
  visit(dir);
  return { files, findings };
}
