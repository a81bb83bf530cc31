/**
 * Validates every manifest under a directory against several Kubernetes
 * versions and folds the result into one report, so a failing run shows every
 * problem at once instead of one per test re-run.
 */
import * as fs from 'fs';
import { loadManifestDir } from './manifests';
import { K8S_VERSIONS, K8sVersion, createValidator } from './validator';

export interface TreeReport {
  /** Objects (YAML documents) validated. */
  readonly objects: number;
  /** `[k8s 1.27, 1.33] <file>#<doc>: <message>` lines plus YAML errors; empty = all valid. */
  readonly problems: string[];
}

/**
 * Throws when `root` is missing or holds no objects at all: a check that
 * validated nothing must not report success.
 */
export function validateManifestTree(root: string, versions: readonly K8sVersion[] = K8S_VERSIONS): TreeReport {
  if (!fs.existsSync(root)) throw new Error(`${root} does not exist — run \`npm run synth\` first`);
  const { documents, errors } = loadManifestDir(root);
  if (documents.length === 0 && errors.length === 0) {
    throw new Error(`no Kubernetes objects found in any *.yaml under ${root} — did synth write anything?`);
  }

  // message → versions it occurs on, so a problem common to all versions is listed once.
  const byMessage = new Map<string, K8sVersion[]>();
  for (const version of versions) {
    const validator = createValidator(version);
    for (const { file, index, object } of documents) {
      for (const message of validator.validate(object)) {
        const key = `${file}#${index}: ${message}`;
        byMessage.set(key, [...(byMessage.get(key) ?? []), version]);
      }
    }
  }
  const problems = [...errors, ...[...byMessage].map(([message, vs]) => `[k8s ${vs.join(', ')}] ${message}`)];
  return { objects: documents.length, problems };
}
