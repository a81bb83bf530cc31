import { SecretStore, SecretStoreSpecProviderAwsService, SecretStoreSpecProviderVaultVersion } from '../../imports/secretstores-external-secrets.io';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { ISecretStore } from './external-secret-source';

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

/**
 * A namespaced SecretStore for one system, authenticating as its own ServiceAccount
 * (`secret-store`): a system can only read the secrets its Vault role or IAM role grants.
 */
export class SystemSecretStore extends Construct implements ISecretStore {
  public readonly storeName = 'secret-store';
  public readonly storeKind = 'SecretStore' as const;

  constructor(scope: Construct, id: string, backend: Exclude<SecretBackend, { kind: 'generated' }>, identity: { readonly system: string; readonly environment: string }) {
    super(scope, id);
    const role = `${identity.system}-${identity.environment}`;
    const serviceAccountName = 'secret-store';
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: {
        name: serviceAccountName,
        annotations: backend.kind === 'aws-secrets-manager' ? { 'eks.amazonaws.com/role-arn': `${backend.roleArnPrefix}${role}` } : undefined,
      },
      automountServiceAccountToken: false,
    });
    const provider =
      backend.kind === 'vault'
        ? {
            vault: {
              server: backend.server,
              path: backend.path,
              version: SecretStoreSpecProviderVaultVersion.V2,
              auth: { kubernetes: { mountPath: backend.authMountPath ?? 'kubernetes', role, serviceAccountRef: { name: serviceAccountName } } },
            },
          }
        : {
            aws: {
              service: SecretStoreSpecProviderAwsService.SECRETS_MANAGER,
              region: backend.region,
              auth: { jwt: { serviceAccountRef: { name: serviceAccountName } } },
            },
          };
    new SecretStore(this, 'resource', { metadata: { name: this.storeName }, spec: { provider } });
  }
}
