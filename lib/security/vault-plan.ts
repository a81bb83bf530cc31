import { IConstruct } from 'constructs';
import { DEFAULT_VAULT_AUTH_MOUNT, secretRoleName } from '../core/secret-backend';
import { SystemChart } from '../core/system-chart';
import { ExternalSecretSource } from './external-secret-source';
import { SECRET_STORE_SERVICE_ACCOUNT } from './secret-backend';
import { SystemSecret } from './system-secret';

/** One KV v2 entry a system reads, with the properties (Secret keys) it must hold. */
export interface VaultPlanSecret {
  /** Key of the entry inside the KV mount, e.g. `shop/prod/db-credentials`. */
  readonly path: string;
  /** The API path a policy grants, e.g. `secret/data/shop/prod/db-credentials`. */
  readonly dataPath: string;
  /** Properties of the entry the system reads, sorted. */
  readonly keys: readonly string[];
  /** Paths of the constructs that read the entry. */
  readonly readBy: readonly string[];
}

/** What Vault must hold for one system in one environment, with the real names. */
export interface VaultPlan {
  readonly system: string;
  readonly environment: string;
  /** Vault address. */
  readonly server: string;
  /** The system's namespace (where its SecretStore's ServiceAccount lives). */
  readonly namespace: string;
  /** The ServiceAccount the SecretStore authenticates as. */
  readonly serviceAccount: string;
  /** Mount path of the Kubernetes auth method. */
  readonly authMountPath: string;
  /** Kubernetes auth role bound to that ServiceAccount. */
  readonly role: string;
  /** Read-only policy attached to the role (same name as the role). */
  readonly policy: string;
  /** Mount path of the KV v2 engine. */
  readonly kvMount: string;
  /** Every entry the system reads, sorted by path. */
  readonly secrets: readonly VaultPlanSecret[];
}

/**
 * What Vault needs for `chart`: its Kubernetes auth role, the policy of the same name and
 * every KV entry with the keys the system's SystemSecrets (and ExternalSecretSources on the
 * system's store) read. Undefined when the environment does not read secrets from Vault.
 * Names come from the cluster profile (`platform.secrets`), as the SecretStore uses them.
 */
export function vaultPlan(chart: SystemChart): VaultPlan | undefined {
  const backend = chart.environment.platform.secrets;
  if (backend.kind !== 'vault') return undefined;
  const entries = new Map<string, { keys: Set<string>; readBy: string[] }>();
  const add = (path: string, keys: readonly string[], reader: IConstruct) => {
    const entry = entries.get(path) ?? { keys: new Set<string>(), readBy: [] };
    for (const key of keys) entry.keys.add(key);
    entry.readBy.push(reader.node.path);
    entries.set(path, entry);
  };
  const systemStore = chart.node.tryFindChild('secret-store');
  for (const c of chart.node.findAll()) {
    if (c instanceof SystemSecret && c.remoteKey !== undefined) add(c.remoteKey, c.keys, c);
    if (c instanceof ExternalSecretSource && systemStore !== undefined && (c.store as unknown) === systemStore) {
      const byPath = new Map<string, string[]>();
      for (const [secretKey, remote] of Object.entries(c.remoteKeys)) {
        if (typeof remote?.key !== 'string') continue;
        byPath.set(remote.key, [...(byPath.get(remote.key) ?? []), remote.property ?? secretKey]);
      }
      for (const [path, keys] of byPath) add(path, keys, c);
    }
  }
  const role = secretRoleName(backend, chart.system, chart.environment.name);
  return {
    system: chart.system,
    environment: chart.environment.name,
    server: backend.server,
    namespace: chart.namespaceName,
    serviceAccount: SECRET_STORE_SERVICE_ACCOUNT,
    authMountPath: backend.authMountPath ?? DEFAULT_VAULT_AUTH_MOUNT,
    role,
    policy: role,
    kvMount: backend.path,
    secrets: [...entries]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, entry]) => ({ path, dataPath: `${backend.path}/data/${path}`, keys: [...entry.keys].sort(), readBy: entry.readBy })),
  };
}
