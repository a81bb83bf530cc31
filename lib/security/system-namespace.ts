import { Construct, IConstruct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { checkProps } from '../core/prop-check';
import { DATAPLANE_MODE_LABEL } from './mesh-membership';

/** The Pod Security Standards version the namespace labels pin (what cdk8s-plus-27 targets). */
export const POD_SECURITY_VERSION = 'v1.27';

export interface SystemNamespaceProps {
  /** Namespace name. */
  readonly name: string;
  /** Pod Security level enforced, audited and warned about. @default 'restricted' */
  readonly podSecurity?: 'restricted' | 'baseline';
  /**
   * Why the level is lowered below `restricted`, as the annotation
   * `cdk8s-stacks.io/pod-security-reason` (the synth pass sets it from the workloads'
   * security exceptions). @default - none
   */
  readonly podSecurityReason?: string;
  /**
   * Why pods an operator creates here cannot meet `restricted` (from
   * requireBaselinePodSecurity): `baseline` is enforced, `restricted` still audited and
   * warned about, and the reasons are annotated on the namespace. @default - none
   */
  readonly baselineEnforcedBecause?: readonly string[];
  /**
   * Why pods a platform chart installs here need host access (read from the chart: e.g.
   * node-exporter's host network, PID namespace and host paths): `privileged` is enforced,
   * the level still audited and warned about, and the reasons annotated. Wins over
   * `baselineEnforcedBecause`. @default - none
   */
  readonly privilegedEnforcedBecause?: readonly string[];
  /**
   * The service mesh's data plane for every pod of the namespace: `ambient` enrols them in
   * Istio's ambient mesh (the label `istio.io/dataplane-mode`). @default - not in a mesh
   */
  readonly meshDataplaneMode?: 'ambient';
}

/**
 * The namespace of one system in one environment, enforcing Pod Security `restricted`
 * (enforce, audit and warn all set, each pinned to a version so a cluster upgrade
 * cannot silently change what is admitted).
 */
export class SystemNamespace extends Construct {
  /** The namespace of `chart` made by its system (the synth pass adds it), if any yet. */
  public static of(chart: IConstruct): SystemNamespace | undefined {
    return chart.node.children.find((c): c is SystemNamespace => c instanceof SystemNamespace);
  }

  public readonly name: string;
  /** The Pod Security level enforced, audited and warned about. */
  public readonly podSecurity: 'restricted' | 'baseline' | 'privileged';

  constructor(scope: Construct, id: string, props: SystemNamespaceProps) {
    super(scope, id);
    checkProps(this, 'SystemNamespaceProps', props);
    this.name = props.name;
    const level = props.podSecurity ?? 'restricted';
    const reasons = props.baselineEnforcedBecause ?? [];
    const privileged = props.privilegedEnforcedBecause ?? [];
    // Operator or chart pods that cannot meet the level lower what is enforced only; audit and warn keep it.
    const enforced = privileged.length > 0 ? 'privileged' : reasons.length > 0 ? 'baseline' : level;
    this.podSecurity = enforced;
    const labels: Record<string, string> = { 'kubernetes.io/metadata.name': props.name };
    for (const mode of ['enforce', 'audit', 'warn']) {
      labels[`pod-security.kubernetes.io/${mode}`] = mode === 'enforce' ? enforced : level;
      labels[`pod-security.kubernetes.io/${mode}-version`] = POD_SECURITY_VERSION;
    }
    if (props.meshDataplaneMode === 'ambient') labels[DATAPLANE_MODE_LABEL] = 'ambient';
    const annotations: Record<string, string> = {};
    if (props.podSecurityReason) annotations['cdk8s-stacks.io/pod-security-reason'] = props.podSecurityReason;
    if (reasons.length > 0) annotations['cdk8s-stacks.io/pod-security-baseline-because'] = reasons.join('; ');
    if (privileged.length > 0) annotations['cdk8s-stacks.io/pod-security-privileged-because'] = privileged.join('; ');
    new k8s.KubeNamespace(this, 'resource', {
      metadata: { name: props.name, labels, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    });
  }
}
