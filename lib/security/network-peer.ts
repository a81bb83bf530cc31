import { k8s } from 'cdk8s-plus-27';
import { checkDnsLabel } from '../core/naming';

/** The label Kubernetes puts on every namespace with its own name (selecting a namespace by name). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The ranges of the cluster's own pods and services, excluded from "the internet": the
 * private ranges (RFC 1918) and the shared address space (RFC 6598, 100.64.0.0/10), which
 * some CNIs give pods and which is never a public address either.
 */
export const DEFAULT_CLUSTER_CIDRS: readonly string[] = ['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * Link-local addresses, never "the internet" whatever the cluster's ranges: the cloud's
 * instance metadata service (169.254.169.254) answers there with the node's credentials, so
 * a pod allowed "any public address on 80" must not reach it. A pod that needs it (a cloud
 * workload identity) is given it by name: `allowToCidr('169.254.169.254/32', ...)`.
 */
const LINK_LOCAL_CIDR = '169.254.0.0/16';

type Labels = Readonly<Record<string, string>>;

/**
 * A source or destination of traffic in a NetworkPolicy rule: pods (in this namespace or
 * another), a whole namespace, or an address range. Shaped like aws-cdk's `ec2.Peer`:
 * built by static methods, rendered by the policy, compared by what it selects.
 *
 * What a peer gets wrong (an empty selector, a namespace that is no DNS label, an address
 * range that is no CIDR) is reported at synth by the workload whose rule uses it.
 * @sealed subclassing is not supported; its protected members are not API
 */
export class NetworkPeer {
  /** Pods with `labels`: in the policy's own namespace, or in `namespace` when given. */
  public static pods(labels: Labels, namespace?: string): NetworkPeer {
    const podSelector = { matchLabels: { ...labels } };
    const problem = checkLabels(labels, 'pod labels') ?? (namespace === undefined ? undefined : checkNamespace(namespace));
    if (namespace === undefined) return new NetworkPeer({ podSelector }, `pods ${describeLabels(labels)}`, problem);
    const description = `pods ${describeLabels(labels)} in '${namespace}'`;
    return new NetworkPeer({ namespaceSelector: namespaceSelector(namespace), podSelector }, description, problem);
  }

  /** Every pod of namespace `name`, or only those with `podLabels`. */
  public static namespace(name: string, podLabels?: Labels): NetworkPeer {
    if (podLabels !== undefined) return NetworkPeer.pods(podLabels, name);
    return new NetworkPeer({ namespaceSelector: namespaceSelector(name) }, `namespace '${name}'`, checkNamespace(name));
  }

  /**
   * Pods of every namespace (with `podLabels`, only those): for a client that runs in
   * namespaces this chart cannot name, e.g. a cluster-wide scraper or every tenant's pods.
   * It opens the port to the whole cluster, so the reason is required (a sentence, kept on
   * the peer and shown in messages).
   * @param options.reason why no namespace can be named
   * @param options.podLabels only the pods with these labels @default - every pod
   */
  public static anyNamespace(options: { readonly reason: string; readonly podLabels?: Labels }): NetworkPeer {
    const reason: unknown = options?.reason;
    const podLabels = options?.podLabels;
    const problem =
      typeof reason !== 'string' || reason.trim().length < 20
        ? `anyNamespace needs a reason: say in a sentence (at least 20 characters) why no namespace can be named (is ${typeof reason === 'string' ? `'${reason}'` : typeof reason})`
        : podLabels === undefined
          ? undefined
          : checkLabels(podLabels, 'pod labels');
    const selector: k8s.NetworkPolicyPeer =
      podLabels === undefined ? { namespaceSelector: {} } : { namespaceSelector: {}, podSelector: { matchLabels: { ...podLabels } } };
    const who = podLabels === undefined ? 'every pod' : `pods ${describeLabels(podLabels)}`;
    return new NetworkPeer(selector, `${who} in any namespace (${String(reason)})`, problem);
  }

  /** Addresses in `cidr` (e.g. a managed database outside the cluster), except the ranges in `except`. */
  public static cidr(cidr: string, except?: readonly string[]): NetworkPeer {
    const ipBlock = except === undefined ? { cidr } : { cidr, except: [...except] };
    const problem = [cidr, ...(except ?? [])].map(checkCidr).find((p) => p !== undefined);
    return new NetworkPeer({ ipBlock }, except === undefined ? cidr : `${cidr} except ${except.join(', ')}`, problem);
  }

  /**
   * Any public address: 0.0.0.0/0 except the cluster's own ranges and the link-local range
   * (the instance metadata service), which is excluded even when `clusterCidrs` is given.
   */
  public static internet(clusterCidrs: readonly string[] = DEFAULT_CLUSTER_CIDRS): NetworkPeer {
    return NetworkPeer.cidr('0.0.0.0/0', clusterCidrs.includes(LINK_LOCAL_CIDR) ? clusterCidrs : [...clusterCidrs, LINK_LOCAL_CIDR]);
  }

  /** Whether `value` is a NetworkPeer (props are not trusted at run time). */
  public static isNetworkPeer(value: unknown): value is NetworkPeer {
    return value instanceof NetworkPeer;
  }

  /** What it selects, as JSON: the identity of the peer (two peers selecting the same are equal). */
  public readonly key: string;

  private constructor(
    selector: k8s.NetworkPolicyPeer,
    /** For error messages, e.g. `pods app=web in 'edge'`. */
    public readonly description: string,
    /** Why the peer is invalid, or undefined. */
    public readonly problem: string | undefined,
  ) {
    this.key = JSON.stringify(selector);
  }

  /** The peer as it stands in a NetworkPolicy's `from` or `to` (a copy). */
  public toJson(): k8s.NetworkPolicyPeer {
    return JSON.parse(this.key);
  }
}

function namespaceSelector(name: string): k8s.LabelSelector {
  return { matchLabels: { [NAMESPACE_NAME_LABEL]: name } };
}

function describeLabels(labels: Labels): string {
  const text = Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return text === '' ? '(no labels)' : text;
}

function checkLabels(labels: Labels, what: string): string | undefined {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return `${what} must be an object of label names to values`;
  const entries = Object.entries(labels);
  // An empty selector selects every pod: say so with NetworkPeer.namespace() instead.
  if (entries.length === 0) return `${what} must not be empty (every pod of a namespace is NetworkPeer.namespace(name))`;
  const bad = entries.find(([, v]) => typeof v !== 'string');
  return bad ? `${what}: the value of '${bad[0]}' must be a string` : undefined;
}

function checkNamespace(name: string): string | undefined {
  if (typeof name !== 'string') return 'the namespace must be a string';
  const reason = checkDnsLabel(name);
  return reason ? `namespace '${name}' ${reason}` : undefined;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

function checkCidr(cidr: string): string | undefined {
  // IPv6 ranges are left to the API server: their notation has too many forms to check here.
  if (typeof cidr === 'string' && cidr.includes(':')) return undefined;
  const m = typeof cidr === 'string' ? IPV4_CIDR.exec(cidr) : null;
  if (!m || m.slice(1, 5).some((octet) => Number(octet) > 255) || Number(m[5]) > 32) {
    return `'${cidr}' is not an address range in CIDR notation (e.g. 10.0.0.0/8)`;
  }
  return undefined;
}
