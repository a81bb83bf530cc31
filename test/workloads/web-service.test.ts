import { Duration, ExistingSecret, fromSecret, Probe, WebService } from '../../lib';
import { errorIdsOf, errorsOf, objectOf, objectsOf, testChart, testEnv } from '../support/synth';

const resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
const base = { image: 'registry.stackworks.io/org/api:1.4.2', ports: [{ name: 'http', port: 8000 }], readiness: Probe.http('/ready'), resources };

describe('WebService defaults', () => {
  const { app, chart } = testChart(testEnv('prod'));
  new WebService(chart, 'api', { ...base, liveness: Probe.http('/health'), config: { LOG_LEVEL: 'info' } });
  const deployment = objectOf(app, 'Deployment', 'api');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  test('a Deployment and a ClusterIP Service selecting exactly its pods', () => {
    const service = objectOf(app, 'Service', 'api');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'test-prod' });
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(deployment.spec.template.metadata.labels[k]).toBe(v);
  });

  test('replicas from the environment, rolling update without losing capacity', () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
  });

  test('Pod Security restricted: non-root uid/gid, RuntimeDefault seccomp, no capabilities, read-only root', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 10001,
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } });
  });

  test('its own ServiceAccount, without a token', () => {
    expect(pod.serviceAccountName).toBe('api');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(objectOf(app, 'ServiceAccount', 'api').automountServiceAccountToken).toBe(false);
  });

  test('probes on the named port, with a startup probe guarding the liveness probe', () => {
    expect(container.readinessProbe).toMatchObject({
      httpGet: { path: '/ready', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(container.startupProbe).toMatchObject({ tcpSocket: { port: 'http' }, failureThreshold: 30, periodSeconds: 5 });
  });

  test('drains before stopping: preStop pause and a grace period longer than it', () => {
    expect(container.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(pod.terminationGracePeriodSeconds).toBe(35);
  });

  test('spreads across zones and nodes', () => {
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe(
      'kubernetes.io/hostname',
    );
  });

  test('owns a ConfigMap read with envFrom, whose content hash rolls the pods', () => {
    expect(objectOf(app, 'ConfigMap', 'api-config').data).toEqual({ LOG_LEVEL: 'info' });
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'api-config' } }]);
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{16}$/);
  });

  test('a pinned image is pulled IfNotPresent; resources as given, with ephemeral storage defaults', () => {
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.resources).toEqual({
      requests: { ...resources.requests, 'ephemeral-storage': '64Mi' },
      limits: { ...resources.limits, 'ephemeral-storage': '1Gi' },
    });
  });
});

describe('WebService options', () => {
  test('a config change changes the pod-template hash', () => {
    const hash = (value: string) => {
      const { app, chart } = testChart();
      new WebService(chart, 'api', { ...base, config: { A: value } });
      return objectOf(app, 'Deployment', 'api').spec.template.metadata.annotations['checksum/config'];
    };
    expect(hash('1')).not.toBe(hash('2'));
  });

  test('secrets only by reference, plain values as strings, uid and writable paths configurable', () => {
    const { app, chart } = testChart();
    const secret = ExistingSecret.named('api-secrets', ['token']);
    new WebService(chart, 'api', {
      ...base,
      env: { TOKEN: fromSecret(secret, 'token'), WORKERS: 4, DEBUG: false },
      envFromSecrets: [secret],
      runAs: { user: 1001 },
      writablePaths: ['/app/.next/cache'],
      imagePullSecrets: ['registry'],
    });
    const pod = objectOf(app, 'Deployment', 'api').spec.template.spec;
    const container = pod.containers[0];
    expect(container.env).toEqual([
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api-secrets', key: 'token' } } },
      { name: 'WORKERS', value: '4' },
      { name: 'DEBUG', value: 'false' },
    ]);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'api-secrets' } }]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001 });
    expect(container.volumeMounts).toContainEqual({ name: 'w-app-next-cache', mountPath: '/app/.next/cache' });
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry' }]);
  });

  test('digests are accepted as pinned; in dev an unpinned image is allowed and pulled Always', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new WebService(chart, 'a', { ...base, image: `registry.stackworks.io/org/a@sha256:${'a'.repeat(64)}` });
    new WebService(chart, 'b', { ...base, image: 'registry.stackworks.io/org/b' });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Deployment', 'a').spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(objectOf(app, 'Deployment', 'b').spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(objectOf(app, 'Deployment', 'b').spec.replicas).toBe(1);
  });

  test('dev defaults resources from the environment profile; a single replica has no spread rules', () => {
    const { app, chart } = testChart(testEnv('dev'));
    new WebService(chart, 'api', { ...base, resources: undefined });
    const pod = objectOf(app, 'Deployment', 'api').spec.template.spec;
    const profile = testEnv('dev').defaultResources;
    expect(pod.containers[0].resources).toEqual({
      requests: { ...profile.requests, 'ephemeral-storage': '64Mi' },
      limits: { ...profile.limits, 'ephemeral-storage': '1Gi' },
    });
    expect(pod.topologySpreadConstraints).toBeUndefined();
  });

  test('a drain of Duration.seconds(0) removes the preStop hook (images without a shell)', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', { ...base, drain: Duration.seconds(0) });
    expect(objectOf(app, 'Deployment', 'api').spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  test('drain, shutdown grace and probe timing are Durations, rendered as whole seconds', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', {
      ...base,
      drain: Duration.seconds(10),
      shutdownGrace: Duration.minutes(2),
      readiness: Probe.http('/ready', { period: Duration.seconds(15), timeout: Duration.seconds(4), initialDelay: Duration.seconds(2) }),
    });
    const pod = objectOf(app, 'Deployment', 'api').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(130);
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(pod.containers[0].readinessProbe).toMatchObject({ periodSeconds: 15, timeoutSeconds: 4, initialDelaySeconds: 2 });
  });

  test('a probe by TCP or exec', () => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', { ...base, readiness: Probe.tcp(), liveness: Probe.exec(['/bin/check']) });
    const c = objectsOf(app, 'Deployment')[0].spec.template.spec.containers[0];
    expect(c.readinessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(c.livenessProbe.exec).toEqual({ command: ['/bin/check'] });
  });
});

describe('WebService bad input', () => {
  function errors(props: Record<string, unknown>, env = testEnv('prod')): string[] {
    const { app, chart } = testChart(env);
    new WebService(chart, 'api', { ...base, ...props } as any);
    return errorsOf(app);
  }

  test.each([
    ['missing resources in prod', { resources: undefined }, /\[test-prod\/api\] resources: required in prod/],
    [
      'latest image in prod',
      { image: 'registry.stackworks.io/org/api:latest' },
      /\[test-prod\/api\] image: 'registry\.stackworks\.io\/org\/api:latest' is not pinned/,
    ],
    ['untagged image in prod', { image: 'registry.stackworks.io/org/api' }, /image: 'registry\.stackworks\.io\/org\/api' is not pinned/],
    [
      'two ports with one name',
      {
        ports: [
          { name: 'http', port: 1 },
          { name: 'http', port: 2 },
        ],
      },
      /ports\[1\]\.name: 'http' is used by another port/,
    ],
    [
      'two ports with one number',
      {
        ports: [
          { name: 'http', port: 1 },
          { name: 'admin', port: 1 },
        ],
      },
      /ports\[1\]\.port: 1 is used by another port/,
    ],
    [
      'a probe on an undeclared port',
      { liveness: Probe.http('/h', { port: 'admin' }) },
      /liveness\.port: 'admin' is not a declared port \(declared: http\)/,
    ],
    ['a probe on an undeclared port number', { readiness: Probe.tcp({ port: 9999 }) }, /readiness\.port: 9999 is not a declared port/],
    ['an env var name that is not an identifier', { env: { 'MY-VAR': 'x' } }, /env\.MY-VAR: 'MY-VAR' is not a valid environment variable name/],
    ['uid 0', { runAs: { user: 0 } }, /runAs\.user: 0 \(root\) is not allowed/],
    [
      'a memory quantity that does not parse',
      { resources: { ...resources, limits: { cpu: '1', memory: '1 GB' } } },
      /resources\.limits\.memory: '1 GB' is not a valid quantity/,
    ],
    [
      'a CPU quantity that does not parse',
      { resources: { ...resources, requests: { cpu: 'half', memory: '1Mi' } } },
      /resources\.requests\.cpu: 'half' is not a valid quantity/,
    ],
    [
      'limits below requests',
      { resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } } },
      /resources\.limits\.cpu: 1 is below the request 2/,
    ],
    ['no readiness probe', { readiness: undefined }, /readiness: a web service must have a readiness probe/],
    ['no port', { ports: [] }, /ports: a web service must declare at least one port/],
    [
      'a port name that is not an IANA name',
      { ports: [{ name: 'HTTP_PORT', port: 80 }] },
      /ports\[0\]\.name: 'HTTP_PORT' must be an IANA service name/,
    ],
    [
      'a missing secret key',
      { env: { T: fromSecret(ExistingSecret.named('s', ['a']), 'b') } },
      /env\.T: key 'b' is not produced by existing Secret 's' \(it has: a\)/,
    ],
    [
      'a $(VAR) reference to a later or unknown variable',
      { env: { URL: 'redis://:$(PASS)@r:6379', PASS: 'x' } },
      /env\.URL: refers to \$\(PASS\), which must be defined before it/,
    ],
    ['a config key that is not an env name', { config: { 'log.level': 'x' } }, /config\.log\.level: 'log\.level' is read as an environment variable/],
    ['a drain given as a number', { drain: 5 }, /drain: must be a Duration such as Duration\.seconds\(5\) \(is number 5\)/],
    [
      'a shutdown grace of less than a second',
      { shutdownGrace: Duration.millis(500) },
      /shutdownGrace: 500 millis is not a whole number of seconds$/,
    ],
    ['a shutdown grace of zero', { shutdownGrace: Duration.seconds(0) }, /shutdownGrace: 0s is shorter than the minimum of 1s$/],
    [
      'a probe period given as a string',
      { readiness: Probe.http('/r', { period: '10s' as never }) },
      /readiness\.period: '10s' is a string: give a Duration, Duration\.seconds\(10\)/,
    ],
    [
      'a probe timeout that is not whole seconds',
      { liveness: Probe.tcp({ timeout: Duration.millis(1500) }) },
      /liveness\.timeout: 1 second 500 millis is not a whole number of seconds$/,
    ],
    [
      'a probe failure threshold of 0',
      { liveness: Probe.tcp({ failureThreshold: 0 }) },
      /liveness\.failureThreshold: number 0 must be a whole number of at least 1/,
    ],
    [
      'a probe that is no Probe',
      { readiness: { path: '/r' } },
      /readiness: must be Probe\.http\(\.\.\.\), Probe\.tcp\(\.\.\.\) or Probe\.exec\(\.\.\.\) \(is an object\)/,
    ],
  ])('%s', (_name, props, expected) => {
    expect(errors(props)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  test.each([
    [{ drain: 5 }, 'web-service.drain'],
    [{ shutdownGrace: Duration.seconds(0) }, 'web-service.shutdown-grace'],
    [{ readiness: Probe.http('/r', { period: '10s' as never }) }, 'probe.period'],
    [{ liveness: Probe.tcp({ timeout: Duration.millis(1500) }) }, 'probe.timeout'],
    [{ liveness: Probe.tcp({ initialDelay: -1 as never }) }, 'probe.initial-delay'],
    [{ liveness: Probe.tcp({ failureThreshold: 0 }) }, 'probe.failure-threshold'],
    [{ readiness: { path: '/r' } }, 'container.probe.not-a-probe'],
  ])('%o is refused once, with its id', (props, id) => {
    const { app, chart } = testChart();
    new WebService(chart, 'api', { ...base, ...props } as any);
    expect(errorIdsOf(app)).toEqual([`[test-prod/api] ${id}`]);
  });

  test('all errors are reported together', () => {
    expect(errors({ image: 'registry.stackworks.io/x:latest', resources: undefined, runAs: { user: 0 } })).toHaveLength(3);
  });

  test('a valid service has no errors', () => {
    expect(errors({})).toEqual([]);
  });
});
