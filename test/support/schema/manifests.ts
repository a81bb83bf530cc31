/**
 * Reads rendered manifests (e.g. dist/) the way kubectl would see them.
 *
 * kubectl decodes YAML with sigs.k8s.io/yaml (go-yaml v2), which follows YAML
 * 1.1 scalar rules: an unquoted `yes`/`no`/`on`/`off` is a boolean there, even
 * though YAML 1.2 readers (and the `yaml` package's default) see a string. We
 * therefore parse as YAML 1.1 so that e.g. an unquoted env value `on` fails the
 * string check exactly like it would on apply. go-yaml v2 has no sexagesimal
 * numbers (`1:30` → 90) and keeps timestamps as strings in the JSON it hands to
 * the apiserver, so those YAML 1.1 tags are dropped.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

export interface ManifestDocument {
  /** Path relative to the scanned root, e.g. `dev/shop/10-deployment-api.yaml`. */
  readonly file: string;
  /** 0-based index of the document within the file. */
  readonly index: number;
  readonly object: unknown;
}

export interface LoadedManifests {
  readonly documents: ManifestDocument[];
  /** YAML syntax problems (including duplicate keys, which strict validation also rejects). */
  readonly errors: string[];
}

const SKIPPED_FILES = new Set(['kustomization.yaml', 'kustomization.yml']);

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(full));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !SKIPPED_FILES.has(entry.name)) out.push(full);
  }
  return out.sort();
}

/** YAML 1.1 tags minus the ones go-yaml v2 does not implement (see file comment). */
function kubectlTags(tags: YAML.Tags): YAML.Tags {
  return tags.filter((t) => {
    if (typeof t !== 'object') return true;
    return t.tag !== 'tag:yaml.org,2002:timestamp' && !('format' in t && t.format === 'TIME');
  });
}

export function parseManifests(text: string, file: string): LoadedManifests {
  const documents: ManifestDocument[] = [];
  const errors: string[] = [];
  const docs = YAML.parseAllDocuments(text, { version: '1.1', customTags: kubectlTags, uniqueKeys: true });
  // parseAllDocuments returns an EmptyStream (array-like) for empty input, a Document[] otherwise.
  Array.from(docs).forEach((doc, index) => {
    if (doc.errors.length > 0) {
      errors.push(...doc.errors.map((e) => `${file}#${index}: YAML error: ${e.message.split('\n')[0]}`));
      return;
    }
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    // `---` at the end of a file (or an empty file) yields an empty document: nothing to apply.
    if (object === null || object === undefined) return;
    documents.push({ file, index, object });
  });
  return { documents, errors };
}

/** Every document of every `*.yaml` under `root` (recursively), except kustomization files. */
export function loadManifestDir(root: string): LoadedManifests {
  const documents: ManifestDocument[] = [];
  const errors: string[] = [];
  for (const full of listYamlFiles(root)) {
    const loaded = parseManifests(fs.readFileSync(full, 'utf8'), path.relative(root, full));
    documents.push(...loaded.documents);
    errors.push(...loaded.errors);
  }
  return { documents, errors };
}
