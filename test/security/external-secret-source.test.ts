import { ExternalSecretSource, fromSecret, Probe, SecretStoreRef, WebService } from '../../lib';
import { errorsOf, objectOf, testChart } from '../support/synth';

describe('ExternalSecretSource', () => {
  test('creates an ExternalSecret against the store; pods read the produced Secret by reference', () => {
    const { app, chart } = testChart();
    const secret = new ExternalSecretSource(chart, 'api-secrets', {
      store: SecretStoreRef.cluster('vault'),
      data: { JWT_SECRET: { key: 'prod/api', property: 'jwt' } },
    });
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { JWT_SECRET: fromSecret(secret, 'JWT_SECRET') },
      envFromSecrets: [secret],
    });
    const es = objectOf(app, 'ExternalSecret', 'api-secrets');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: { name: 'api-secrets', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'JWT_SECRET', remoteRef: { key: 'prod/api', property: 'jwt' } }],
    });
    const container = objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0];
    expect(container.env).toEqual([{ name: 'JWT_SECRET', valueFrom: { secretKeyRef: { name: 'api-secrets', key: 'JWT_SECRET' } } }]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'api-secrets' } }]);
  });

  test('a reference to a key the ExternalSecret does not produce is an error', () => {
    const { app, chart } = testChart();
    const secret = new ExternalSecretSource(chart, 's', { store: SecretStoreRef.namespaced('aws'), data: { A: { key: 'a' } } });
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { B: fromSecret(secret, 'B') },
    });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(/\[test-prod\/api\] env\.B: key 'B' is not produced by ExternalSecret test-prod\/s \(it has: A\)/),
    ]);
  });

  test('bad keys and intervals are errors', () => {
    const { app, chart } = testChart();
    new ExternalSecretSource(chart, 's', {
      store: SecretStoreRef.namespaced('aws'),
      data: { 'a b': { key: '' } },
      refreshInterval: 'hourly' as never,
    });
    expect(errorsOf(app)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/data\.a b: 'a b' is not a valid Secret key/),
        expect.stringMatching(/data\.a b\.key: must name the secret in the store/),
        expect.stringMatching(/refreshInterval: 'hourly' is a string: give a Duration, e.g. Duration.hours\(1\)/),
      ]),
    );
  });
});
