import { demoPlatform, Environment, EnvironmentName, PlatformProps, ValidationReport } from '../../lib';
import { placeholderIn } from '../../lib/core/platform-validation';
import { ENVIRONMENTS } from '../../charts';

/** The repository's profile of `name` with `change` applied to a copy (untyped: bad input). */
function profile(name: EnvironmentName, change: (p: Record<string, any>) => void = () => undefined): PlatformProps {
  const copy = clone(ENVIRONMENTS[name].platform.props) as Record<string, any>;
  change(copy);
  return copy as PlatformProps;
}

/** A deep copy of plain objects and arrays; typed values (a Duration) are kept, as JSON would flatten them. */
function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  return value;
}

function errors(name: EnvironmentName, platform: unknown): string[] {
  const env = new Environment({ ...ENVIRONMENTS[name], platform: platform as PlatformProps, name });
  const report = new ValidationReport();
  env.validate(report, 'environment.');
  return [...report.errors];
}

describe('the repository profiles', () => {
  test.each(['dev', 'staging', 'prod'] as const)('%s is valid', (name) => {
    expect(errors(name, profile(name))).toEqual([]);
  });

  test('staging and prod read secrets from Vault with real names; dev generates them', () => {
    expect(ENVIRONMENTS.prod.platform.secrets).toMatchObject({ kind: 'vault', server: 'https://vault.stackworks.io:8200', path: 'secret' });
    expect(ENVIRONMENTS.dev.platform.secrets).toEqual({ kind: 'generated' });
  });
});

describe('every field is checked at run time, with its path', () => {
  test.each<[string, (p: Record<string, any>) => void, string]>([
    ['no profile', (p) => Object.keys(p).forEach((k) => delete p[k]), 'environment.platform.gitops: is required'],
    ['an unknown field', (p) => (p.monitoring = {}), 'environment.platform.monitoring: is not a profile field'],
    [
      'a repository that is no URL',
      (p) => (p.gitops.repoURL = 'cdk8s-stacks'),
      "environment.platform.gitops.repoURL: 'cdk8s-stacks' must be a Git repository URL",
    ],
    ['an empty revision', (p) => (p.gitops.targetRevision = ' '), "environment.platform.gitops.targetRevision: ' ' must be a non-empty string"],
    [
      'a dist path leaving the repository',
      (p) => (p.gitops.distPath = '../dist'),
      "environment.platform.gitops.distPath: '../dist' must be a relative path",
    ],
    [
      'an Argo CD namespace that is no DNS label',
      (p) => (p.argocd = { namespace: 'Argo_CD' }),
      "environment.platform.argocd.namespace: namespace 'Argo_CD' must consist of",
    ],
    [
      'an unknown secret backend',
      (p) => (p.secrets = { kind: 'sops' }),
      "environment.platform.secrets.kind: 'sops' must be one of generated, vault, aws-secrets-manager",
    ],
    ['no secret backend', (p) => delete p.secrets, 'environment.platform.secrets.kind: undefined must be one of'],
    [
      'a Vault address that is no URL',
      (p) => (p.secrets.server = 'vault:8200'),
      "environment.platform.secrets.server: 'vault:8200' must be the Vault address",
    ],
    [
      'a KV mount with slashes around it',
      (p) => (p.secrets.path = '/secret/'),
      "environment.platform.secrets.path: '/secret/' must be the mount path of the KV v2 engine",
    ],
    [
      'an auth mount of the wrong type',
      (p) => (p.secrets.authMountPath = 7),
      'environment.platform.secrets.authMountPath: number 7 must be the mount path',
    ],
    [
      'a role name shared by every system',
      (p) => (p.secrets.roleName = 'apps-{env}'),
      "environment.platform.secrets.roleName: 'apps-{env}' must contain {system}",
    ],
    [
      'a key path with an unknown placeholder',
      (p) => (p.secrets.keyPath = '{team}/{system}/{env}/{secret}'),
      'environment.platform.secrets.keyPath: ',
    ],
    [
      'an AWS region that is none',
      (p) => (p.secrets = { kind: 'aws-secrets-manager', region: 'Ireland', roleArnPrefix: 'arn:aws:iam::123456789012:role/' }),
      "environment.platform.secrets.region: 'Ireland' must be an AWS region",
    ],
    [
      'an IAM role ARN prefix that is none',
      (p) => (p.secrets = { kind: 'aws-secrets-manager', region: 'eu-west-1', roleArnPrefix: 'arn:aws:iam::12:role' }),
      "environment.platform.secrets.roleArnPrefix: 'arn:aws:iam::12:role' must be an IAM role ARN",
    ],
    [
      'an unknown default edge',
      (p) => (p.edge = { default: 'haproxy' }),
      "environment.platform.edge.default: 'haproxy' must be one of ingress-nginx, traefik, gateway",
    ],
    [
      'a default edge that does not run',
      (p) => (p.edge = { default: 'traefik' }),
      "environment.platform.edge.default: 'traefik' is not running in the cluster: edge.traefik is not set",
    ],
    [
      'controller pods without labels',
      (p) => (p.edge = { default: 'ingress-nginx', ingressNginx: { pods: { namespace: 'ingress-nginx', podLabels: {} } } }),
      'environment.platform.edge.ingressNginx.pods.podLabels: must name at least one label',
    ],
    [
      'DNS pods in a bad namespace',
      (p) => (p.dns = { pods: { namespace: 'Kube-System', podLabels: { 'k8s-app': 'kube-dns' } } }),
      'environment.platform.dns.pods.namespace:',
    ],
    [
      'a NodeLocal address that is no IP',
      (p) => (p.dns = { nodeLocalAddress: '169.254.20' }),
      "environment.platform.dns.nodeLocalAddress: '169.254.20' must be an IP address",
    ],
    [
      'a cluster domain with a trailing dot',
      (p) => (p.dns = { clusterDomain: 'cluster.local.' }),
      "environment.platform.dns.clusterDomain: 'cluster.local.' must be a DNS domain without a trailing dot",
    ],
    [
      'Prometheus in a bad namespace',
      (p) => (p.prometheus.pods.namespace = 'monitoring!'),
      "environment.platform.prometheus.pods.namespace: namespace 'monitoring!'",
    ],
    [
      'a selector label that is no label',
      (p) => (p.prometheus.serviceMonitorLabels = { 'release name': 'prometheus' }),
      "environment.platform.prometheus.serviceMonitorLabels.release name: 'release name' is not a label name",
    ],
    [
      'a rule label value that is no string',
      (p) => (p.prometheus.ruleLabels = { release: 1 }),
      'environment.platform.prometheus.ruleLabels.release: number 1 is not a label value',
    ],
    ['no dashboard labels', (p) => (p.grafana.dashboardLabels = {}), 'environment.platform.grafana.dashboardLabels: must name at least one label'],
    [
      'a storage class that is no name',
      (p) => (p.storage = { defaultClass: 'SSD Fast' }),
      "environment.platform.storage.defaultClass: 'SSD Fast' must consist of",
    ],
    [
      'a registry that is no host',
      (p) => (p.registry = { host: 'stackworks' }),
      "environment.platform.registry.host: 'stackworks' must be a registry host",
    ],
    ['a registry with a URL scheme', (p) => (p.registry = { host: 'https://registry.stackworks.io' }), 'environment.platform.registry.host:'],
    ['a demo flag that is no boolean', (p) => (p.demo = 'yes'), "environment.platform.demo: must be true or false (is 'yes')"],
  ])('%s', (_, change, message) => {
    expect(errors('prod', profile('prod', change))).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  test('a profile that is not an object names the profile', () => {
    expect(errors('prod', null)).toEqual([
      expect.stringContaining("environment.platform: is required: the cluster profile (PlatformProps) of environment 'prod' (is null)"),
    ]);
  });
});

describe('placeholders', () => {
  test.each<[string, (p: Record<string, any>) => void, string]>([
    ['the repository', (p) => (p.gitops.repoURL = 'https://git.example.com/platform/cdk8s-stacks.git'), 'gitops.repoURL'],
    ['the Vault address', (p) => (p.secrets.server = 'https://vault.example.org:8200'), 'secrets.server'],
    ['the registry', (p) => (p.registry.host = 'registry.example.net'), 'registry.host'],
    ['a .invalid host', (p) => (p.gitops.repoURL = 'https://git.stackworks.invalid/a/b.git'), 'gitops.repoURL'],
    ['a .test host', (p) => (p.secrets.server = 'https://vault.stackworks.test:8200'), 'secrets.server'],
    ['localhost', (p) => (p.secrets.server = 'http://localhost:8200'), 'secrets.server'],
    ['an empty revision', (p) => (p.gitops.targetRevision = ''), 'gitops.targetRevision'],
    ['a label key', (p) => (p.prometheus.ruleLabels = { 'example.com/release': 'prometheus' }), 'prometheus.ruleLabels.example.com/release'],
  ])('%s in a staging profile is refused, naming the field', (_, change, field) => {
    const found = errors('staging', profile('staging', change));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(`^environment\\.platform\\.${field.replace(/[./]/g, '\\$&')}: '[^']*' is .*a placeholder; staging needs the real value$`),
        ),
      ]),
    );
  });

  test('the same placeholders are fine in dev', () => {
    expect(
      errors(
        'dev',
        profile('dev', (p) => (p.gitops.repoURL = 'https://git.example.com/platform/cdk8s-stacks.git')),
      ),
    ).toEqual([]);
  });

  test('the demo profile is accepted in dev and refused in staging and prod, with every placeholder named', () => {
    expect(errors('dev', demoPlatform())).toEqual([]);
    for (const name of ['staging', 'prod'] as const) {
      expect(errors(name, demoPlatform())).toEqual([
        `environment.platform.alerting: is required in ${name}: receivers and a defaultReceiver, or every alert would be dropped by the Alertmanager`,
        `environment.platform.demo: the demo profile (demoPlatform()) is for dev only; ${name} needs the real cluster's profile (Git repository, secret backend, registry)`,
        `environment.platform.gitops.repoURL: 'https://git.example.com/demo/cdk8s-stacks.git' is a reserved example domain, a placeholder; ${name} needs the real value`,
      ]);
    }
  });

  test.each([
    ['https://github.com/stackworks/cdk8s-stacks.git', undefined],
    ['registry.stackworks.io', undefined],
    ['latest', undefined],
    ['secret/test', undefined],
    ['https://examples.com', undefined],
    ['ssh://git@git.example.com/a.git', 'a reserved example domain'],
    ['EXAMPLE.ORG', 'a reserved example domain'],
    ['vault.corp.invalid:8200', 'a reserved placeholder top-level domain'],
    ['localhost:5000', 'localhost'],
    ['', 'empty'],
  ])('placeholderIn(%p) is %p', (value, found) => {
    expect(placeholderIn(value)).toBe(found);
  });
});

describe('the operators and preinstalled components in the profile', () => {
  test.each<[string, (p: Record<string, any>) => void, string]>([
    [
      'an unknown preinstalled component',
      (p) => (p.preinstalled = ['cert-manager', 'nginx']),
      "environment.platform.preinstalled[1]: 'nginx' is not a component",
    ],
    ['preinstalled not a list', (p) => (p.preinstalled = 'cert-manager'), 'environment.platform.preinstalled: must be a list of component names'],
    [
      'a CloudNativePG operator namespace that is no DNS label',
      (p) => (p.cloudNativePg = { operatorPods: { namespace: 'CNPG', podLabels: { app: 'cnpg' } } }),
      'environment.platform.cloudNativePg.operatorPods.namespace',
    ],
    [
      'MOCO pod labels that are no map',
      (p) => (p.databaseOperators = { moco: { namespace: 'moco-system', podLabels: 'moco' } }),
      'environment.platform.databaseOperators.moco.podLabels',
    ],
  ])('%s is refused with its field', (_, change, expected) => {
    const found = errors('dev', profile('dev', change));
    expect(found.filter((e) => e.startsWith(expected))).toHaveLength(1);
  });

  test('known components and operator pods are accepted', () => {
    const found = errors(
      'dev',
      profile('dev', (p) => {
        p.preinstalled = ['cert-manager', 'moco'];
        p.cloudNativePg = { operatorPods: { namespace: 'cnpg-system', podLabels: { 'app.kubernetes.io/name': 'cloudnative-pg' } } };
      }),
    );
    expect(found).toEqual([]);
  });
});
