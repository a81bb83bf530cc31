import { SecretStore, SecretStoreSpecProviderAwsService, SecretStoreSpecProviderVaultVersion } from '../../imports/secretstores-external-secrets.io';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { DEFAULT_VAULT_AUTH_MOUNT, secretRoleName, SecretBackend } from '../core/secret-backend';
import type { SystemChart } from '../core/system-chart';
import { ISecretStore } from './external-secret-source';
import { requirePlatform } from '../core/platform-requirements';

// The type is part of the environment model (core); re-exported here beside the store it configures.
export type { SecretBackend };

/** The ServiceAccount each system's SecretStore authenticates as (bound to the Vault role / IAM role). */
export const SECRET_STORE_SERVICE_ACCOUNT = 'secret-store';

/**
 * A namespaced SecretStore for one system, authenticating as its own ServiceAccount
 * (`secret-store`): a system can only read the secrets its Vault role or IAM role grants.
 * Role names and the auth mount come from the cluster profile (`platform.secrets`).
 */
export class SystemSecretStore extends Construct implements ISecretStore {
  /** The system's SecretStore (created on first use), or undefined where secrets are generated. */
  public static of(chart: SystemChart): SystemSecretStore | undefined {
    const backend = chart.environment.platform.secrets;
    if (backend.kind === 'generated') return undefined;
    const existing = chart.node.tryFindChild('secret-store');
    if (existing) return existing as SystemSecretStore;
    return new SystemSecretStore(chart, 'secret-store', backend, { system: chart.system, environment: chart.environment.name });
  }

  public readonly storeName = 'secret-store';
  public readonly storeKind = 'SecretStore' as const;

  constructor(
    scope: Construct,
    id: string,
    backend: Exclude<SecretBackend, { kind: 'generated' }>,
    identity: { readonly system: string; readonly environment: string },
  ) {
    super(scope, id);
    const role = secretRoleName(backend, identity.system, identity.environment);
    const serviceAccountName = SECRET_STORE_SERVICE_ACCOUNT;
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
              auth: {
                kubernetes: { mountPath: backend.authMountPath ?? DEFAULT_VAULT_AUTH_MOUNT, role, serviceAccountRef: { name: serviceAccountName } },
              },
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
    requirePlatform(this, {
      component: 'external-secrets',
      minVersion: '0.16.0',
      reason: `external-secrets.io/v1 SecretStore (${backend.kind === 'vault' ? 'Vault provider, Kubernetes auth' : 'AWS Secrets Manager provider, IRSA'})`,
    });
  }
}
