import { ExternalSecretSource, SystemSecret } from '../../lib';
import { SystemSecretStore } from '../../lib/security/secret-backend';
import { vaultPlan } from '../../lib/security/vault-plan';
import { objectOf, testChart, testEnv } from '../support/synth';

describe('vaultPlan', () => {
  test('the role, policy and every KV entry with its keys, named as the SecretStore and ExternalSecrets name them', () => {
    const { chart } = testChart(testEnv('prod'), 'loopi');
    new SystemSecret(chart, 'db-credentials', { keys: ['root-password', 'password'] });
    new SystemSecret(chart, 'api-keys', { keys: ['stripe'] });
    const store = SystemSecretStore.of(chart)!;
    new ExternalSecretSource(chart, 'smtp', {
      store,
      data: { user: { key: 'shared/smtp', property: 'user' }, pass: { key: 'shared/smtp', property: 'password' } },
    });
    expect(vaultPlan(chart)).toEqual({
      system: 'loopi',
      environment: 'prod',
      server: 'https://vault.stackworks.io:8200',
      namespace: 'loopi-prod',
      serviceAccount: 'secret-store',
      authMountPath: 'kubernetes',
      role: 'loopi-prod',
      policy: 'loopi-prod',
      kvMount: 'secret',
      secrets: [
        { path: 'loopi/prod/api-keys', dataPath: 'secret/data/loopi/prod/api-keys', keys: ['stripe'], readBy: ['loopi-prod/api-keys'] },
        {
          path: 'loopi/prod/db-credentials',
          dataPath: 'secret/data/loopi/prod/db-credentials',
          keys: ['password', 'root-password'],
          readBy: ['loopi-prod/db-credentials'],
        },
        { path: 'shared/smtp', dataPath: 'secret/data/shared/smtp', keys: ['password', 'user'], readBy: ['loopi-prod/smtp'] },
      ],
    });
  });

  test('role and key layout from the profile', () => {
    const env = testEnv('staging', {
      platform: {
        secrets: {
          kind: 'vault',
          server: 'https://vault.stackworks.io:8200',
          path: 'kv',
          authMountPath: 'k8s-staging',
          roleName: '{env}-{system}',
          keyPath: '{env}/{system}/{secret}',
        },
      },
    });
    const { chart } = testChart(env, 'techshop');
    new SystemSecret(chart, 'mongo', { keys: ['root-password'] });
    expect(vaultPlan(chart)).toMatchObject({
      authMountPath: 'k8s-staging',
      role: 'staging-techshop',
      policy: 'staging-techshop',
      secrets: [{ path: 'staging/techshop/mongo', dataPath: 'kv/data/staging/techshop/mongo', keys: ['root-password'] }],
    });
  });

  test('none where secrets are generated (dev) or come from AWS', () => {
    const dev = testChart(testEnv('dev'), 'loopi').chart;
    new SystemSecret(dev, 'db', { keys: ['password'] });
    expect(vaultPlan(dev)).toBeUndefined();
    const aws = testChart(
      testEnv('prod', {
        platform: { secrets: { kind: 'aws-secrets-manager', region: 'eu-west-1', roleArnPrefix: 'arn:aws:iam::123456789012:role/' } },
      }),
      'loopi',
    ).chart;
    expect(vaultPlan(aws)).toBeUndefined();
  });
});

describe('AWS Secrets Manager naming from the profile', () => {
  test('the IRSA role is roleArnPrefix + roleName, the entries follow keyPath, the region is the profile one', () => {
    const env = testEnv('prod', {
      platform: {
        secrets: {
          kind: 'aws-secrets-manager',
          region: 'eu-central-1',
          roleArnPrefix: 'arn:aws:iam::123456789012:role/eks/',
          roleName: 'stacks-{system}-{env}',
          keyPath: 'stacks/{env}/{system}/{secret}',
        },
      },
    });
    const { app, chart } = testChart(env, 'loopi');
    new SystemSecret(chart, 'db', { keys: ['password'] });
    expect(objectOf(app, 'ServiceAccount', 'secret-store').metadata.annotations).toMatchObject({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/eks/stacks-loopi-prod',
    });
    expect(objectOf(app, 'SecretStore', 'secret-store').spec.provider.aws).toMatchObject({ service: 'SecretsManager', region: 'eu-central-1' });
    expect(objectOf(app, 'ExternalSecret', 'db').spec.data).toEqual([
      { secretKey: 'password', remoteRef: { key: 'stacks/prod/loopi/db', property: 'password' } },
    ]);
  });
});
