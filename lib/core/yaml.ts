import { stringify } from 'yaml';

/**
 * Serialises one Kubernetes object as a YAML document. Keys keep the order they were
 * given (cdk8s sorts them when it resolves objects), long strings are never folded and
 * shared sub-objects are never turned into anchors, so the output is stable and readable.
 */
export function toYamlDocument(object: unknown): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false });
}
