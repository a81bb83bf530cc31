import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsLabel } from '../core/naming';
import { checkProps } from '../core/prop-check';
import { checkQuantity, parseQuantity } from '../core/quantity';
import { SystemChart } from '../core/system-chart';
import { addCheck, ValidationReport } from '../core/validation';
import { claimSizeCheckedByOwner } from '../scaling/namespace-budget';
import { ReplicatedWorkload } from './replicated-workload';
import { ScheduledTask } from './scheduled-task';
import type { Workload } from './workload';

/** How the volume may be attached (Kubernetes access modes). */
export type VolumeAccessMode = 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany' | 'ReadOnlyMany';

const ACCESS_MODES: readonly unknown[] = ['ReadWriteOnce', 'ReadWriteOncePod', 'ReadWriteMany', 'ReadOnlyMany'];

export interface PersistentVolumeProps {
  /** Requested capacity, e.g. `'20Gi'`; the namespace quota counts it. */
  readonly size: string;
  /**
   * `ReadWriteOnce` attaches to one node at a time: only one pod (one replica of one
   * workload) may mount it. `ReadWriteMany` needs a StorageClass that supports it (NFS, CephFS, ...).
   * @default 'ReadWriteOnce'
   */
  readonly accessMode?: VolumeAccessMode;
  /**
   * @default - for `ReadWriteMany`, the cluster profile's `platform.storage.sharedClass` (an
   * error without one); otherwise its `platform.storage.defaultClass`, else the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

export interface VolumeMountOptions {
  /** Mount read-only. @default false */
  readonly readOnly?: boolean;
}

/** One workload's mount of the volume. */
interface Mount {
  readonly workload: Workload;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/**
 * A PersistentVolumeClaim for application data (repositories, uploads, models, logs),
 * rendered once and mounted by any number of workloads and scheduled tasks of its
 * system (`mountOn`). The namespace budget counts its size and the claim.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class PersistentVolume extends Construct {
  /** Name of the claim. */
  public readonly claimName: string;
  public readonly accessMode: VolumeAccessMode;
  /** The class the claim names (undefined: the cluster's default class). */
  public readonly storageClassName?: string;
  private readonly mounts: Mount[] = [];
  private readonly chart: SystemChart;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: PersistentVolumeProps,
  ) {
    super(scope, id);
    checkProps(this, 'PersistentVolumeProps', props);
    this.chart = SystemChart.of(this);
    this.claimName = id;
    this.accessMode = props?.accessMode ?? 'ReadWriteOnce';
    const storage = this.chart.environment.platform.storage;
    this.storageClassName = props?.storageClassName ?? (this.accessMode === 'ReadWriteMany' ? storage.sharedClass : storage.defaultClass);
    const claim = new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: this.claimName },
      spec: {
        accessModes: [this.accessMode],
        storageClassName: this.storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(String(props?.size)) } },
      },
    });
    claimSizeCheckedByOwner(claim);
    addCheck(this, (report) => this.validate(report));
  }

  /** Mounts the volume at `mountPath` in the main container of `workload`. */
  public mountOn(workload: Workload, mountPath: string, options: VolumeMountOptions = {}): void {
    const readOnly = options?.readOnly === true;
    const volumeName = `pv-${this.claimName}`.slice(0, 63);
    workload.addVolume({ name: volumeName, persistentVolumeClaim: { claimName: this.claimName, readOnly: readOnly || undefined } });
    workload.container.mount(mountPath, volumeName, { readOnly });
    this.mounts.push({ workload, mountPath, readOnly });
  }

  private validate(report: ValidationReport): void {
    const p = this.props;
    const nameReason = checkDnsLabel(this.claimName);
    if (nameReason) report.error('persistent-volume.id', 'id', `'${this.claimName}' ${nameReason} (it names the PersistentVolumeClaim)`);
    const sizeProblem = typeof p?.size === 'string' ? checkQuantity(p.size, 'bytes') : `must be a quantity such as '20Gi'`;
    if (sizeProblem) report.error('persistent-volume.size.invalid', 'size', sizeProblem);
    else if ((parseQuantity(p.size) ?? 0) <= 0) report.error('persistent-volume.size.greater-zero', 'size', `'${p.size}' must be greater than zero`);
    if (!ACCESS_MODES.includes(this.accessMode))
      report.error('persistent-volume.access-mode.invalid', 'accessMode', `'${this.accessMode}' must be one of ${ACCESS_MODES.join(', ')}`);
    if (p?.storageClassName !== undefined && (typeof p.storageClassName !== 'string' || p.storageClassName === ''))
      report.error('persistent-volume.storage-class-name', 'storageClassName', 'must be a non-empty string when given');
    else this.validateSharedClass(report);
    this.mounts.forEach((m, i) => this.validateMount(report, m, `mountOn[${i}]`));
    this.validateSharing(report);
  }

  private validateMount(report: ValidationReport, m: Mount, field: string): void {
    if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/') || m.mountPath === '/')
      report.error('persistent-volume.mount-path.absolute-path', `${field}.mountPath`, `'${m.mountPath}' must be an absolute path other than /`);
    if (m.workload.namespaceName !== this.chart.namespaceName)
      report.error(
        'persistent-volume.value',
        `${field}`,
        `${m.workload.node.path} runs in namespace '${m.workload.namespaceName}'; a claim can only be mounted in its own namespace ` +
          `('${this.chart.namespaceName}'): create the volume in that workload's system`,
      );
    if (this.accessMode === 'ReadOnlyMany' && !m.readOnly)
      report.error(
        'persistent-volume.read-only',
        `${field}.readOnly`,
        `a 'ReadOnlyMany' volume can only be mounted read-only: pass { readOnly: true }`,
      );
    const clash = m.workload.container.mounts.filter((other) => other.mountPath === m.mountPath);
    if (clash.length > 1)
      report.error(
        'persistent-volume.mount-path.mounted-more',
        `${field}.mountPath`,
        `'${m.mountPath}' is mounted more than once in ${m.workload.node.path}`,
      );
  }

  /**
   * A ReadWriteMany claim needs a file class (NFS, CephFS, EFS, ...): block classes, the usual
   * default, cannot attach one volume to several nodes, and the claim stays Pending for ever.
   */
  private validateSharedClass(report: ValidationReport): void {
    if (this.accessMode !== 'ReadWriteMany') return;
    const env = this.chart.environment;
    const { defaultClass, sharedClass } = env.platform.storage;
    if (this.storageClassName === undefined)
      report.error(
        'persistent-volume.access-mode',
        'accessMode',
        `'ReadWriteMany' needs a storage class that provisions shared (file) volumes, and environment '${env.name}'s cluster profile ` +
          'names none: declare it as platform.storage.sharedClass (an NFS, CephFS, EFS or Filestore class, listed in storage.classes), ' +
          'or give storageClassName',
      );
    else if (this.props.storageClassName !== undefined && this.storageClassName === defaultClass && defaultClass !== sharedClass)
      report.error(
        'persistent-volume.storage-class-name.cluster-profile',
        'storageClassName',
        `'${this.storageClassName}' is the cluster profile's block class (storage.defaultClass), where a 'ReadWriteMany' claim stays Pending; ` +
          (sharedClass
            ? `leave storageClassName out to use its shared class '${sharedClass}'`
            : 'declare a shared class as platform.storage.sharedClass'),
      );
  }

  /** A ReadWriteOnce volume attaches to one node: pods that may run on different nodes at once cannot share it. */
  private validateSharing(report: ValidationReport): void {
    if (this.accessMode !== 'ReadWriteOnce' && this.accessMode !== 'ReadWriteOncePod') return;
    const workloads = [...new Set(this.mounts.map((m) => m.workload))];
    const pods = workloads.map((w) => (w instanceof ReplicatedWorkload ? w.maxReplicas : 1));
    const total = pods.reduce((a, b) => a + b, 0);
    if (total <= 1) return;
    const described = workloads.map((w, i) => {
      if (w instanceof ScheduledTask) return `${w.name} (a CronJob, which runs beside the others)`;
      return pods[i] > 1 ? `${w.name} (up to ${pods[i]} replicas)` : w.name;
    });
    report.error(
      'persistent-volume.access-mode.attaches-node',
      'accessMode',
      `'${this.accessMode}' attaches to one node, but it is mounted by ${described.join(', ')}, whose pods can run on different nodes ` +
        `at once; use accessMode: 'ReadWriteMany' (with a StorageClass that supports it), or mount it on one writer ` +
        'with one replica and let the others reach that writer over the network',
    );
  }
}
