import type { Json } from '../core/json';
import { compareVersions, DeclaredRequirement, PlatformComponentName, platformRequirements } from '../core/platform-requirements';
import { SystemChart } from '../core/system-chart';
import { COMPONENT_CHARTS, mergeSettings } from './platform-components';
import { PRIORITY_CLASSES } from './priority-classes';
import { podTemplates } from './decorate';
import { RenderedObject } from './render';
import { storageSection } from './storage-classes';
import { keysUsedInUrls, URL_SAFE_SECRET_RULE } from '../security/secret-source';
import { SystemSecret } from '../security/system-secret';

/** What one system needs of one component: the highest minimum, every reason, the merged settings. */
export interface ComponentNeed {
  readonly component: PlatformComponentName;
  readonly minVersion: string;
  readonly reasons: readonly string[];
  readonly settings: Readonly<Record<string, readonly string[]>>;
}

/** The components a system needs, from the requirements its constructs declared, sorted by component. */
export function componentNeeds(requirements: readonly DeclaredRequirement[]): ComponentNeed[] {
  const names = [...new Set(requirements.map((r) => r.component))].sort();
  return names.map((component) => {
    const own = requirements.filter((r) => r.component === component);
    return {
      component,
      minVersion: own.map((r) => r.minVersion).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b)),
      reasons: [...new Set(own.map((r) => `${r.reason} (>= ${r.minVersion})`))].sort(),
      settings: mergeSettings(own),
    };
  });
}

/** Secrets a SecretStore reads, as the ExternalSecrets of the folder reference them: remote key -> properties. */
export function remoteSecretKeys(objects: readonly RenderedObject[]): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  for (const o of objects.filter((x) => x.object.kind === 'ExternalSecret')) {
    const spec: Json = o.object.spec ?? {};
    if (!spec.secretStoreRef) continue;
    for (const d of (spec.data ?? []) as Json[]) {
      if (typeof d.remoteRef?.key !== 'string') continue;
      const set = keys.get(d.remoteRef.key) ?? new Set<string>();
      if (typeof d.remoteRef.property === 'string') set.add(d.remoteRef.property);
      keys.set(d.remoteRef.key, set);
    }
    for (const d of (spec.dataFrom ?? []) as Json[]) {
      if (typeof d.extract?.key === 'string' && !keys.has(d.extract.key)) keys.set(d.extract.key, new Set());
    }
  }
  return new Map([...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The Vault setup a system needs, as `vault` CLI commands with the real names: the policy
 * reading exactly the KV v2 paths its ExternalSecrets reference, the Kubernetes auth role
 * bound to its SecretStore's ServiceAccount, and one `kv put` per secret (values from
 * local files, never from this README). Empty without a Vault backend or secrets.
 */
export function vaultSetup(chart: SystemChart, objects: readonly RenderedObject[]): string[] {
  const backend = chart.environment.platform.secrets;
  if (backend?.kind !== 'vault') return [];
  const keys = remoteSecretKeys(objects);
  if (keys.size === 0) return [];
  const store = objects.find((o) => o.object.kind === 'SecretStore')?.object;
  const vault: Json = store?.spec?.provider?.vault ?? {};
  const role: string = vault.auth?.kubernetes?.role ?? chart.namespaceName;
  const authMount: string = vault.auth?.kubernetes?.mountPath ?? backend.authMountPath ?? 'kubernetes';
  const serviceAccount: string = vault.auth?.kubernetes?.serviceAccountRef?.name ?? 'secret-store';
  const mount: string = vault.path ?? backend.path;
  const lines = [
    '```sh',
    `export VAULT_ADDR=${backend.server}`,
    `# Read-only access to exactly the secrets this system uses (KV v2 mount \`${mount}\`).`,
    `vault policy write ${role} - <<'EOF'`,
  ];
  for (const key of keys.keys()) lines.push(`path "${mount}/data/${key}" {`, '  capabilities = ["read"]', '}');
  lines.push(
    'EOF',
    `# The SecretStore's ServiceAccount logs in with Kubernetes auth (mount \`${authMount}\`).`,
    `vault write auth/${authMount}/role/${role} \\`,
    `  bound_service_account_names=${serviceAccount} \\`,
    `  bound_service_account_namespaces=${chart.namespaceName} \\`,
    `  policies=${role} \\`,
    '  ttl=1h',
    '# The secrets: each value from a local file of the same name (kept out of Git and shell history).',
  );
  // Values spliced into connection URLs must be URL-safe: Kubernetes cannot percent-encode them.
  const inUrls = new Map<string, string[]>();
  for (const s of chart.node.findAll().filter((c): c is SystemSecret => c instanceof SystemSecret && c.remoteKey !== undefined))
    inUrls.set(s.remoteKey!, keysUsedInUrls(s));
  for (const [key, properties] of keys) {
    const props = [...properties].sort();
    const urlSafe = (inUrls.get(key) ?? []).filter((p) => properties.has(p));
    if (urlSafe.length > 0) lines.push(`# ${urlSafe.join(', ')}: spliced into connection URLs, so ${URL_SAFE_SECRET_RULE}.`);
    lines.push(`vault kv put -mount=${mount} ${key}${props.map((p) => ` ${p}=@${p}`).join('')}`);
  }
  lines.push('```');
  return lines;
}

/** The "Prerequisites in the cluster" section of a system README, derived from what its constructs declared and emitted. */
export function prerequisitesSection(chart: SystemChart, objects: readonly RenderedObject[]): string[] {
  const env = chart.environment.name;
  const needs = componentNeeds(platformRequirements(chart));
  const lines = ['## Prerequisites in the cluster', ''];
  if (needs.length > 0) {
    lines.push(
      `The platform layer (\`dist/${env}/platform/\`, synced by Argo CD before this system) installs these; on a cluster that already runs them, check the versions and settings below.`,
      '',
      '| component | minimum | platform layer installs | needed for |',
      '| --- | --- | --- | --- |',
    );
    for (const n of needs) {
      const c = COMPONENT_CHARTS[n.component];
      const provider = Object.values(COMPONENT_CHARTS).find(
        (p) => p?.provides?.includes(n.component) && needs.some((m) => COMPONENT_CHARTS[m.component] === p),
      );
      const installs = chart.environment.platform.preinstalled.includes(n.component)
        ? 'no: preinstalled (profile)'
        : c
          ? `${c.chart} chart ${c.chartVersion} (${n.component} ${c.appVersion})`
          : provider
            ? `with the ${provider.chart} chart ${provider.chartVersion}`
            : 'no: install it yourself';
      lines.push(`| ${n.component} | ${n.minVersion} | ${installs} | ${n.reasons.join('; ')} |`);
    }
    lines.push('');
  }
  const classes = new Set<string>();
  for (const o of objects)
    for (const t of podTemplates(o.object)) if (typeof t.spec?.priorityClassName === 'string') classes.add(t.spec.priorityClassName);
  const known = Object.values(PRIORITY_CLASSES);
  if (classes.size > 0) {
    const described = [...classes].sort().map((name) => {
      const spec = known.find((k) => k.name === name);
      return spec ? `\`${name}\` (${spec.value})` : `\`${name}\``;
    });
    lines.push(`PriorityClasses (from the platform layer): ${described.join(', ')}.`, '');
  }
  const ingressClasses = [...new Set(objects.filter((o) => o.object.kind === 'Ingress').map((o) => String(o.object.spec?.ingressClassName)))].sort();
  const settings = needs.filter((n) => Object.keys(n.settings).length > 0);
  if (settings.length > 0 || ingressClasses.length > 0) {
    lines.push('### Controller settings this system relies on', '');
    for (const c of ingressClasses) lines.push(`- an ingress controller serving IngressClass \`${c}\``);
    for (const n of settings) {
      for (const [name, values] of Object.entries(n.settings)) {
        // A multi-line value (ingress-nginx's modsecurity-snippet) as a code block under its item.
        if (values.some((v) => v.includes('\n')))
          lines.push(
            `- ${n.component} \`${name}\`:`,
            ...values.flatMap((v) => [
              '',
              '  ```',
              ...v
                .trimEnd()
                .split('\n')
                .map((l) => `  ${l}`),
              '  ```',
            ]),
          );
        else lines.push(`- ${n.component} \`${name}\`: ${values.map((v) => `\`${v}\``).join(', ')}`);
      }
    }
    lines.push('');
  }
  const storage = storageSection(chart.environment.platform, objects);
  lines.push(...storage);
  const vault = vaultSetup(chart, objects);
  if (vault.length > 0) lines.push('### Vault', '', ...vault, '');
  if (needs.length === 0 && classes.size === 0 && storage.length === 0) lines.push('None beyond a Kubernetes 1.27+ cluster.', '');
  return lines;
}
