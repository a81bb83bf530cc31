/**
 * Run-time checks of a cluster profile (charts are not type-checked by `npm run synth`):
 * every field's type and shape, and in staging and prod no placeholder value anywhere.
 * Reported through the environment by each SystemChart, as `environment.platform.<field>`.
 */
import { isIP } from 'net';
import { describeValue as describe } from './describe-value';
import { checkAlerting } from './alerting-profile';
import { checkLogs, checkTracing } from './observability-profile';

import { isKubernetesVersion, KUBERNETES_VERSIONS } from './kubernetes-version';
import { checkMesh } from './mesh-profile';
import { checkPublicDns } from './public-dns-profile';
import { checkDnsSubdomain } from './naming';
import type { Platform, PlatformProps } from './platform';
import { PLATFORM_COMPONENTS } from './platform-requirements';
import { checkSecretTemplate } from './secret-backend';
import type { ValidationReport } from './validation';
import { Checker, isObject } from './profile-checker';

const PROFILE_FIELDS: readonly (keyof PlatformProps)[] = [
  'gitops',
  'argocd',
  'secrets',
  'edge',
  'dns',
  'prometheus',
  'grafana',
  'storage',
  'registry',
  'demo',
  'preinstalled',
  'databaseOperators',
  'cloudNativePg',
  'alerting',
  'logs',
  'tracing',

  'kubernetesVersion',
  'mesh',
  'publicDns',
];
const EDGE_KINDS: readonly string[] = ['ingress-nginx', 'traefik', 'gateway'];
const GATEWAY_IMPLEMENTATIONS: readonly string[] = ['envoy-gateway', 'traefik'];
const SECRET_BACKENDS: readonly string[] = ['generated', 'vault', 'aws-secrets-manager'];

/**
 * Strings that stand for "fill in later": reserved example domains (RFC 2606 / 6761), the
 * reserved `.invalid`, `.test` and `.example` TLDs, `localhost` and the empty string.
 */
const PLACEHOLDERS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|[^a-z0-9-])example\.(com|org|net)($|[^a-z0-9-])/i, 'a reserved example domain'],
  [/\.(invalid|test|example)($|[/:?#])/i, 'a reserved placeholder top-level domain'],
  [/(^|[^a-z0-9-])localhost($|[^a-z0-9-])/i, 'localhost'],
];

/** Checks every field of `platform` for environment `envName`; `prefix` names the profile (e.g. `environment.platform.`). */
export function checkPlatform(platform: Platform, envName: string, report: ValidationReport, prefix: string): void {
  const raw: unknown = platform.props;
  if (!isObject(raw)) {
    report.error(
      'platform.value.required-cluster',
      prefix.replace(/\.$/, ''),
      `is required: the cluster profile (PlatformProps) of environment '${envName}' (is ${describe(raw)})`,
    );
    return;
  }
  const c = new Checker(report, prefix);
  for (const key of Object.keys(raw)) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(key))
      c.error('platform.value.profile-field', key, `is not a profile field (fields: ${PROFILE_FIELDS.join(', ')})`);
  }
  checkGitOps(c, raw.gitops);
  if (c.optionalObject('argocd', raw.argocd)) {
    c.namespace('argocd.namespace', platform.argocd.namespace);
    if (raw.argocd.destinationServer !== undefined) checkDestinationServer(c, raw.argocd.destinationServer);
  }
  checkSecrets(c, raw.secrets);
  checkEdge(c, raw.edge);
  if (c.optionalObject('dns', raw.dns)) {
    if (raw.dns.pods !== undefined) c.pods('dns.pods', raw.dns.pods);
    const address: unknown = raw.dns.nodeLocalAddress;
    if (address !== undefined && (typeof address !== 'string' || isIP(address) === 0))
      c.error(
        'platform.dns.node-local-address',
        'dns.nodeLocalAddress',
        `${describe(address)} must be an IP address (NodeLocal DNSCache listens on e.g. 169.254.20.10)`,
      );
    const domain: unknown = raw.dns.clusterDomain;
    if (
      domain !== undefined &&
      (typeof domain !== 'string' || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(domain))
    )
      c.error(
        'platform.dns.cluster-domain',
        'dns.clusterDomain',
        `${describe(domain)} must be a DNS domain without a trailing dot (e.g. cluster.local)`,
      );
  }
  if (c.optionalObject('prometheus', raw.prometheus)) {
    if (raw.prometheus.pods !== undefined) c.pods('prometheus.pods', raw.prometheus.pods);
    // An empty map is allowed: a Prometheus whose selector is `{}` selects every object.
    if (raw.prometheus.serviceMonitorLabels !== undefined) c.labels('prometheus.serviceMonitorLabels', raw.prometheus.serviceMonitorLabels, true);
    if (raw.prometheus.ruleLabels !== undefined) c.labels('prometheus.ruleLabels', raw.prometheus.ruleLabels, true);
  }
  if (c.optionalObject('grafana', raw.grafana)) {
    if (raw.grafana.dashboardLabels !== undefined) c.labels('grafana.dashboardLabels', raw.grafana.dashboardLabels, false);
    if (raw.grafana.namespace !== undefined) c.namespace('grafana.namespace', raw.grafana.namespace);
  }
  if (c.optionalObject('storage', raw.storage)) checkStorage(c, raw.storage);
  if (c.optionalObject('registry', raw.registry) && raw.registry.host !== undefined) checkRegistryHost(c, raw.registry.host);
  if (c.optionalObject('databaseOperators', raw.databaseOperators)) {
    for (const key of ['moco', 'perconaMongodb'] as const)
      if (raw.databaseOperators[key] !== undefined) c.pods(`databaseOperators.${key}`, raw.databaseOperators[key]);
  }
  if (c.optionalObject('cloudNativePg', raw.cloudNativePg) && raw.cloudNativePg.operatorPods !== undefined)
    c.pods('cloudNativePg.operatorPods', raw.cloudNativePg.operatorPods);
  if (raw.preinstalled !== undefined) {
    if (!Array.isArray(raw.preinstalled))
      c.error('platform.preinstalled.list-component', 'preinstalled', `must be a list of component names (is ${describe(raw.preinstalled)})`);
    else
      for (const [i, name] of raw.preinstalled.entries())
        if (!(PLATFORM_COMPONENTS as readonly unknown[]).includes(name))
          c.error(
            'platform.preinstalled.component-library',
            `preinstalled[${i}]`,
            `${describe(name)} is not a component the library knows (${PLATFORM_COMPONENTS.join(', ')})`,
          );
  }
  checkAlerting(raw.alerting, envName, isObject(raw.secrets) ? String(raw.secrets.kind) : 'generated', report, `${prefix}alerting`);
  checkLogs(raw.logs, report, `${prefix}logs`);
  checkTracing(raw.tracing, report, `${prefix}tracing`);
  checkMesh(raw.mesh, Array.isArray(raw.preinstalled) && raw.preinstalled.includes('istiod'), report, `${prefix}mesh`);
  checkPublicDns(raw.publicDns, report, `${prefix}publicDns`);

  if (raw.kubernetesVersion !== undefined && !isKubernetesVersion(raw.kubernetesVersion))
    c.error(
      'platform.kubernetes-version.unsupported',
      'kubernetesVersion',
      `${describe(raw.kubernetesVersion)} is not a supported Kubernetes release (one of ${KUBERNETES_VERSIONS.join(', ')}, as a string: '1.30')`,
    );
  if (raw.demo !== undefined && typeof raw.demo !== 'boolean')
    c.error('platform.demo.true-false', 'demo', `must be true or false (is ${describe(raw.demo)})`);
  if (envName !== 'dev') {
    if (raw.demo === true) {
      c.error(
        'platform.demo.demo-profile',
        'demo',
        `the demo profile (demoPlatform()) is for dev only; ${envName} needs the real cluster's profile (Git repository, secret backend, registry)`,
      );
    }
    for (const [field, value] of strings(raw, '')) {
      const found = placeholderIn(value);
      if (found) c.error('platform.value.placeholder-needs', field, `'${value}' is ${found}, a placeholder; ${envName} needs the real value`);
    }
  }
}

/** Why `value` is a placeholder, or undefined. */
export function placeholderIn(value: string): string | undefined {
  if (value.trim() === '') return 'empty';
  return PLACEHOLDERS.find(([pattern]) => pattern.test(value))?.[1];
}

/** Every string below `value`, with its dotted field path. */
function* strings(value: unknown, path: string): Generator<readonly [string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* strings(v, `${path}[${i}]`);
  else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      // Label keys are strings too: `example.com/tier` is as much a placeholder as a value.
      if (placeholderIn(k) && path !== '') yield [`${path}.${k}`, k];
      yield* strings(v, path === '' ? k : `${path}.${k}`);
    }
  }
}

function checkGitOps(c: Checker, gitops: unknown): void {
  if (!isObject(gitops)) {
    c.error('platform.gitops', 'gitops', `is required: { repoURL, targetRevision } of the repository Argo CD syncs (is ${describe(gitops)})`);
    return;
  }
  const url: unknown = gitops.repoURL;
  if (typeof url !== 'string' || !isGitUrl(url)) {
    c.error(
      'platform.gitops.repo-url',
      'gitops.repoURL',
      `${describe(url)} must be a Git repository URL (https://host/org/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git)`,
    );
  }
  c.gitRevision('gitops.targetRevision', gitops.targetRevision);
  const dist: unknown = gitops.distPath;
  if (dist !== undefined && (typeof dist !== 'string' || dist === '' || dist.startsWith('/') || dist.split('/').includes('..'))) {
    c.error('platform.gitops.dist-path', 'gitops.distPath', `${describe(dist)} must be a relative path inside the repository, without '..'`);
  }
}

function checkDestinationServer(c: Checker, server: unknown): void {
  let ok = false;
  if (typeof server === 'string') {
    try {
      const u = new URL(server);
      ok = u.protocol === 'https:' && u.hostname !== '' && (u.pathname === '/' || u.pathname === '') && u.search === '' && u.hash === '';
    } catch {
      ok = false;
    }
  }
  if (!ok)
    c.error(
      'platform.argocd.destination-server',
      'argocd.destinationServer',
      `${describe(server)} must be the https URL of the API server as Argo CD knows the cluster (https://kubernetes.default.svc in-cluster, or a cluster Secret's server, e.g. https://10.0.0.1:6443)`,
    );
}

const BINDING_MODES: readonly string[] = ['WaitForFirstConsumer', 'Immediate'];
const RECLAIM_POLICIES: readonly string[] = ['Delete', 'Retain'];

const CLASS_FIELDS = ['provisioner', 'reclaimPolicy', 'volumeBindingMode', 'allowVolumeExpansion', 'parameters', 'encryptionAtRest'];

/** Provisioners whose class parameter `encrypted: "true"` turns on encryption at rest: the profile's statement must agree with it. */
const ENCRYPTED_PARAMETER: readonly string[] = ['ebs.csi.aws.com', 'rbd.csi.ceph.com'];

function checkStorage(c: Checker, storage: Record<string, unknown>): void {
  for (const key of Object.keys(storage))
    if (!['defaultClass', 'sharedClass', 'classes'].includes(key))
      c.error('platform.storage', `storage.${key}`, 'is not a storage field (fields: defaultClass, sharedClass, classes)');
  const classes = c.optionalObject('storage.classes', storage.classes) ? storage.classes : {};
  for (const [name, spec] of Object.entries(classes)) {
    const field = `storage.classes.${name}`;
    c.subdomain(field, name, 'a StorageClass name');
    if (!isObject(spec)) {
      c.error('platform.value.preinstalled-true', field, `must be { preinstalled: true } or { provisioner, ... } (is ${describe(spec)})`);
      continue;
    }
    if (spec.encryptionAtRest !== undefined) checkEncryption(c, `${field}.encryptionAtRest`, spec.encryptionAtRest);
    if (spec.preinstalled !== undefined) {
      if (spec.preinstalled !== true)
        c.error('platform.preinstalled.true', `${field}.preinstalled`, `must be true when given (is ${describe(spec.preinstalled)})`);
      const extra = Object.keys(spec).filter((k) => k !== 'preinstalled' && k !== 'encryptionAtRest');
      if (extra.length > 0)
        c.error(
          'platform.value.preinstalled-class',
          field,
          `a preinstalled class has no other fields than encryptionAtRest (the cluster defines it); remove ${extra.join(', ')}`,
        );
      continue;
    }
    for (const key of Object.keys(spec))
      if (!CLASS_FIELDS.includes(key))
        c.error(
          'platform.value.storageclass-field',
          `${field}.${key}`,
          `is not a StorageClass field (${CLASS_FIELDS.join(', ')}; or preinstalled: true)`,
        );
    if (spec.provisioner === undefined)
      c.error(
        'platform.provisioner',
        `${field}.provisioner`,
        'is required for a class the platform layer creates (or declare it { preinstalled: true })',
      );
    else c.subdomain(`${field}.provisioner`, spec.provisioner, 'a provisioner name, e.g. ebs.csi.aws.com');
    if (spec.reclaimPolicy !== undefined && !RECLAIM_POLICIES.includes(spec.reclaimPolicy as string))
      c.error('platform.reclaim-policy', `${field}.reclaimPolicy`, `${describe(spec.reclaimPolicy)} must be one of ${RECLAIM_POLICIES.join(', ')}`);
    if (spec.volumeBindingMode !== undefined && !BINDING_MODES.includes(spec.volumeBindingMode as string))
      c.error(
        'platform.volume-binding-mode',
        `${field}.volumeBindingMode`,
        `${describe(spec.volumeBindingMode)} must be one of ${BINDING_MODES.join(', ')}`,
      );
    if (spec.allowVolumeExpansion !== undefined && typeof spec.allowVolumeExpansion !== 'boolean')
      c.error(
        'platform.allow-volume-expansion',
        `${field}.allowVolumeExpansion`,
        `must be true or false (is ${describe(spec.allowVolumeExpansion)})`,
      );
    if (spec.parameters !== undefined) {
      if (!isObject(spec.parameters))
        c.error('platform.parameters.map-strings', `${field}.parameters`, `must be a map of strings (is ${describe(spec.parameters)})`);
      else
        for (const [k, v] of Object.entries(spec.parameters))
          if (typeof v !== 'string') c.error('platform.parameters.string', `${field}.parameters.${k}`, `must be a string (is ${describe(v)})`);
    }
    // The provisioner's own switch decides; a statement that contradicts it would mislead the READMEs.
    const stated = isObject(spec.encryptionAtRest) ? spec.encryptionAtRest.encrypted : undefined;
    if (typeof stated === 'boolean' && ENCRYPTED_PARAMETER.includes(spec.provisioner as string)) {
      const parameter = isObject(spec.parameters) && spec.parameters.encrypted === 'true';
      if (stated !== parameter)
        c.error(
          'platform.encryption-at-rest.provisioner-parameter',
          `${field}.encryptionAtRest.encrypted`,
          `is ${stated}, but ${spec.provisioner} encrypts only with parameters.encrypted: 'true' (${parameter ? 'set' : 'not set'}); make the two agree`,
        );
    }
  }
  for (const role of ['defaultClass', 'sharedClass'] as const) {
    const value = storage[role];
    if (value === undefined) continue;
    c.subdomain(`storage.${role}`, value, 'a StorageClass name');
    // A malformed name is reported once, above.
    if (typeof value === 'string' && !checkDnsSubdomain(value) && !(value in classes))
      c.error(
        'platform.storage.declared-class',
        `storage.${role}`,
        `'${value}' is not declared in storage.classes; declare it there, created by the platform layer ({ provisioner: ... }) or already in the cluster ({ preinstalled: true })`,
      );
  }
}

function checkEncryption(c: Checker, field: string, value: unknown): void {
  if (!isObject(value)) {
    c.error('platform.encryption-at-rest.object', field, `must be { encrypted: true, by: '...' } or { encrypted: false } (is ${describe(value)})`);
    return;
  }
  for (const key of Object.keys(value))
    if (key !== 'encrypted' && key !== 'by')
      c.error('platform.encryption-at-rest.field', `${field}.${key}`, 'is not an encryption field (encrypted, by)');
  if (typeof value.encrypted !== 'boolean')
    c.error('platform.encryption-at-rest.encrypted', `${field}.encrypted`, `must be true or false (is ${describe(value.encrypted)})`);
  if (value.by !== undefined && (typeof value.by !== 'string' || value.by.trim() === ''))
    c.error('platform.encryption-at-rest.by', `${field}.by`, `must be a non-empty string when given (is ${describe(value.by)})`);
  if (value.encrypted === true && value.by === undefined)
    c.error(
      'platform.encryption-at-rest.by-required',
      `${field}.by`,
      "is required when encrypted is true: who encrypts the volumes and holds the key (e.g. 'EBS encryption, KMS key alias/prod')",
    );
}

function isGitUrl(url: string): boolean {
  if (/^[\w.-]+@[\w.-]+:[\w./~-]+$/.test(url)) return true;
  try {
    const parsed = new URL(url);
    return ['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol) && parsed.hostname !== '' && parsed.pathname.length > 1;
  } catch {
    return false;
  }
}

function checkSecrets(c: Checker, secrets: unknown): void {
  if (!isObject(secrets)) {
    c.error('platform.secrets.kind-missing', 'secrets.kind', `${describe(undefined)} must be one of ${SECRET_BACKENDS.join(', ')}`);
    return;
  }
  if (!SECRET_BACKENDS.includes(secrets.kind as string)) {
    c.error('platform.secrets.kind-unknown', 'secrets.kind', `${describe(secrets.kind)} must be one of ${SECRET_BACKENDS.join(', ')}`);
    return;
  }
  if (secrets.kind === 'vault') {
    const server: unknown = secrets.server;
    if (!isHttpUrl(server))
      c.error(
        'platform.secrets.server',
        'secrets.server',
        `${describe(server)} must be the Vault address, an http(s) URL such as https://vault.acme-corp.io:8200`,
      );
    c.mountPath('secrets.path', secrets.path, 'the mount path of the KV v2 engine, e.g. secret');
    if (secrets.authMountPath !== undefined)
      c.mountPath('secrets.authMountPath', secrets.authMountPath, 'the mount path of the Kubernetes auth method');
  }
  if (secrets.kind === 'aws-secrets-manager') {
    const region: unknown = secrets.region;
    if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
      c.error('platform.secrets.region', 'secrets.region', `${describe(region)} must be an AWS region, e.g. eu-west-1`);
    const arn: unknown = secrets.roleArnPrefix;
    if (typeof arn !== 'string' || !/^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*$/.test(arn)) {
      c.error(
        'platform.secrets.role-arn-prefix',
        'secrets.roleArnPrefix',
        `${describe(arn)} must be an IAM role ARN up to the role name, e.g. arn:aws:iam::123456789012:role/`,
      );
    }
  }
  if (secrets.kind !== 'generated') {
    const role = secrets.roleName === undefined ? undefined : checkSecretTemplate(secrets.roleName, ['system', 'env'], ['system', 'env']);
    if (role) c.error('platform.secrets.role-name', 'secrets.roleName', role);
    const key =
      secrets.keyPath === undefined ? undefined : checkSecretTemplate(secrets.keyPath, ['system', 'env', 'secret'], ['system', 'env', 'secret']);
    if (key) c.error('platform.secrets.key-path', 'secrets.keyPath', key);
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function checkEdge(c: Checker, edge: unknown): void {
  if (!c.optionalObject('edge', edge)) return;
  if (!EDGE_KINDS.includes(edge.default as string))
    c.error('platform.edge.default.invalid', 'edge.default', `${describe(edge.default)} must be one of ${EDGE_KINDS.join(', ')}`);
  for (const key of ['ingressNginx', 'traefik'] as const) {
    if (!c.optionalObject(`edge.${key}`, edge[key])) continue;
    const controller = edge[key] as Record<string, unknown>;
    c.pods(`edge.${key}.pods`, controller.pods);
    if (controller.ingressClassName !== undefined) c.subdomain(`edge.${key}.ingressClassName`, controller.ingressClassName, 'an IngressClass name');
  }
  if (c.optionalObject('edge.gateway', edge.gateway)) {
    const gateway = edge.gateway;
    if (!GATEWAY_IMPLEMENTATIONS.includes(gateway.implementation as string))
      c.error(
        'platform.edge.gateway.implementation',
        'edge.gateway.implementation',
        `${describe(gateway.implementation)} must be one of ${GATEWAY_IMPLEMENTATIONS.join(', ')}`,
      );
    c.pods('edge.gateway.dataPlane', gateway.dataPlane);
    if (gateway.gatewayClassName !== undefined) c.subdomain('edge.gateway.gatewayClassName', gateway.gatewayClassName, 'a GatewayClass name');
    if (c.optionalObject('edge.gateway.sharedGateway', gateway.sharedGateway)) {
      c.subdomain('edge.gateway.sharedGateway.name', gateway.sharedGateway.name, 'a Gateway name');
      c.namespace('edge.gateway.sharedGateway.namespace', gateway.sharedGateway.namespace);
    }
  }
  checkClientAddress(c, edge.clientAddress);
  if (edge.replicas !== undefined && !(Number.isInteger(edge.replicas) && (edge.replicas as number) >= 1 && (edge.replicas as number) <= 50))
    c.error(
      'platform.edge.replicas',
      'edge.replicas',
      `${describe(edge.replicas)} must be a whole number from 1 to 50 (pods of each Ingress controller)`,
    );
  const configured: Record<string, unknown> = { 'ingress-nginx': edge.ingressNginx, traefik: edge.traefik, gateway: edge.gateway };
  if (EDGE_KINDS.includes(edge.default as string) && configured[edge.default as string] === undefined) {
    const field = { 'ingress-nginx': 'ingressNginx', traefik: 'traefik', gateway: 'gateway' }[edge.default as string];
    c.error(
      'platform.edge.default.running-cluster',
      'edge.default',
      `'${String(edge.default)}' is not running in the cluster: edge.${field} is not set`,
    );
  }
}

const CLIENT_ADDRESS_MODES: readonly unknown[] = ['local', 'proxy-protocol', 'forwarded-for'];

/** The client address choice: its mode, and the load balancer's addresses and annotations it needs. */
function checkClientAddress(c: Checker, value: unknown): void {
  if (!c.optionalObject('edge.clientAddress', value)) return;
  const field = 'edge.clientAddress';
  if (!CLIENT_ADDRESS_MODES.includes(value.mode)) {
    c.error('platform.edge.client-address.mode', `${field}.mode`, `${describe(value.mode)} must be one of ${CLIENT_ADDRESS_MODES.join(', ')}`);
    return;
  }
  if (value.mode === 'local') return;
  const cidrs = value.trustedCidrs;
  if (!Array.isArray(cidrs) || cidrs.length === 0)
    c.error(
      'platform.edge.client-address.trusted-cidrs-required',
      `${field}.trustedCidrs`,
      `is required for ${value.mode}: the load balancer's or proxy's addresses (CIDRs), the only senders the edge believes`,
    );
  else
    cidrs.forEach((cidr, i) => {
      if (!isCidr(cidr))
        c.error(
          'platform.edge.client-address.trusted-cidrs-invalid',
          `${field}.trustedCidrs[${i}]`,
          `${describe(cidr)} must be an IPv4 or IPv6 CIDR, e.g. 10.0.0.0/16`,
        );
      else if (/\/0$/.test(cidr))
        c.error(
          'platform.edge.client-address.trusted-cidrs-everyone',
          `${field}.trustedCidrs[${i}]`,
          `'${cidr}' trusts every address: any client could forge its address; give the load balancer's range`,
        );
    });
  if (value.mode === 'proxy-protocol') {
    const annotations = value.loadBalancerAnnotations;
    const entries = typeof annotations === 'object' && annotations !== null && !Array.isArray(annotations) ? Object.entries(annotations) : undefined;
    if (!entries || entries.length === 0 || entries.some(([, v]) => typeof v !== 'string'))
      c.error(
        'platform.edge.client-address.load-balancer-annotations',
        `${field}.loadBalancerAnnotations`,
        "is required for proxy-protocol: the Service annotations (string values) that make the cluster's load balancer send the PROXY header",
      );
  }
}

function isCidr(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [address, bits, rest] = value.split('/');
  const family = isIP(address);
  return rest === undefined && family !== 0 && /^[0-9]{1,3}$/.test(bits ?? '') && Number(bits) <= (family === 4 ? 32 : 128);
}

const REGISTRY_HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const REGISTRY_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

function checkRegistryHost(c: Checker, host: unknown): void {
  const message = 'must be a registry host with an optional port and path, e.g. registry.acme-corp.io/apps or ghcr.io/acme-corp';
  if (typeof host !== 'string') return c.error('platform.registry.host-not-a-string', 'registry.host', `${describe(host)} ${message}`);
  const [domain, ...path] = host.split('/');
  // Docker reads the first component as a registry only when it has a '.' or ':' (or is localhost).
  const looksLikeHost = domain.includes('.') || domain.includes(':') || domain === 'localhost';
  if (!looksLikeHost || !REGISTRY_HOST.test(domain) || path.some((p) => !REGISTRY_PATH.test(p)))
    c.error('platform.registry.host-invalid', 'registry.host', `'${host}' ${message}`);
}
