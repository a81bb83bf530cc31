import { ISecretSource } from '../security/secret-source';

/** A value read from a key of a Secret: rendered as `secretKeyRef`, never as the value. */
export interface SecretKeyValue {
  readonly secret: ISecretSource;
  readonly key: string;
}

/** A value from the pod's own fields (downward API), e.g. `metadata.name`. */
export interface FieldValue {
  readonly fieldPath: string;
}

/** An environment variable value: plain (string, number, boolean), a secret key, or a pod field. */
export type EnvValue = string | number | boolean | SecretKeyValue | FieldValue;

/** The value of `key` in `secret`, by reference. */
export function fromSecret(secret: ISecretSource, key: string): SecretKeyValue {
  return { secret, key };
}

/** A pod field through the downward API. */
export function fromField(fieldPath: 'metadata.name' | 'metadata.namespace' | 'status.podIP' | 'spec.nodeName'): FieldValue {
  return { fieldPath };
}

/** POSIX-ish environment variable names: what every shell and runtime accepts. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSecretKeyValue(value: EnvValue): value is SecretKeyValue {
  return typeof value === 'object' && value !== null && 'secret' in value;
}

/** Why `value` cannot be an environment variable value, or undefined (props are not type-checked at run time). */
export function checkEnvValue(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${value} is not a finite number`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if ('secret' in v) {
      const secret = v.secret as Record<string, unknown> | null;
      if (typeof secret !== 'object' || secret === null || typeof secret.secretName !== 'string') return 'fromSecret() needs a secret source';
      return typeof v.key === 'string' && v.key.length > 0 ? undefined : 'fromSecret() needs a non-empty key';
    }
    if (typeof v.fieldPath === 'string') return undefined;
  }
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return `must be a string, number, boolean, fromSecret(...) or fromField(...) (is ${kind})`;
}

/** The `env` entry for one variable. */
export function renderEnvVar(name: string, value: EnvValue): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return { name, value: String(value) };
  if (isSecretKeyValue(value)) return { name, valueFrom: { secretKeyRef: { name: value.secret.secretName, key: value.key } } };
  return { name, valueFrom: { fieldRef: { fieldPath: value.fieldPath } } };
}
