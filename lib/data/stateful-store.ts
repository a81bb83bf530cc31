import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { parseQuantity } from '../core/quantity';
import { ValidationReport } from '../core/validation';
import { DisruptionBudget } from '../scaling/disruption-budget';
import { PortSpec } from '../workloads/container';
import { spreadAcrossZonesAndNodes } from '../workloads/web-service';
import { contentHash, sorted, Workload, WorkloadProps } from '../workloads/workload';
import { ConnectionInfo, IConnectable } from './connection';

export interface StatefulStoreProps extends WorkloadProps {
  /** Size of each member's volume, e.g. `10Gi`. */
  readonly storage: string;
  /** Storage class. @default - the environment's, else the cluster default */
  readonly storageClassName?: string;
  /** Members. @default 1 */
  readonly replicas?: number;
}

/** What differs per engine. */
export interface EngineSpec {
  /** The port clients use. */
  readonly port: PortSpec;
  /** Where the volume is mounted. */
  readonly dataPath: string;
  /** Role label, e.g. `database`, `cache`. */
  readonly role: string;
}

/**
 * The common shape of every data store: a StatefulSet with a headless Service (stable
 * member DNS: `<name>-0.<name>-headless.<ns>.svc`) and a client Service, one volume per
 * member that is kept when the set is deleted or scaled down, restricted security
 * contexts with the engine's own uid, a PDB for multi-member sets, and spread across
 * zones and nodes. Engine configuration is mounted from a ConfigMap whose content hash
 * rolls the pods on change.
 */
export abstract class StatefulStore extends Workload implements IConnectable {
  public readonly replicas: number;
  public readonly headlessServiceName: string;
  protected readonly engine: EngineSpec;
  private readonly configFiles = new Map<string, string>();
  private configMountPath?: string;
  private readonly storeProps: StatefulStoreProps;

  protected constructor(scope: Construct, id: string, props: StatefulStoreProps, engine: EngineSpec) {
    super(scope, id, { ...props, ports: [engine.port, ...(props.ports ?? [])] }, engine.role);
    this.storeProps = props;
    this.engine = engine;
    this.replicas = props.replicas ?? 1;
    this.headlessServiceName = `${this.name}-headless`;
    this.container.mounts.push({ name: 'data', mountPath: engine.dataPath });

    new k8s.KubeService(this, 'headless-service', {
      metadata: { name: this.headlessServiceName },
      spec: {
        clusterIp: 'None',
        // Members must find each other before they are ready (replica set / sentinel bootstrap).
        publishNotReadyAddresses: true,
        selector: { ...this.selectorLabels },
        ports: [{ name: engine.port.name, port: engine.port.port, targetPort: k8s.IntOrString.fromString(engine.port.name), protocol: 'TCP' }],
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name: this.name },
      spec: {
        type: 'ClusterIP',
        selector: { ...this.selectorLabels },
        ports: [{ name: engine.port.name, port: engine.port.port, targetPort: k8s.IntOrString.fromString(engine.port.name), protocol: 'TCP' }],
      },
    });

    const storageClassName = props.storageClassName ?? this.chart.environment.storageClassName;
    this.mainObject = new ApiObject(this, 'statefulset', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: this.name },
      spec: Lazy.any({
        produce: () => ({
          serviceName: this.headlessServiceName,
          replicas: this.replicas,
          podManagementPolicy: this.podManagementPolicy,
          revisionHistoryLimit: 5,
          updateStrategy: { type: 'RollingUpdate' },
          selector: { matchLabels: { ...this.selectorLabels } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template: this.podTemplate(),
          volumeClaimTemplates: [
            {
              metadata: { name: 'data', labels: { ...this.selectorLabels } },
              spec: {
                accessModes: ['ReadWriteOnce'],
                storageClassName,
                resources: { requests: { storage: props.storage } },
              },
            },
          ],
        }),
      }),
    });

    if (this.replicas > 1) {
      new DisruptionBudget(this, 'disruption-budget', {
        name: this.name,
        selector: this.selectorLabels,
        maxUnavailable: 1,
        minReplicas: () => this.replicas,
        workloadPath: this.node.path,
      });
    }
  }

  /** StatefulSets replace members one at a time: no surge. */
  protected maxPods(): number {
    return this.replicas;
  }

  protected storagePerPod(): [number, number] {
    return [parseQuantity(this.storeProps.storage) ?? 0, 1];
  }

  /** `OrderedReady` by default; replica sets that bootstrap together use `Parallel`. */
  protected get podManagementPolicy(): 'OrderedReady' | 'Parallel' {
    return 'OrderedReady';
  }

  /** The client Service's in-cluster DNS name. */
  public get host(): string {
    return `${this.name}.${this.namespaceName}.svc`;
  }

  /** Stable DNS names of the members, `<name>-<i>.<name>-headless.<ns>.svc`. */
  public get memberHosts(): string[] {
    return Array.from({ length: this.replicas }, (_, i) => `${this.name}-${i}.${this.headlessServiceName}.${this.namespaceName}.svc`);
  }

  public abstract connectionInfo(): ConnectionInfo;
  public abstract get readinessCheck(): { readonly image: string; readonly command: string };

  /** Adds a configuration file, mounted read-only (all files of a store share one ConfigMap). */
  protected addConfigFile(fileName: string, content: string, mountPath: string): void {
    if (this.configMountPath !== undefined && this.configMountPath !== mountPath) {
      throw new Error(`${this.node.path}: config files must share one mount path`);
    }
    if (this.configFiles.size === 0) {
      this.configMountPath = mountPath;
      const name = `${this.name}-config`;
      new ApiObject(this, 'config-files', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
        data: Lazy.any({ produce: () => this.configData() }),
      });
      this.addVolume({ name: 'config', configMap: { name } });
      this.container.mounts.push({ name: 'config', mountPath, readOnly: true });
    }
    this.configFiles.set(fileName, content);
  }

  private configData(): Record<string, string> {
    return sorted(Object.fromEntries(this.configFiles));
  }

  protected podTemplate(): Record<string, any> {
    if (this.configFiles.size > 0) this.podAnnotations['checksum/config'] = contentHash(this.configData());
    return super.podTemplate();
  }

  protected validateWorkload(report: ValidationReport): void {
    super.validateWorkload(report);
    const size = parseQuantity(this.storeProps.storage);
    if (size === undefined) report.error('storage', `'${this.storeProps.storage}' is not a valid quantity (e.g. 10Gi)`);
    else if (size <= 0) report.error('storage', 'must be greater than zero');
    if (!Number.isInteger(this.replicas) || this.replicas < 1) report.error('replicas', `${this.replicas} must be a whole number of at least 1`);
  }

  protected podExtras(): Record<string, unknown> {
    return { terminationGracePeriodSeconds: 60, ...spreadAcrossZonesAndNodes(this.selectorLabels, this.replicas, false) };
  }
}
