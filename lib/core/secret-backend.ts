/**
 * Where an environment's secrets come from. No environment ever needs a committed
 * secret: dev generates random credentials in the cluster, staging and prod read them
 * from a real secret store.
 */
export type SecretBackend = GeneratedSecretBackend | VaultSecretBackend | AwsSecretsManagerBackend;

/** external-secrets `Password` generators create random values once, in the cluster. */
export interface GeneratedSecretBackend {
  readonly kind: 'generated';
}

/**
 * HashiCorp Vault, KV v2, Kubernetes auth with one role (and one policy of the same name)
 * per system and environment. Names are templates over `{system}`, `{env}` and `{secret}`.
 */
export interface VaultSecretBackend {
  readonly kind: 'vault';
  /** Vault address, e.g. `https://vault.acme-corp.io:8200`. */
  readonly server: string;
  /** Mount path of the KV v2 secrets engine, e.g. `secret`. */
  readonly path: string;
  /** Mount path of the Kubernetes auth method. @default 'kubernetes' */
  readonly authMountPath?: string;
  /** Name of each system's Kubernetes auth role and of its read policy. @default '{system}-{env}' */
  readonly roleName?: string;
  /** Key of a SystemSecret inside the KV mount (one property per Secret key). @default '{system}/{env}/{secret}' */
  readonly keyPath?: string;
}

/** AWS Secrets Manager, authenticated with IRSA (the ServiceAccount's IAM role). */
export interface AwsSecretsManagerBackend {
  readonly kind: 'aws-secrets-manager';
  /** AWS region of the secrets, e.g. `eu-west-1`. */
  readonly region: string;
  /** ARN of the IAM roles up to the role name, e.g. `arn:aws:iam::123456789012:role/`. */
  readonly roleArnPrefix: string;
  /** Name of each system's IAM role (appended to roleArnPrefix). @default '{system}-{env}' */
  readonly roleName?: string;
  /** Name of a SystemSecret in Secrets Manager (one JSON property per Secret key). @default '{system}/{env}/{secret}' */
  readonly keyPath?: string;
}

export const DEFAULT_ROLE_NAME = '{system}-{env}';
export const DEFAULT_KEY_PATH = '{system}/{env}/{secret}';
export const DEFAULT_VAULT_AUTH_MOUNT = 'kubernetes';

/** The names a template may use. */
export interface SecretNaming {
  readonly system: string;
  readonly env: string;
  readonly secret?: string;
}

/** `template` with `{system}`, `{env}` and `{secret}` replaced. */
export function expandSecretTemplate(template: string, names: SecretNaming): string {
  return template.replace(/\{(system|env|secret)\}/g, (_, name: keyof SecretNaming) => names[name] ?? `{${name}}`);
}

/** Why a naming template is unusable (unknown placeholder, missing a required one), or undefined. */
export function checkSecretTemplate(
  template: unknown,
  required: ReadonlyArray<keyof SecretNaming>,
  allowed: ReadonlyArray<keyof SecretNaming>,
): string | undefined {
  if (typeof template !== 'string' || template === '') return `must be a non-empty string (is ${template === '' ? "''" : typeof template})`;
  const used = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const unknown = used.filter((u) => !(allowed as readonly string[]).includes(u));
  if (unknown.length) return `'${template}' uses {${unknown.join('}, {')}}; allowed: ${allowed.map((a) => `{${a}}`).join(', ')}`;
  const missing = required.filter((r) => !used.includes(r));
  if (missing.length)
    return `'${template}' must contain ${missing.map((m) => `{${m}}`).join(' and ')} so that every system and environment gets its own name`;
  return undefined;
}

/** The role name of a system in an environment (Vault role and policy, AWS IAM role). */
export function secretRoleName(backend: VaultSecretBackend | AwsSecretsManagerBackend, system: string, env: string): string {
  return expandSecretTemplate(backend.roleName ?? DEFAULT_ROLE_NAME, { system, env });
}

/** The store key of one SystemSecret. */
export function secretKeyPath(backend: VaultSecretBackend | AwsSecretsManagerBackend, system: string, env: string, secret: string): string {
  return expandSecretTemplate(backend.keyPath ?? DEFAULT_KEY_PATH, { system, env, secret });
}
