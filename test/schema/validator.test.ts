/**
 * The strict validator itself: it must accept what the library legitimately
 * emits and reject what `kubectl apply --validate=strict` would reject, with a
 * message that points at the offending field.
 */
import { K8S_VERSIONS, createValidator } from '../support/schema/validator';
import { K8sObject, validBuiltins, validCustomResources } from './fixtures';

/** Compiling a version's schemas takes ~1s; do it once, outside any per-test timeout. */
beforeAll(() => {
  for (const version of K8S_VERSIONS) createValidator(version);
}, 60_000);

/** Deep-ish setter for building broken variants of fixtures in one line. */
function withValue<T extends K8sObject>(obj: T, pointer: string, value: unknown): T {
  const keys = pointer.split('/').slice(1);
  let cur: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  cur[keys[keys.length - 1] as string] = value;
  return obj;
}

function without<T extends K8sObject>(obj: T, pointer: string): T {
  const keys = pointer.split('/').slice(1);
  let cur: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) cur = cur[key] as Record<string, unknown>;
  delete cur[keys[keys.length - 1] as string];
  return obj;
}

describe.each(K8S_VERSIONS)('Kubernetes %s', (version) => {
  const validator = createValidator(version);
  const validate = (obj: unknown) => validator.validate(obj);

  describe('built-in kinds', () => {
    test.each(Object.keys(validBuiltins()))('valid %s passes', (kind) => {
      expect(validate(validBuiltins()[kind])).toEqual([]);
    });

    test('unknown field in a container is reported with its path', () => {
      const dep = validBuiltins().Deployment!;
      withValue(dep, '/spec/template/spec/containers/0/imagePullPolcy', 'Always');
      expect(validate(dep)).toEqual(['apps/v1 Deployment api: /spec/template/spec/containers/0/imagePullPolcy: unknown field']);
    });

    test('unknown fields are caught at every level, including metadata and the root', () => {
      const svc = validBuiltins().Service!;
      withValue(svc, '/metadata/label', { a: 'b' });
      withValue(svc, '/spec/ports/0/tragetPort', 8080);
      withValue(svc, '/extra', true);
      expect(validate(svc).sort()).toEqual([
        'v1 Service api: /extra: unknown field',
        'v1 Service api: /metadata/label: unknown field',
        'v1 Service api: /spec/ports/0/tragetPort: unknown field',
      ]);
    });

    test('map-typed fields stay maps (labels, resource lists, nodeSelector)', () => {
      const dep = validBuiltins().Deployment!;
      withValue(dep, '/spec/template/spec/nodeSelector', { 'kubernetes.io/os': 'linux', 'any/key': 'x' });
      withValue(dep, '/spec/template/spec/containers/0/resources/limits', { cpu: 1, memory: '1Gi', 'nvidia.com/gpu': '1' });
      expect(validate(dep)).toEqual([]);
    });

    test('a missing required field fails', () => {
      const dep = validBuiltins().Deployment!;
      without(dep, '/spec/template/spec/containers/0/name');
      without(dep, '/spec/selector');
      expect(validate(dep).sort()).toEqual([
        'apps/v1 Deployment api: /spec/selector: required field missing',
        'apps/v1 Deployment api: /spec/template/spec/containers/0/name: required field missing',
      ]);
    });

    test('a wrong type fails', () => {
      const dep = validBuiltins().Deployment!;
      withValue(dep, '/spec/replicas', '2');
      withValue(dep, '/metadata/labels/version', 1.2); // unquoted YAML number in a label
      expect(validate(dep).sort()).toEqual([
        'apps/v1 Deployment api: /metadata/labels/version: must be string, got number 1.2',
        'apps/v1 Deployment api: /spec/replicas: must be integer, got string "2"',
      ]);
    });

    test('null is rejected (the server would drop it, losing the intended value)', () => {
      const svc = withValue(validBuiltins().Service!, '/spec/type', null);
      expect(validate(svc)).toEqual(['v1 Service api: /spec/type: must be string, got null (null is only allowed where the schema says nullable)']);
    });

    test('IntOrString accepts integers and strings, nothing else', () => {
      for (const ok of [8080, 'http']) {
        expect(validate(withValue(validBuiltins().Service!, '/spec/ports/0/targetPort', ok))).toEqual([]);
        expect(validate(withValue(validBuiltins().Deployment!, '/spec/strategy/rollingUpdate/maxSurge', ok))).toEqual([]);
      }
      expect(validate(withValue(validBuiltins().Service!, '/spec/ports/0/targetPort', 80.5))).toEqual([
        'v1 Service api: /spec/ports/0/targetPort: must be integer or string, got number 80.5',
      ]);
      expect(validate(withValue(validBuiltins().Service!, '/spec/ports/0/targetPort', true))).toHaveLength(1);
    });

    test('Quantity accepts Kubernetes quantity syntax only', () => {
      const ok = withValue(validBuiltins().Deployment!, '/spec/template/spec/containers/0/resources/requests', { cpu: 0.5, memory: '1e9' });
      expect(validate(ok)).toEqual([]);
      const bad = withValue(validBuiltins().Deployment!, '/spec/template/spec/containers/0/resources/limits/memory', '512MB');
      expect(validate(bad)).toEqual([
        expect.stringMatching(
          /^apps\/v1 Deployment api: \/spec\/template\/spec\/containers\/0\/resources\/limits\/memory: must match pattern .*, got string "512MB"$/,
        ),
      ]);
    });

    test('formats are checked (Secret data must be base64)', () => {
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { ok: 'aGVsbG8=', bad: 'not base64!' } };
      expect(validate(secret)).toEqual(['v1 Secret s: /data/bad: must match format "byte", got string "not base64!"']);
    });

    test('an unknown kind fails, as does a kind in a version this cluster does not serve', () => {
      expect(validate({ apiVersion: 'v1', kind: 'Deploymnet', metadata: { name: 'x' } })).toEqual([
        `v1 Deploymnet x: /: unknown kind: Kubernetes ${version} has no v1 Deploymnet and no CRD in imports/crds defines it`,
      ]);
      expect(validate({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' } })).toEqual([
        expect.stringContaining('unknown kind'),
      ]);
    });

    test('non-objects and objects without apiVersion/kind fail instead of throwing', () => {
      expect(validate('hello')).toEqual(['<not an object>: /: document is not a YAML/JSON object']);
      expect(validate({ kind: 'Service', metadata: { name: 'x' } })).toEqual([
        '<no apiVersion> Service x: /: apiVersion and kind must be non-empty strings',
      ]);
    });

    test('kind: List is unwrapped like kubectl does', () => {
      const bad = withValue(validBuiltins().Namespace!, '/spec', { finalizerz: [] });
      expect(validate({ apiVersion: 'v1', kind: 'List', items: [validBuiltins().Service, bad] })).toEqual([
        'v1 Namespace shop: /spec/finalizerz: unknown field',
      ]);
    });
  });

  describe('custom resources (imports/crds)', () => {
    test.each(Object.keys(validCustomResources()))('valid %s passes', (kind) => {
      expect(validate(validCustomResources()[kind])).toEqual([]);
    });

    test.each(Object.keys(validCustomResources()))('%s with an unknown field in spec fails', (kind) => {
      const cr = withValue(validCustomResources()[kind]!, '/spec/notAField', 1);
      expect(validate(cr)).toEqual([`${cr.apiVersion} ${cr.kind} ${cr.metadata.name}: /spec/notAField: unknown field`]);
    });

    test('nested unknown fields and ObjectMeta typos are reported', () => {
      const cert = validCustomResources().Certificate!;
      withValue(cert, '/spec/issuerRef/namespace', 'x');
      withValue(cert, '/metadata/annotation', {});
      expect(validate(cert).sort()).toEqual([
        'cert-manager.io/v1 Certificate api-tls: /metadata/annotation: unknown field',
        'cert-manager.io/v1 Certificate api-tls: /spec/issuerRef/namespace: unknown field',
      ]);
    });

    test('required fields, types and enums from the CRD are enforced', () => {
      const cert = without(validCustomResources().Certificate!, '/spec/secretName');
      withValue(cert, '/spec/privateKey/algorithm', 'DSA');
      withValue(cert, '/spec/privateKey/size', '256');
      expect(validate(cert).sort()).toEqual([
        'cert-manager.io/v1 Certificate api-tls: /spec/privateKey/algorithm: must be one of ["RSA","ECDSA","Ed25519"], got string "DSA"',
        'cert-manager.io/v1 Certificate api-tls: /spec/privateKey/size: must be integer, got string "256"',
        'cert-manager.io/v1 Certificate api-tls: /spec/secretName: required field missing',
      ]);
    });

    test('anything goes under x-kubernetes-preserve-unknown-fields', () => {
      const mw = withValue(validCustomResources().Middleware!, '/spec/plugin', {
        geoblock: { allowed: ['DE', 'FR'], nested: { deep: [1, true, null] } },
      });
      expect(validate(mw)).toEqual([]);
      const app = withValue(validCustomResources().Application!, '/spec/source/helm', {
        releaseName: 'shop',
        valuesObject: { replicaCount: 2, image: { tag: 'v1' }, whatever: [{ x: 1 }] },
      });
      expect(validate(app)).toEqual([]);
      const issuer = withValue(validCustomResources().ClusterIssuer!, '/spec/acme/solvers/0', {
        dns01: { webhook: { groupName: 'acme.example.com', solverName: 'x', config: { apiKeySecretRef: { name: 'k' }, any: 1 } } },
      });
      expect(validate(issuer)).toEqual([]);
    });

    test('preserve-unknown-fields does not leak into siblings', () => {
      const app = withValue(validCustomResources().Application!, '/spec/source/helm', { valuesObject: {}, valuesObjekt: {} });
      expect(validate(app)).toEqual(['argoproj.io/v1alpha1 Application shop-dev: /spec/source/helm/valuesObjekt: unknown field']);
    });

    test('x-kubernetes-int-or-string accepts both integers and strings', () => {
      for (const port of [8080, 'http']) {
        const sm = withValue(validCustomResources().ServiceMonitor!, '/spec/endpoints/0/targetPort', port);
        expect(validate(sm)).toEqual([]);
      }
      const sm = withValue(validCustomResources().ServiceMonitor!, '/spec/endpoints/0/targetPort', { port: 1 });
      expect(validate(sm)).toEqual([
        'monitoring.coreos.com/v1 ServiceMonitor api: /spec/endpoints/0/targetPort: must be integer or string, got object',
      ]);
    });

    test('an object schema without properties accepts only {} (structural pruning)', () => {
      const store = {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: 'lockbox', namespace: 'shop' },
        spec: { provider: { yandexlockbox: { auth: { authorizedKeySecretRef: { name: 'k', key: 'k' } }, fetching: { byID: {} } } } },
      };
      expect(validate(store)).toEqual([]);
      store.spec.provider.yandexlockbox.fetching.byID = { x: 1 } as never;
      expect(validate(store)).toEqual(['external-secrets.io/v1 SecretStore lockbox: /spec/provider/yandexlockbox/fetching/byID/x: unknown field']);
    });

    test('nullable is respected', () => {
      const es = withValue(validCustomResources().ExternalSecret!, '/status', { refreshTime: null });
      expect(validate(es)).toEqual([]);
      withValue(es, '/spec/refreshInterval', null);
      expect(validate(es)).toEqual([
        'external-secrets.io/v1 ExternalSecret api-db: /spec/refreshInterval: must be string, got null (null is only allowed where the schema says nullable)',
      ]);
    });

    test('Go-only regex syntax in CRD patterns works ((?i) in PrometheusRule)', () => {
      const rule = withValue(validCustomResources().PrometheusRule!, '/spec/groups/0/partial_response_strategy', 'ABORT');
      expect(validate(rule)).toEqual([]);
      withValue(rule, '/spec/groups/0/partial_response_strategy', 'explode');
      expect(validate(rule)).toEqual([expect.stringContaining('/spec/groups/0/partial_response_strategy: must match pattern')]);
    });

    test('unserved and unknown CRD versions fail', () => {
      const es = { ...validCustomResources().ExternalSecret!, apiVersion: 'external-secrets.io/v1beta1' };
      expect(validate(es)).toEqual([
        'external-secrets.io/v1beta1 ExternalSecret api-db: /: version v1beta1 of CRD externalsecrets.external-secrets.io is not served (served: false)',
      ]);
      const cert = { ...validCustomResources().Certificate!, apiVersion: 'cert-manager.io/v1alpha2' };
      expect(validate(cert)).toEqual([
        'cert-manager.io/v1alpha2 Certificate api-tls: /: unknown version v1alpha2: the CRD for Certificate defines v1',
      ]);
    });
  });
});

describe('differences between the supported Kubernetes versions', () => {
  test('native sidecars (initContainers[].restartPolicy) only exist in 1.33', () => {
    const dep = withValue(validBuiltins().Deployment!, '/spec/template/spec/initContainers', [
      { name: 'proxy', image: 'ghcr.io/example/proxy:1', restartPolicy: 'Always' },
    ]);
    expect(createValidator('1.33').validate(dep)).toEqual([]);
    expect(createValidator('1.27').validate(dep)).toEqual([
      'apps/v1 Deployment api: /spec/template/spec/initContainers/0/restartPolicy: unknown field',
    ]);
  });
});

test('validates 10,000 objects in well under the budget', () => {
  const samples = [...Object.values(validBuiltins()), ...Object.values(validCustomResources())];
  const objects = Array.from({ length: 10_000 }, (_, i) => samples[i % samples.length]);
  // Warm up: compile each kind once (compilation is per kind and cached, ~0.1–0.4s per CRD).
  for (const version of K8S_VERSIONS) samples.forEach((obj) => createValidator(version).validate(obj));

  const start = performance.now();
  let errors = 0;
  for (const version of K8S_VERSIONS) {
    const validator = createValidator(version);
    for (const obj of objects) errors += validator.validate(obj).length;
  }
  const ms = performance.now() - start;
  expect(errors).toBe(0);
  // Measured ~0.1s for 2 × 10k objects; the bound only guards against accidental per-call compilation.
  expect(ms).toBeLessThan(5_000);
}, 60_000);
