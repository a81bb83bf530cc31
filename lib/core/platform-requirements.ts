/**
 * What a construct needs from the cluster: a component (an operator or controller), the
 * lowest version whose API and fields the construct's output uses, and the controller
 * settings it relies on. Constructs declare these where they emit the objects; the
 * pipeline collects them to generate the platform layer (one Argo CD Application per
 * component, at a version at least the highest minimum) and each system's prerequisites.
 */
import { IConstruct } from 'constructs';

/** Every component name, for run-time checks of names given in JavaScript or JSON. */
export const PLATFORM_COMPONENTS = [
  'cert-manager',
  'ingress-nginx',
  'traefik',
  'envoy-gateway',
  'gateway-api-crds',
  'external-secrets',
  'prometheus-operator',
  'grafana',
  'vertical-pod-autoscaler',
  'metrics-server',
  'cloudnative-pg',
  'moco',
  'percona-server-mongodb-operator',
  'barman-cloud-plugin',
  'loki',
  'alloy',
  'tempo',
  'opentelemetry-collector',
  // Istio ambient (lib/gitops/mesh-components.ts): CRDs, control plane, CNI node agent, node proxy.
  'istio-base',
  'istiod',
  'istio-cni',
  'ztunnel',
  'argo-rollouts',
  'external-dns',
] as const;

/** The cluster components the library's output can need. */
export type PlatformComponentName = (typeof PLATFORM_COMPONENTS)[number];

/** One need of one construct. */
export interface PlatformRequirement {
  /** The component. */
  readonly component: PlatformComponentName;
  /** Lowest version of the component (its own release numbering, e.g. `0.10.0`) that serves what is used. */
  readonly minVersion: string;
  /** Why: the API, field or feature that sets the minimum, e.g. `external-secrets.io/v1 ExternalSecret`. */
  readonly reason: string;
  /**
   * Controller settings the output relies on, as `name: value` (e.g. ingress-nginx's
   * `global-allowed-response-headers`); merged per component by the platform layer.
   * @default - none
   */
  readonly settings?: Readonly<Record<string, readonly string[]>>;
}

/** A requirement and the construct that declared it. */
export interface DeclaredRequirement extends PlatformRequirement {
  /** Path of the declaring construct. */
  readonly path: string;
}

const REQUIREMENTS = Symbol.for('cdk8s-stacks.platformRequirements');

type WithRequirements = IConstruct & { [REQUIREMENTS]?: PlatformRequirement[] };

/** Declares that `scope`'s output needs `requirement` from the cluster. */
export function requirePlatform(scope: IConstruct, requirement: PlatformRequirement): void {
  const holder = scope as WithRequirements;
  (holder[REQUIREMENTS] ??= []).push(requirement);
}

/** Every requirement declared under `root`, in construct-tree order. */
export function platformRequirements(root: IConstruct): DeclaredRequirement[] {
  return root.node.findAll().flatMap((c) => ((c as WithRequirements)[REQUIREMENTS] ?? []).map((r) => ({ ...r, path: c.node.path })));
}

/** Compares two dotted version numbers (`1.10.0` > `1.9.2`); a leading `v` is ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[.-]/)
      .map((x) => (/^\d+$/.test(x) ? Number(x) : 0));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
