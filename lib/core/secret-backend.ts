/**
 * Where an environment's secrets come from. No environment ever needs a committed
 * secret: dev generates random credentials in the cluster, staging and prod read them
 * from a real secret store.
 */
export type SecretBackend =
  /** external-secrets `Password` generators create random values once, in the cluster. */
  | { readonly kind: 'generated' }
  /** HashiCorp Vault, KV v2, Kubernetes auth with a role per system and environment. */
  | { readonly kind: 'vault'; readonly server: string; readonly path: string; readonly authMountPath?: string }
  /** AWS Secrets Manager, authenticated with IRSA (the ServiceAccount's IAM role). */
  | { readonly kind: 'aws-secrets-manager'; readonly region: string; readonly roleArnPrefix: string };
