import { SystemSecret } from '../../lib';
import { prerequisitesSection, vaultSetup } from '../../lib/gitops/system-prerequisites';
import { render, testChart, testEnv } from '../support/synth';

function secretsSystem(env = testEnv('prod')) {
  const { app, chart } = testChart(env, 'shop');
  new SystemSecret(chart, 'api-secrets', { keys: ['jwt-secret', 'api-key'] });
  new SystemSecret(chart, 'db-credentials', { keys: ['password'] });
  const objects = render(app).objects.filter((o) => o.folder === `${env.name}/shop`);
  return { chart, objects };
}

describe('system prerequisites', () => {
  test('Vault: the policy reads exactly the KV v2 paths of the ExternalSecrets, the role binds the SecretStore ServiceAccount', () => {
    const { chart, objects } = secretsSystem();
    const backend = chart.environment.platform.secrets as { server: string; path: string };
    expect(vaultSetup(chart, objects)).toEqual([
      '```sh',
      `export VAULT_ADDR=${backend.server}`,
      `# Read-only access to exactly the secrets this system uses (KV v2 mount \`${backend.path}\`).`,
      "vault policy write shop-prod - <<'EOF'",
      `path "${backend.path}/data/shop/prod/api-secrets" {`,
      '  capabilities = ["read"]',
      '}',
      `path "${backend.path}/data/shop/prod/db-credentials" {`,
      '  capabilities = ["read"]',
      '}',
      'EOF',
      "# The SecretStore's ServiceAccount logs in with Kubernetes auth (mount `kubernetes`).",
      'vault write auth/kubernetes/role/shop-prod \\',
      '  bound_service_account_names=secret-store \\',
      '  bound_service_account_namespaces=shop-prod \\',
      '  policies=shop-prod \\',
      '  ttl=1h',
      '# The secrets: each value from a local file of the same name (kept out of Git and shell history).',
      `vault kv put -mount=${backend.path} shop/prod/api-secrets api-key=@api-key jwt-secret=@jwt-secret`,
      `vault kv put -mount=${backend.path} shop/prod/db-credentials password=@password`,
      '```',
    ]);
  });

  test('dev (generated secrets): no Vault section; external-secrets >= 0.16.2 (the release the cluster suite runs) for a Password generator per key', () => {
    const { chart, objects } = secretsSystem(testEnv('dev'));
    expect(vaultSetup(chart, objects)).toEqual([]);
    const section = prerequisitesSection(chart, objects).join('\n');
    expect(section).toMatch(
      /\| external-secrets \| 0\.16\.2 \| external-secrets chart 2\.9\.0 \(external-secrets 2\.9\.0\) \| .*Password generator per key/,
    );
    expect(section).not.toContain('### Vault');
  });
});
