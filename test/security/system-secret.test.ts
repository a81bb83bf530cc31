import { SystemSecret } from '../../lib';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { objectOf, testChart, testEnv } from '../support/synth';

/**
 * Dev secrets are generated in the cluster by external-secrets' Password generator, using only
 * what EXTERNAL_SECRETS_MIN_VERSION (the release the cluster suite runs) serves: one generator
 * call per key, its `password` output renamed to the key. The cluster suite shows the Secret
 * ends up with every key.
 */
describe('SystemSecret in dev (generated)', () => {
  const { app, chart } = testChart(testEnv('dev'));
  new SystemSecret(chart, 'api-secrets', { keys: ['JWT_SECRET', 'API_KEY'] });

  test('a Password generator without secretKeys (not served by external-secrets 0.16)', () => {
    const password = objectOf(app, 'Password', 'api-secrets');
    expect(password.apiVersion).toBe('generators.external-secrets.io/v1alpha1');
    expect(password.spec).not.toHaveProperty('secretKeys');
    expect(password.spec).toMatchObject({ length: 32, symbols: 0 });
  });

  test('one dataFrom entry per key, each renaming the generated `password` to the key', () => {
    const es = objectOf(app, 'ExternalSecret', 'api-secrets');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    const generatorRef = { apiVersion: 'generators.external-secrets.io/v1alpha1', kind: 'Password', name: 'api-secrets' };
    expect(es.spec.dataFrom).toEqual(
      ['API_KEY', 'JWT_SECRET'].map((key) => ({ sourceRef: { generatorRef }, rewrite: [{ regexp: { source: '^password$', target: key } }] })),
    );
    expect(es.spec).toMatchObject({ refreshPolicy: 'CreatedOnce', target: { name: 'api-secrets', creationPolicy: 'Owner' } });
  });

  test('declares the external-secrets release it is tested with', () => {
    expect(platformRequirements(app).filter((r) => r.component === 'external-secrets')).toEqual([
      expect.objectContaining({ minVersion: '0.16.2', reason: expect.stringMatching(/external-secrets\.io\/v1 ExternalSecret/) }),
    ]);
  });
});
