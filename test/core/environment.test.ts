import { Environment, EnvironmentProps, ValidationReport } from '../../lib';
import { ENVIRONMENTS } from '../../charts';

function env(name: string, overrides: Record<string, unknown> = {}): Environment {
  const base = ENVIRONMENTS.prod;
  const { platform, ...rest } = overrides;
  return new Environment({ ...base, ...rest, platform: { ...base.platform.props, ...(platform as object) }, name } as unknown as EnvironmentProps);
}

function errors(e: Environment): string[] {
  const report = new ValidationReport();
  e.validate(report, 'environment.');
  return [...report.errors];
}

describe('pick', () => {
  test.each([
    ['dev', 1],
    ['staging', 2],
    ['prod', 3],
  ])('all three spelled out: %s gets %p', (name, value) => {
    expect(env(name).pick({ dev: 1, staging: 2, prod: 3 })).toBe(value);
  });

  test.each([
    ['dev', '1Gi'],
    ['staging', '1Gi'],
    ['prod', '50Gi'],
  ])('a default with an override: %s gets %s', (name, value) => {
    expect(env(name).pick({ default: '1Gi', prod: '50Gi' })).toBe(value);
  });

  test('falsy values are values, not missing ones', () => {
    expect(env('prod').pick({ default: 5, prod: 0 })).toBe(0);
    expect(env('dev').pick({ default: true, dev: false })).toBe(false);
    expect(env('staging').pick({ default: 'x', staging: '' })).toBe('');
  });

  test('JavaScript callers without a value or with no object get a clear error', () => {
    expect(() => env('prod').pick({ dev: 1 } as never)).toThrow("no value for environment 'prod' and no default");
    expect(() => env('prod').pick(null as never)).toThrow('env.pick needs an object of values per environment (is null)');
  });
});

describe('validate', () => {
  test.each(['dev', 'staging', 'prod'])('the repository environment %s is valid', (name) => {
    const base = ENVIRONMENTS[name as 'dev'];
    expect(errors(new Environment({ ...base }))).toEqual([]);
  });

  test.each([
    [{ name: 'qa' }, "environment.name: 'qa' must be one of dev, staging, prod"],
    [{ name: 'Prod' }, "environment.name: 'Prod' must be one of dev, staging, prod"],
    [{ defaultReplicas: 0 }, 'environment.defaultReplicas: 0 must be a whole number of at least 1'],
    [{ defaultReplicas: '2' }, 'environment.defaultReplicas: 2 must be a whole number of at least 1'],
    [{ tls: 'letsencrypt' }, "environment.tls: 'letsencrypt' must be one of acme-production, acme-staging, self-signed, none"],
    [{ backupSchedule: '0 0 31 2 *' }, 'environment.backupSchedule: ' + "'0 0 31 2 *' never fires"],
    [{ backupRetention: -1 }, 'environment.backupRetention: -1 must be a whole number of at least 1'],
    [{ requirePinnedImages: 'yes' }, "environment.requirePinnedImages: must be true or false (is 'yes')"],
    [
      { defaultResources: { requests: { cpu: '100m', memory: '128m' }, limits: { cpu: '1', memory: '1Gi' } } },
      'environment.defaultResources.requests.memory: ',
    ],
    [{ defaultResources: { requests: { cpu: '100m', memory: '128Mi' } } }, 'environment.defaultResources.limits: is required'],
    [{ monitoring: { scrapeInterval: 30 } }, 'environment.monitoring.scrapeInterval: must be a Duration such as Duration.seconds(30) (is number 30)'],
    [
      { monitoring: { serviceMonitorLabels: { release: 'prometheus' } } },
      "environment.monitoring.serviceMonitorLabels: is not a monitoring setting (settings: scrapeInterval, alertFor, severities; the cluster's Prometheus and Grafana are in platform)",
    ],
    [
      { gitops: { repoURL: 'https://github.com/stackworks/cdk8s-stacks.git', targetRevision: 'main' } },
      'environment.gitops: is part of the cluster profile now: set platform.gitops',
    ],
    [{ secrets: { kind: 'generated' } }, 'environment.secrets: is part of the cluster profile now: set platform.secrets'],
    [{ storageClassName: 'ssd' }, 'environment.storageClassName: is part of the cluster profile now: set platform.storage.defaultClass'],
    [{ platform: { secrets: { kind: 'sops' } } }, "environment.platform.secrets.kind: 'sops' must be one of generated, vault, aws-secrets-manager"],
  ])('%p is refused', (overrides, message) => {
    const name = (overrides as { name?: string }).name ?? 'prod';
    expect(errors(env(name, overrides))).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
