import { stringify } from 'yaml';

/**
 * Serialises one Kubernetes object as a YAML document. Keys keep the order they were
 * given (cdk8s sorts them when it resolves objects), long strings are never folded and
 * shared sub-objects are never turned into anchors, so the output is stable and readable.
 *
 * Written for YAML 1.1 readers: kubectl and the API server parse YAML 1.1, where an
 * unquoted `Off`, `yes`, `on` or `n` is a boolean. A VPA `updateMode: Off` written by a
 * YAML 1.2 emitter arrives as `false`; here every such string is quoted.
 */
export function toYamlDocument(object: unknown): string {
  return stringify(object, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}
