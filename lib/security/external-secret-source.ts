import { Construct } from 'constructs';
import { Duration, durationProblem, durationSeconds, goDuration } from '../core/duration';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRef,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTarget,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/externalsecrets-external-secrets.io';
import { checkDnsSubdomain } from '../core/naming';
import { addCheck } from '../core/validation';
import { ISecretSource } from './secret-source';
import { checkProps } from '../core/prop-check';
import { requirePlatform } from '../core/platform-requirements';

/** A (Cluster)SecretStore that ExternalSecrets read from. */
export interface ISecretStore {
  readonly storeName: string;
  readonly storeKind: 'SecretStore' | 'ClusterSecretStore';
}

/** A store defined outside this repository (e.g. a ClusterSecretStore the platform team runs).
 * @sealed subclassing is not supported; its protected members are not API
 */
export class SecretStoreRef implements ISecretStore {
  public static cluster(name: string): SecretStoreRef {
    return new SecretStoreRef(name, 'ClusterSecretStore');
  }

  public static namespaced(name: string): SecretStoreRef {
    return new SecretStoreRef(name, 'SecretStore');
  }

  private constructor(
    public readonly storeName: string,
    public readonly storeKind: 'SecretStore' | 'ClusterSecretStore',
  ) {}
}

/** How an ExternalSecret names its store. */
export function secretStoreRef(store: ISecretStore | undefined): ExternalSecretSpecSecretStoreRef {
  // A missing store is reported by validation; rendering must not crash before that report.
  const cluster = store?.storeKind === 'ClusterSecretStore';
  const kind = cluster ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE;
  return { name: store?.storeName as string, kind };
}

/**
 * The Secret an ExternalSecret produces: owned by it, and retained if the ExternalSecret
 * is deleted so that running pods are not cut off from their credentials.
 */
export function ownedSecretTarget(name: string): ExternalSecretSpecTarget {
  return { name, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER, deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN };
}

/** Where one key of the Kubernetes Secret comes from in the store. */
export interface RemoteKey {
  /** Key (path) of the secret in the store, e.g. `prod/shop/mysql`. */
  readonly key: string;
  /** Property inside a structured secret (JSON field, Vault KV field). @default - the whole value */
  readonly property?: string;
}

export interface ExternalSecretSourceProps {
  readonly store: ISecretStore;
  /** Keys of the resulting Secret and where each comes from. */
  readonly data: Readonly<Record<string, RemoteKey>>;
  /** Name of the Secret created in the namespace. @default - the construct id */
  readonly secretName?: string;
  /** How often the operator re-reads the store. @default Duration.hours(1) */
  readonly refreshInterval?: Duration;
}

/**
 * A Secret produced in the namespace by the external-secrets operator from a real
 * secret store (Vault, AWS Secrets Manager, ...). Git only ever holds the reference.
 * The Secret is owned by the ExternalSecret, and retained if the ExternalSecret is
 * deleted so that running pods are not cut off from their credentials.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class ExternalSecretSource extends Construct implements ISecretSource {
  public readonly secretName: string;
  public readonly keys: readonly string[];
  public readonly describe: string;
  /** The store the values are read from. */
  public readonly store: ISecretStore;
  /** Where each key of the Secret comes from in the store. */
  public readonly remoteKeys: Readonly<Record<string, RemoteKey>>;

  constructor(scope: Construct, id: string, props: ExternalSecretSourceProps) {
    super(scope, id);
    checkProps(this, 'ExternalSecretSourceProps', props);
    this.store = props.store;
    this.remoteKeys = typeof props.data === 'object' && props.data !== null ? props.data : {};
    this.secretName = props.secretName ?? id;
    this.keys = Object.keys(typeof props.data === 'object' && props.data !== null ? props.data : {}).sort();
    this.describe = `ExternalSecret ${this.node.path}`;
    requirePlatform(this, {
      component: 'external-secrets',
      minVersion: '0.16.0',
      reason: 'external-secrets.io/v1 ExternalSecret (the v1 API is first served by v0.16.0)',
    });
    new ExternalSecret(this, 'resource', {
      metadata: { name: this.secretName },
      spec: {
        refreshInterval: props.refreshInterval === undefined ? '1h' : goSpelling(props.refreshInterval),
        secretStoreRef: secretStoreRef(props.store),
        target: ownedSecretTarget(this.secretName),
        data: this.keys.map((secretKey) => ({
          secretKey,
          remoteRef: { key: props.data[secretKey]?.key, property: props.data[secretKey]?.property },
        })),
      },
    });
    addCheck(this, (report) => {
      const reason = checkDnsSubdomain(this.secretName);
      if (reason) report.error('external-secret-source.secret-name', 'secretName', `'${this.secretName}' ${reason}`);
      if (this.keys.length === 0) report.error('external-secret-source.data.name-least', 'data', 'must name at least one key');
      for (const key of this.keys) {
        if (!/^[-._a-zA-Z0-9]+$/.test(key))
          report.error(
            'external-secret-source.data.valid-secret',
            `data.${key}`,
            `'${key}' is not a valid Secret key (letters, digits, '-', '_', '.')`,
          );
        const remote: unknown = props.data[key]?.key;
        if (typeof remote !== 'string' || remote.trim() === '')
          report.error('external-secret-source.data.key', `data.${key}.key`, 'must name the secret in the store');
      }
      const refresh = props.refreshInterval === undefined ? undefined : durationProblem(props.refreshInterval, false, 'Duration.hours(1)');
      if (refresh) report.error('external-secret-source.refresh-interval', 'refreshInterval', refresh);
    });
  }
}

/** A Duration as the operator reads it (Go: `1h`, `15m`); anything else as it is (the check reports it). */
function goSpelling(value: unknown): string {
  const seconds = durationSeconds(value);
  return typeof seconds === 'number' ? goDuration(seconds) : String(value);
}
