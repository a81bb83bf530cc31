import { App, Duration } from 'cdk8s';
import {
  AlertingProfile,
  Environment,
  PlatformPrometheusChart,
  Probe,
  SynthesisError,
  synthesize,
  SystemAlertRoutes,
  SystemAlerts,
  SystemChart,
  WebService,
} from '../../lib';
import { renderAlertmanagerConfig } from '../../lib/observability/alert-routing';
import { testStrictSchemaValidation } from '../support/construct-tests';
import { testEnv, UNUSED_OUTDIR } from '../support/synth';

type Json = Record<string, any>;

const PROFILE: AlertingProfile = {
  receivers: [
    { name: 'pager', pagerduty: { routingKey: { key: 'alertmanager/prod/receivers', property: 'pd' } } },
    { name: 'chat', slack: { channel: '#alerts', apiUrl: { key: 'alertmanager/prod/receivers', property: 'slack' } } },
    {
      name: 'mail',
      email: {
        to: 'ops@acme-corp.io',
        from: 'am@acme-corp.io',
        smarthost: 'smtp.acme-corp.io:587',
        authUsername: 'am',
        authPassword: { key: 'am/smtp' },
      },
      sendResolved: false,
    },
    { name: 'hook', webhook: { url: 'https://hooks.acme-corp.io/alerts' } },
  ],
  routes: [
    { receiver: 'pager', severities: ['critical'], continue: true },
    { receiver: 'mail', systems: ['shop', 'blog'], severities: ['warning'] },
    { receiver: 'hook', systems: ['shop'], repeatInterval: Duration.hours(1) },
  ],
  defaultReceiver: 'chat',
};

function env(name: 'dev' | 'staging' | 'prod', alerting: unknown = PROFILE, extra: Json = {}): Environment {
  return testEnv(name, { platform: { alerting: alerting as AlertingProfile, ...extra } });
}

/** The environment without any alerting profile. */
const bare = (name: 'dev' | 'prod') => testEnv(name, { platform: { alerting: undefined } });

function synth(e: Environment, build?: (chart: SystemChart) => void, alertmanager?: Json): Json[] {
  const app = new App({ outdir: UNUSED_OUTDIR });
  new PlatformPrometheusChart(app, { environment: e, alertmanager: alertmanager as never });
  // The environment's profile is checked by the system charts (as in the repository).
  const chart = new SystemChart(app, { system: 'shop', environment: e });
  if (build) build(chart);
  return synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.map((o) => ({ ...o.object, folder: o.folder }));
}

function errors(e: Environment, build?: (chart: SystemChart) => void, alertmanager?: Json): string[] {
  try {
    synth(e, build, alertmanager);
    return [];
  } catch (err) {
    if (err instanceof SynthesisError) return err.issues.map((i) => `[${i.path}] ${i.message}`);
    throw err;
  }
}

const find = (objects: Json[], kind: string, name?: string) => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found).toHaveLength(1);
  return found[0];
};

function api(chart: SystemChart): WebService {
  const w = new WebService(chart, 'api', {
    image: 'registry.stackworks.io/org/api:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    readiness: Probe.http('/ready'),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  });
  w.exposeMetrics({ port: 'http' });
  return w;
}

describe('the platform Alertmanager in prod', () => {
  const objects = synth(env('prod'));
  const am = find(objects, 'Alertmanager');
  const config = find(objects, 'AlertmanagerConfig');

  test('runs 3 replicas behind a PodDisruptionBudget that selects its pods by the operator labels', () => {
    expect(am.metadata.namespace).toBe('monitoring');
    expect(am.spec.replicas).toBe(3);
    expect(am.spec.image).toBe(`quay.io/prometheus/alertmanager:${am.spec.version}`);
    const pdb = find(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: 'alertmanager' } },
    });
    expect(am.spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('1Gi');
  });

  test('its base configuration is the profile AlertmanagerConfig, which its selector does not also take; system ones are confined to their namespace', () => {
    expect(am.spec.alertmanagerConfiguration).toEqual({ name: config.metadata.name });
    expect(config.metadata.namespace).toBe(am.metadata.namespace);
    expect(am.spec.alertmanagerConfigSelector).toEqual({ matchLabels: { release: 'prometheus' } });
    expect(config.metadata.labels.release).toBeUndefined();
    expect(am.spec.alertmanagerConfigNamespaceSelector).toEqual({});
    expect(am.spec.alertmanagerConfigMatcherStrategy).toEqual({ type: 'OnNamespace' });
  });

  test('receivers read their credentials from an ExternalSecret of the secret store; no value is written', () => {
    const byName = Object.fromEntries(config.spec.receivers.map((r: Json) => [r.name, r]));
    expect(byName.pager.pagerdutyConfigs).toEqual([{ routingKey: { name: 'alertmanager-receivers', key: 'pager-routingkey' }, sendResolved: true }]);
    expect(byName.chat.slackConfigs).toEqual([
      { apiURL: { name: 'alertmanager-receivers', key: 'chat-apiurl' }, channel: '#alerts', sendResolved: true },
    ]);
    expect(byName.mail.emailConfigs[0]).toMatchObject({
      authPassword: { name: 'alertmanager-receivers', key: 'mail-authpassword' },
      authUsername: 'am',
      requireTLS: true,
      sendResolved: false,
    });
    expect(byName.hook.webhookConfigs).toEqual([{ url: 'https://hooks.acme-corp.io/alerts', sendResolved: true }]);
    const secret = find(objects, 'ExternalSecret', 'alertmanager-receivers');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'secret-store' });
    expect(secret.spec.data).toEqual([
      { secretKey: 'chat-apiurl', remoteRef: { key: 'alertmanager/prod/receivers', property: 'slack' } },
      { secretKey: 'mail-authpassword', remoteRef: { key: 'am/smtp' } },
      { secretKey: 'pager-routingkey', remoteRef: { key: 'alertmanager/prod/receivers', property: 'pd' } },
    ]);
    // The store authenticates with a role of its own, as the systems' stores do.
    expect(find(objects, 'SecretStore').spec.provider.vault.auth.kubernetes.role).toBe('alertmanager-prod');
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  test('routes by severity and by system in order, then a catch-all to the default receiver', () => {
    expect(config.spec.route).toEqual({
      receiver: 'chat',
      groupBy: ['alertname', 'system', 'environment'],
      groupWait: '30s',
      groupInterval: '5m',
      repeatInterval: '4h',
      routes: [
        { receiver: 'pager', matchers: [{ name: 'severity', value: 'critical', matchType: '=' }], continue: true },
        {
          receiver: 'mail',
          matchers: [
            { name: 'severity', value: 'warning', matchType: '=' },
            { name: 'system', value: 'shop|blog', matchType: '=~' },
          ],
        },
        { receiver: 'hook', matchers: [{ name: 'system', value: 'shop', matchType: '=' }], repeatInterval: '1h' },
        { receiver: 'chat' },
      ],
    });
  });

  test("a system's SystemDown inhibits the system's other alerts, in the same environment only", () => {
    expect(config.spec.inhibitRules).toEqual([
      {
        sourceMatch: [{ name: 'alertname', value: 'SystemDown', matchType: '=' }],
        targetMatch: [{ name: 'alertname', value: 'SystemDown', matchType: '!=' }],
        equal: ['system', 'environment'],
      },
    ]);
  });

  test('the Prometheus sends to it through the Service the operator makes', () => {
    expect(find(objects, 'Prometheus').spec.alerting).toEqual({
      alertmanagers: [{ namespace: 'monitoring', name: 'alertmanager-operated', port: 'web', apiVersion: 'v2' }],
    });
  });
});

describe('replicas per environment', () => {
  test.each([
    ['dev', 1, false],
    ['staging', 2, true],
    ['prod', 3, true],
  ] as const)('%s: %d replica(s), PodDisruptionBudget %s', (name, replicas, pdb) => {
    const profile =
      name === 'prod' ? PROFILE : { receivers: [{ name: 'hook', webhook: { url: 'http://hook.acme-corp.io:8080/' } }], defaultReceiver: 'hook' };
    const objects = synth(env(name, profile));
    expect(find(objects, 'Alertmanager').spec.replicas).toBe(replicas);
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(pdb);
  });

  test('dev without a profile: one receiver that delivers nowhere, no secret store', () => {
    const objects = synth(bare('dev'));
    const config = find(objects, 'AlertmanagerConfig');
    expect(config.spec.receivers).toEqual([{ name: 'null' }]);
    expect(config.spec.route.receiver).toBe('null');
    expect(objects.some((o) => o.kind === 'ExternalSecret' || o.kind === 'SecretStore')).toBe(false);
  });
});

describe('SystemAlertRoutes', () => {
  const build = (chart: SystemChart) => {
    api(chart);
    new SystemAlerts(chart, 'alerts');
    new SystemAlertRoutes(chart, 'alert-routes', {
      receivers: [{ name: 'team', slack: { channel: '#shop', apiUrl: { key: 'shop/prod/alerting', property: 'slack' } } }],
      routes: [{ receiver: 'team', severities: ['critical', 'warning'], alerts: ['SystemDown'] }],
    });
  };
  const objects = synth(env('prod'), build);
  const own = objects.find((o) => o.kind === 'AlertmanagerConfig' && o.metadata.namespace === 'shop-prod')!;

  test('an AlertmanagerConfig in the system namespace, with the labels the Alertmanager selects', () => {
    expect(own.metadata.labels).toMatchObject(find(objects, 'Alertmanager').spec.alertmanagerConfigSelector.matchLabels);
    expect(own.spec.route).toEqual({
      receiver: 'none',
      routes: [
        {
          receiver: 'team',
          matchers: [
            { name: 'severity', value: 'critical|warning', matchType: '=~' },
            { name: 'alertname', value: 'SystemDown', matchType: '=' },
          ],
        },
      ],
    });
    const secret = objects.find(
      (o) => o.kind === 'ExternalSecret' && o.metadata.namespace === 'shop-prod' && o.metadata.name === 'alert-routes-receivers',
    )!;
    expect(secret.spec.data).toEqual([{ secretKey: 'team-apiurl', remoteRef: { key: 'shop/prod/alerting', property: 'slack' } }]);
    expect(secret.spec.secretStoreRef.name).toBe('secret-store');
  });

  test('in the generated configuration, its route comes first, only for its namespace, and lets alerts go on', () => {
    const base = find(objects, 'AlertmanagerConfig', 'alertmanager');
    const config = renderAlertmanagerConfig(
      { namespace: base.metadata.namespace, name: base.metadata.name, spec: base.spec },
      [{ namespace: own.metadata.namespace, name: own.metadata.name, spec: own.spec }],
      (ns, name, key) => `https://secret/${ns}/${name}/${key}`,
    );
    expect(config.route.routes[0]).toEqual({
      receiver: 'shop-prod/alert-routes/none',
      continue: true,
      matchers: ['namespace="shop-prod"'],
      routes: [{ receiver: 'shop-prod/alert-routes/team', matchers: ['severity=~"critical|warning"', 'alertname="SystemDown"'] }],
    });
    expect(config.route.routes[1]).toEqual({ receiver: 'monitoring/alertmanager/pager', matchers: ['severity="critical"'], continue: true });
    expect(config.receivers.find((r: Json) => r.name === 'shop-prod/alert-routes/team').slack_configs).toEqual([
      { send_resolved: true, api_url: 'https://secret/shop-prod/alert-routes-receivers/team-apiurl', channel: '#shop' },
    ]);
    expect(config.inhibit_rules).toEqual([
      { source_matchers: ['alertname="SystemDown"'], target_matchers: ['alertname!="SystemDown"'], equal: ['system', 'environment'] },
    ]);
  });

  test('SystemDown: no pod of any web service of the system answers (or none exists)', () => {
    const rule = find(objects, 'PrometheusRule');
    const down = rule.spec.groups.flatMap((g: Json) => g.rules).find((r: Json) => r.alert === 'SystemDown');
    expect(down.expr).toBe('(sum by (namespace) (up{namespace="shop-prod",job=~"api"}) == 0) or absent(up{namespace="shop-prod",job=~"api"})');
    expect(down.labels).toEqual({ severity: 'critical', system: 'shop', environment: 'prod' });
  });
});

testStrictSchemaValidation(() =>
  synth(env('prod'), (chart) => {
    new SystemAlertRoutes(chart, 'alert-routes', {
      receivers: [{ name: 'team', email: { to: 'shop@acme-corp.io', from: 'am@acme-corp.io', smarthost: 'smtp.acme-corp.io:25' } }],
      routes: [{ receiver: 'team' }],
    });
  })
    .filter((o) => o.kind.startsWith('Alertmanager') || o.kind === 'Prometheus' || o.kind === 'PodDisruptionBudget' || o.kind === 'ExternalSecret')
    .map(({ folder, ...o }) => (void folder, o)),
);

describe('bad input is refused with the field and what is allowed', () => {
  const profileErrors = (name: 'dev' | 'prod', alerting: unknown, extra: Json = {}) => errors(env(name, alerting, extra));

  test('prod needs a profile with a real default receiver', () => {
    expect(errors(bare('prod'))).toContain(
      '[shop-prod] environment.platform.alerting: is required in prod: receivers and a defaultReceiver, or every alert would be dropped by the Alertmanager',
    );
    expect(profileErrors('prod', { receivers: PROFILE.receivers })).toEqual([
      '[shop-prod] environment.platform.alerting.defaultReceiver: is required in prod: alerts no route takes would be dropped',
    ]);
    expect(profileErrors('prod', { defaultReceiver: 'null' })).toEqual([
      "[shop-prod] environment.platform.alerting.defaultReceiver: 'null' delivers nowhere; prod needs a real receiver",
    ]);
  });

  test('every receiver and route problem at once, each with its field', () => {
    const got = profileErrors('prod', {
      receivers: [
        { name: 'two', slack: { channel: '#a', apiUrl: { key: 'k' } }, webhook: { url: 'https://h.acme-corp.io' } },
        { name: 'Bad_Name', pagerduty: { routingKey: { key: '' } } },
        { name: 'mail', email: { to: 'nobody', from: 'am@acme-corp.io', smarthost: 'smtp.acme-corp.io', authUsername: 'u' } },
        { name: 'hook', webhook: {} },
      ],
      routes: [
        { receiver: 'ghost' },
        { receiver: 'hook', severities: ['page'], groupBy: 1 },
        { receiver: 'hook', repeatInterval: Duration.seconds(0) },
      ],
      defaultReceiver: 'hook',
      groupWait: 'soon',
    });
    const p = '[shop-prod] environment.platform.alerting';
    expect(got).toEqual(
      expect.arrayContaining([
        `${p}.receivers[0]: must set exactly one of slack, email, pagerduty, webhook (sets slack, webhook)`,
        `${p}.receivers[1].name: 'Bad_Name' must be lowercase letters, digits and '-' (at most 63), and not 'null'`,
        `${p}.receivers[1].pagerduty.routingKey.key: must name the secret in the store (e.g. alertmanager/prod/slack)`,
        `${p}.receivers[2].email.to: 'nobody' must be an e-mail address`,
        `${p}.receivers[2].email.smarthost: 'smtp.acme-corp.io' must be the SMTP relay as host:port, e.g. smtp.acme-corp.io:587`,
        `${p}.receivers[2].email: authUsername and authPassword go together (both or neither)`,
        `${p}.receivers[3].webhook: must set exactly one of url and urlSecret`,
        `${p}.routes[0].receiver: 'ghost' is not a receiver (receivers: two, mail, hook)`,
        `${p}.routes[2].repeatInterval: 0 seconds is not a whole number of seconds, at least one`,
        `${p}.groupWait: 'soon' is a string: give a Duration, e.g. Duration.hours(4)`,
        `[platform-prometheus-prod/alertmanager] environment.platform.alerting.routes[1].severities: 'page' matches no alert: in prod alerts carry severity critical or warning (monitoring.severities)`,
      ]),
    );
    // Each problem once.
    expect(new Set(got).size).toBe(got.length);
  });

  test('a credential where secrets are generated (dev) is refused: it must come from a store', () => {
    expect(
      profileErrors('dev', { receivers: [{ name: 'chat', slack: { channel: '#dev', apiUrl: { key: 'dev/slack' } } }], defaultReceiver: 'chat' }),
    ).toEqual([
      "[shop-dev] environment.platform.alerting.receivers[0].slack.apiUrl: dev generates its secrets in the cluster (platform.secrets.kind 'generated'); a receiver's credential must come from a secret store (vault or aws-secrets-manager)",
    ]);
  });

  test('a placeholder host in prod is refused', () => {
    const got = profileErrors('prod', {
      receivers: [{ name: 'hook', webhook: { url: 'https://hooks.example.com/x' } }],
      defaultReceiver: 'hook',
    });
    expect(got).toEqual([
      "[shop-prod] environment.platform.alerting.receivers[0].webhook.url: 'https://hooks.example.com/x' is a reserved example domain, a placeholder; prod needs the real value",
    ]);
  });

  test('prod Alertmanager with one replica is refused', () => {
    expect(errors(env('prod'), undefined, { replicas: 1 })).toEqual([
      '[platform-prometheus-prod/alertmanager] replicas: 1 leaves prod without alert delivery during a rollout or node loss; use at least 2 (3 by default)',
    ]);
  });

  test('SystemAlertRoutes: unknown receiver, severity the environment never sets, no routes', () => {
    const got = errors(env('prod'), (chart) => {
      new SystemAlertRoutes(chart, 'r1', {
        receivers: [{ name: 'team', webhook: { url: 'https://h.acme-corp.io/' } }],
        routes: [{ receiver: 'other', severities: ['info'] }],
      });
      new SystemAlertRoutes(chart, 'r2', { receivers: [{ name: 'team', webhook: { url: 'https://h.acme-corp.io/' } }], routes: [] });
    });
    expect(got).toEqual([
      "[shop-prod/r1] routes[0].receiver: 'other' is not one of the receivers (team)",
      "[shop-prod/r1] routes[0].severities: 'info' matches no alert: in prod alerts carry severity critical or warning",
      '[shop-prod/r2] routes: must name at least one route (a receiver nothing routes to is never used)',
    ]);
  });
});
