import type { Json } from '../core/json';
import { deepEqual } from './diff';
import { containersOf, Finding, finding, pairs, podLabelsOf, podSpecOf, selects } from './finding';
import type { FolderPlan, PlanObject } from './model';

const LEVELS = ['privileged', 'baseline', 'restricted'];
const ENFORCE = 'pod-security.kubernetes.io/enforce';

/** The privileges a container (with its pod) holds beyond the hardened defaults, as `name: value` facts. */
function privileges(pod: Json | undefined, container: Json): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const sc = container.securityContext ?? {};
  const psc = pod?.securityContext ?? {};
  for (const cap of sc.capabilities?.add ?? []) out.set(`capabilities.add[${cap}]`, cap);
  if (sc.privileged === true) out.set('privileged', true);
  if (sc.allowPrivilegeEscalation !== false) out.set('allowPrivilegeEscalation', sc.allowPrivilegeEscalation ?? '(default: true)');
  if (sc.readOnlyRootFilesystem !== true) out.set('readOnlyRootFilesystem', sc.readOnlyRootFilesystem ?? '(default: false)');
  if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) out.set('runAsNonRoot', sc.runAsNonRoot ?? psc.runAsNonRoot ?? '(not required)');
  if ((sc.runAsUser ?? psc.runAsUser) === 0) out.set('runAsUser', 0);
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.set('capabilities.drop', sc.capabilities?.drop ?? '(none)');
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod?.[host] === true) out.set(host, true);
  for (const v of pod?.volumes ?? []) if (v.hostPath) out.set(`volumes[${v.name}].hostPath`, v.hostPath.path);
  return out;
}

/** Ingress or egress rules as comparable strings, with what makes each broad. */
function rulesOf(policy: Json, direction: 'ingress' | 'egress'): Array<{ text: string; broad?: string }> {
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  return ((policy.spec?.[direction] ?? []) as Json[]).flatMap((rule) => {
    const peers = (rule[peersKey] ?? [undefined]) as Array<Json | undefined>;
    const ports = JSON.stringify(rule.ports ?? 'all ports');
    return peers.map((peer) => {
      const broad =
        peer === undefined
          ? `any ${direction === 'ingress' ? 'source' : 'destination'}`
          : peer.ipBlock?.cidr === '0.0.0.0/0' || peer.ipBlock?.cidr === '::/0'
            ? `any address (${peer.ipBlock.cidr})`
            : peer.namespaceSelector && Object.keys(peer.namespaceSelector).length === 0
              ? 'all namespaces'
              : undefined;
      return { text: `${JSON.stringify(peer ?? 'any')} on ${ports}`, broad };
    });
  });
}

/** Hosts and paths an Ingress or HTTPRoute makes public. */
function routesOf(o: PlanObject): Set<string> {
  const out = new Set<string>();
  if (o.kind === 'Ingress')
    for (const rule of o.object.spec?.rules ?? [])
      for (const p of rule.http?.paths ?? [{ path: '/' }]) out.add(`${rule.host ?? '*'}${p.path ?? '/'}`);
  if (o.kind === 'HTTPRoute')
    for (const host of o.object.spec?.hostnames ?? ['*'])
      for (const rule of o.object.spec?.rules ?? [])
        for (const m of rule.matches ?? [{ path: { value: '/' } }]) out.add(`${host}${m.path?.value ?? '/'}`);
  return out;
}

function tlsHostsOf(o: PlanObject): Set<string> {
  if (o.kind === 'Ingress') return new Set(((o.object.spec?.tls ?? []) as Json[]).flatMap((t) => t.hosts ?? []));
  if (o.kind === 'Gateway')
    return new Set(
      ((o.object.spec?.listeners ?? []) as Json[]).filter((l) => l.protocol === 'HTTPS' || l.protocol === 'TLS').map((l) => l.hostname ?? '*'),
    );
  return new Set();
}

/** Secret keys an ExternalSecret (or a Password generator's target) provides: `secretName` -> keys. */
function secretKeys(o: PlanObject): { secret: string; keys: Set<string> } | undefined {
  if (o.kind !== 'ExternalSecret') return undefined;
  const spec = o.object.spec ?? {};
  const keys = new Set<string>([...((spec.data ?? []) as Json[]).map((d) => String(d.secretKey)), ...Object.keys(spec.target?.template?.data ?? {})]);
  // dataFrom (whole remote keys) provides keys the manifest cannot list: not compared.
  if ((spec.dataFrom ?? []).length > 0) return undefined;
  return { secret: spec.target?.name ?? o.name, keys };
}

/** Pods (after the change) that read `secret`'s `key`: env secretKeyRef or a secret volume's items. */
function readersOf(plan: FolderPlan, secret: string, key: string): string[] {
  const out: string[] = [];
  for (const o of plan.afterObjects.values()) {
    const pod = podSpecOf(o.object);
    if (!pod) continue;
    const reads = [...containersOf(pod).values()].some((c) =>
      (c.env ?? []).some(
        (e: Json) => e.valueFrom?.secretKeyRef?.name === secret && e.valueFrom.secretKeyRef.key === key && e.valueFrom.secretKeyRef.optional !== true,
      ),
    );
    const mounts = (pod.volumes ?? []).some((v: Json) => v.secret?.secretName === secret && (v.secret.items ?? []).some((i: Json) => i.key === key));
    if (reads || mounts) out.push(`${o.kind}/${o.name}`);
  }
  return out;
}

export function securityChanges(plan: FolderPlan): Finding[] {
  const out: Finding[] = [];
  const withNothingBefore = plan.added
    .filter((o) => o.applied)
    .map((after) => ({ before: undefined as PlanObject | undefined, after, renamed: false }));
  for (const { before, after } of [...pairs(plan), ...withNothingBefore]) {
    const s = { before, after };
    const b = before?.object;
    const a = after.object;
    if (after.kind === 'Namespace' && b) {
      const level = (o: Json) => LEVELS.indexOf(o.metadata?.labels?.[ENFORCE] ?? 'privileged');
      if (level(a) < level(b))
        out.push(
          finding(
            plan,
            'security.pod-security-lowered',
            s,
            `metadata.labels["${ENFORCE}"]`,
            b.metadata?.labels?.[ENFORCE],
            a.metadata?.labels?.[ENFORCE],
            'Pod Security enforcement lowered',
          ),
        );
    }
    // More privileges for a container than it had (or a new workload's containers beyond the hardened defaults).
    const pod = podSpecOf(a);
    if (pod) {
      const oldPod = b ? podSpecOf(b) : undefined;
      const oldContainers = containersOf(oldPod);
      for (const [name, c] of containersOf(pod)) {
        const old = oldContainers.get(name);
        const had = old ? privileges(oldPod, old) : before ? undefined : new Map<string, unknown>();
        if (!had) continue;
        for (const [what, value] of privileges(pod, c))
          if (!had.has(what))
            out.push(
              finding(
                plan,
                'security.exception-added',
                s,
                `containers[${name}].${what}`,
                undefined,
                value,
                `${name}: ${what} ${JSON.stringify(value)}`,
              ),
            );
      }
    }
    if (after.kind === 'NetworkPolicy') {
      for (const direction of ['ingress', 'egress'] as const) {
        const old = new Set(b ? rulesOf(b, direction).map((r) => r.text) : []);
        for (const rule of rulesOf(a, direction)) {
          if (old.has(rule.text) || (!b && !rule.broad)) continue;
          out.push(
            finding(
              plan,
              'security.network-policy-widened',
              s,
              `spec.${direction}`,
              undefined,
              rule.text,
              `${direction} allowed ${direction === 'ingress' ? 'from' : 'to'} ${rule.broad ?? rule.text}`,
            ),
          );
        }
        if (
          b &&
          (b.spec?.policyTypes ?? []).some((t: string) => t.toLowerCase() === direction) &&
          !(a.spec?.policyTypes ?? []).some((t: string) => t.toLowerCase() === direction)
        )
          out.push(
            finding(
              plan,
              'security.network-policy-widened',
              s,
              'spec.policyTypes',
              b.spec.policyTypes,
              a.spec?.policyTypes,
              `${direction} no longer restricted`,
            ),
          );
      }
      if (b && !deepEqual(b.spec?.podSelector, a.spec?.podSelector) && Object.keys(a.spec?.podSelector ?? {}).length === 0)
        out.push(
          finding(
            plan,
            'security.network-policy-widened',
            s,
            'spec.podSelector',
            b.spec?.podSelector,
            a.spec?.podSelector,
            'now applies to every pod of the namespace',
          ),
        );
    }
    const routesBefore = before ? routesOf(before) : new Set<string>();
    for (const route of routesOf(after))
      if (!routesBefore.has(route)) out.push(finding(plan, 'security.public-route-added', s, 'spec', undefined, route, `${route} is public`));
    if (before) {
      const tlsNow = tlsHostsOf(after);
      const routedHosts = new Set([...routesOf(after)].map((r) => r.replace(/\/.*$/, '')));
      for (const host of tlsHostsOf(before))
        if (!tlsNow.has(host) && (after.kind === 'Gateway' || routedHosts.has(host)))
          out.push(
            finding(
              plan,
              'security.tls-removed',
              s,
              after.kind === 'Gateway' ? 'spec.listeners' : 'spec.tls',
              host,
              undefined,
              `${host} no longer served with TLS`,
            ),
          );
    }
    const keysBefore = before ? secretKeys(before) : undefined;
    const keysAfter = secretKeys(after);
    if (keysBefore && keysAfter && keysBefore.secret === keysAfter.secret)
      for (const key of keysBefore.keys) {
        if (keysAfter.keys.has(key)) continue;
        const readers = readersOf(plan, keysAfter.secret, key);
        if (readers.length > 0)
          out.push(
            finding(
              plan,
              'security.secret-key-dropped',
              s,
              `keys[${key}]`,
              key,
              undefined,
              `key ${key} of Secret ${keysAfter.secret} dropped; still read by ${readers.join(', ')}`,
            ),
          );
      }
  }
  // A removed NetworkPolicy that denied traffic (a policy type with no rule) to pods that are still there widens what is allowed.
  for (const before of plan.removed) {
    if (before.kind !== 'NetworkPolicy') continue;
    const denies = ((before.object.spec?.policyTypes ?? []) as string[]).filter((t) => (before.object.spec?.[t.toLowerCase()] ?? []).length === 0);
    const stillSelected = [...plan.afterObjects.values()].some(
      (o) => o.applied && podSpecOf(o.object) && selects(before.object.spec?.podSelector ?? {}, podLabelsOf(o.object)),
    );
    if (denies.length > 0 && stillSelected)
      out.push(
        finding(
          plan,
          'security.network-policy-widened',
          { before },
          'metadata.name',
          before.name,
          undefined,
          `deny policy removed (${denies.join(', ')})`,
        ),
      );
  }
  return out;
}
