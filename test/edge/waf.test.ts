import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { App } from 'cdk8s';
import { ArgoCdApplications, EdgePolicy, EdgeWaf, PublicEndpoint, synthesize, SystemChart } from '../../lib';
import { platformRequirements } from '../../lib/core/platform-requirements';
import { ValidationReport } from '../../lib/core/validation';
import { checkEdgePolicy, nginxPolicyAnnotations } from '../../lib/edge/edge-policy';
import { modsecuritySnippet, wafConflicts } from '../../lib/edge/modsecurity';
import { planPlatform } from '../../lib/gitops/platform-components';
import { completeModel } from '../../lib/pipeline/synth';
import { buildRepositoryApp } from '../../charts/app';
import { errorsOf, objectOf, objectsOf, testChart, testEnv, UNUSED_OUTDIR } from '../support/synth';
import { edgeEnv, ENVOY_EDGE, webService } from './support';

const ENABLE = 'nginx.ingress.kubernetes.io/enable-modsecurity';

function problems(policy: unknown, target: Parameters<typeof checkEdgePolicy>[2] = { controller: 'nginx' }): readonly string[] {
  const report = new ValidationReport();
  checkEdgePolicy(report, policy as EdgePolicy, target);
  return report.errors;
}

/** A system with one endpoint on ingress-nginx, and what the platform layer makes of its requirements. */
function system(waf: EdgeWaf | undefined, env = testEnv('prod')) {
  const { app, chart } = testChart(env, 'chat');
  new PublicEndpoint(chart, 'public', { host: 'api.chat.example.com', backend: webService(chart, 'api'), policy: waf ? { waf } : {}, tls: false });
  return { app, chart };
}
function nginxValues(app: ReturnType<typeof testChart>['app'], env = testEnv('prod')) {
  const plan = planPlatform(env.platform, platformRequirements(app), env.name);
  return { plan, values: plan.components.find((c) => c.component === 'ingress-nginx')?.values as Record<string, any> };
}

describe('the Ingress annotation', () => {
  test('on for a policy with a WAF, absent from the policy annotations otherwise', () => {
    expect(nginxPolicyAnnotations({ waf: { mode: 'detect' } }, false)).toEqual({ [ENABLE]: 'true' });
    expect(nginxPolicyAnnotations({}, false)).toEqual({});
  });

  test('an endpoint with a WAF turns ModSecurity on for its Ingress; one without turns it off', () => {
    const { app, chart } = system({ mode: 'block' });
    new PublicEndpoint(chart, 'plain', { host: 'www.chat.example.com', backend: webService(chart, 'web'), tls: false });
    expect(errorsOf(app)).toEqual([]);
    expect(objectOf(app, 'Ingress', 'public').metadata.annotations[ENABLE]).toBe('true');
    expect(objectOf(app, 'Ingress', 'plain').metadata.annotations[ENABLE]).toBe('false');
  });

  test("a preinstalled controller's own ModSecurity setting stands: no opt-out", () => {
    const env = testEnv('prod', { platform: { preinstalled: ['ingress-nginx'] } });
    const { app, chart } = testChart(env, 'chat');
    new PublicEndpoint(chart, 'plain', { host: 'www.chat.example.com', backend: webService(chart, 'web'), tls: false });
    expect(objectOf(app, 'Ingress', 'plain').metadata.annotations[ENABLE]).toBeUndefined();
  });
});

describe('the controller configuration', () => {
  test('block: ModSecurity and the Core Rule Set on, the engine On, thresholds and paranoia set before the rule set', () => {
    const { values } = nginxValues(system({ mode: 'block', paranoiaLevel: 2, inboundAnomalyThreshold: 10 }).app);
    const config = values.controller.config;
    expect(config['enable-modsecurity']).toBe('true');
    expect(config['enable-owasp-modsecurity-crs']).toBe('true');
    const lines = config['modsecurity-snippet'].split('\n');
    // The shipped recommended configuration first, then what must differ from it.
    expect(lines.indexOf('Include /etc/nginx/modsecurity/modsecurity.conf')).toBeLessThan(lines.indexOf('SecRuleEngine On'));
    expect(lines).toEqual(
      expect.arrayContaining([
        'SecRuleEngine On',
        'SecAuditLog /dev/stdout',
        'SecAuditLogFormat JSON',
        'SecAuditLogType Serial',
        'SecAuditLogParts AHZ',
        // Not the recommended 128 KiB for bodies without files: the endpoint's maxBodySize decides.
        'SecRequestBodyNoFilesLimit 13107200',
        'SecAction "id:900000,phase:1,pass,t:none,nolog,setvar:tx.blocking_paranoia_level=2"',
        'SecAction "id:900110,phase:1,pass,t:none,nolog,setvar:tx.inbound_anomaly_score_threshold=10,setvar:tx.outbound_anomaly_score_threshold=4"',
      ]),
    );
    // nginx.tmpl wraps the snippet in modsecurity_rules '...'.
    expect(config['modsecurity-snippet']).not.toContain("'");
  });

  test("detect: DetectionOnly, the Core Rule Set's own paranoia and thresholds", () => {
    const snippet = modsecuritySnippet({ mode: 'detect' });
    expect(snippet).toContain('SecRuleEngine DetectionOnly');
    expect(snippet).not.toContain('SecRuleEngine On');
    expect(snippet).toContain('setvar:tx.blocking_paranoia_level=1"');
    expect(snippet).toContain('setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4"');
  });

  test('no WAF, no ModSecurity in the controller configuration', () => {
    const config = nginxValues(system(undefined).app).values.controller.config;
    expect(Object.keys(config).filter((k) => k.includes('modsecurity'))).toEqual([]);
  });

  test('two endpoints of one environment asking for different settings are a conflict naming both', () => {
    const env = testEnv('prod');
    const { app, chart } = system({ mode: 'block' }, env);
    new PublicEndpoint(chart, 'other', {
      host: 'www.chat.example.com',
      backend: webService(chart, 'web'),
      policy: { waf: { mode: 'detect' } },
      tls: false,
    });
    expect(wafConflicts(platformRequirements(app))).toEqual([
      expect.objectContaining({
        id: 'platform.ingress-nginx-waf-conflict',
        field: 'policy.waf',
        message: expect.stringMatching(/chat-prod\/public, chat-prod\/other.*SecRuleEngine DetectionOnly \| SecRuleEngine On/),
      }),
    ]);
  });

  test('across systems, the conflict fails synthesis on the first endpoint that asks', () => {
    const env = testEnv('prod');
    const app = new App({ outdir: UNUSED_OUTDIR });
    for (const [system, mode] of [
      ['chat', 'block'],
      ['shop', 'detect'],
    ] as const) {
      const chart = new SystemChart(app, { system, environment: env });
      new PublicEndpoint(chart, 'public', {
        host: `api.${system}.example.com`,
        backend: webService(chart, 'api'),
        policy: { waf: { mode } },
        tls: false,
      });
    }
    new ArgoCdApplications(app, { environment: env, systems: ['chat', 'shop'] });
    expect(errorsOf(app)).toEqual([
      expect.stringMatching(
        /^\[chat-prod\/public\] policy\.waf: the endpoints served by ingress-nginx in this environment \(chat-prod\/public, shop-prod\/public\)/,
      ),
    ]);
  });

  test('the same settings from two endpoints are one configuration', () => {
    const env = testEnv('prod');
    const { app, chart } = system({ mode: 'block' }, env);
    new PublicEndpoint(chart, 'other', {
      host: 'www.chat.example.com',
      backend: webService(chart, 'web'),
      policy: { waf: { mode: 'block', paranoiaLevel: 1 } },
      tls: false,
    });
    expect(wafConflicts(platformRequirements(app))).toEqual([]);
    expect(nginxValues(app, env).plan.issues).toEqual([]);
  });
});

describe('the alert on refusals', () => {
  const alertOf = (waf: EdgeWaf, env = testEnv('prod')) => {
    const { app } = system(waf, env);
    const configMaps = objectsOf(app, 'ConfigMap').filter((o) => o.metadata.name === 'public-waf-alerts');
    return configMaps.length === 0 ? undefined : parse(Object.values(configMaps[0].data as Record<string, string>)[0]).groups[0].rules[0];
  };

  test("block: a Loki rule over the controller's refusals for the endpoint's host, labelled for routing", () => {
    const rule = alertOf({ mode: 'block', alertRefusalsPerMinute: 30 });
    expect(rule.alert).toBe('WafRefusalsHigh');
    expect(rule.expr).toBe(
      'sum(count_over_time({namespace="ingress-nginx"} |= "ModSecurity: Access denied" |~ "server: (api\\\\.chat\\\\.example\\\\.com)," [5m])) / 5 > 30',
    );
    expect(rule.labels).toEqual({ severity: 'warning', system: 'chat', environment: 'prod', namespace: 'chat-prod' });
  });

  test('none in detect mode (nothing is refused), when turned off, or without central logs', () => {
    expect(alertOf({ mode: 'detect' })).toBeUndefined();
    expect(alertOf({ mode: 'block', alertRefusalsPerMinute: false })).toBeUndefined();
    expect(alertOf({ mode: 'block' }, testEnv('prod', { platform: { logs: { enabled: false } } }))).toBeUndefined();
  });
});

describe('validation', () => {
  test('bad settings are reported on their field', () => {
    expect(
      problems({ waf: { mode: 'deny', paranoiaLevel: 5, inboundAnomalyThreshold: 0, outboundAnomalyThreshold: 2.5, alertRefusalsPerMinute: -1 } }),
    ).toEqual([
      "policy.waf.mode: 'deny' must be 'detect' (log findings) or 'block' (refuse with 403)",
      "policy.waf.paranoiaLevel: 5 must be a whole number from 1 to 4 (the Core Rule Set's paranoia levels)",
      "policy.waf.inboundAnomalyThreshold: 0 must be a whole anomaly score of at least 1 (the Core Rule Set's default: 5)",
      "policy.waf.outboundAnomalyThreshold: 2.5 must be a whole anomaly score of at least 1 (the Core Rule Set's default: 4)",
      'policy.waf.alertRefusalsPerMinute: -1 must be a number of refusals a minute greater than 0, or false for no alert (default 10)',
    ]);
    expect(problems({ waf: { mode: 'block' }, maxBodySize: '20Mi' })).toEqual([
      "policy.maxBodySize: '20Mi' is more than ModSecurity reads (SecRequestBodyLimit, 13107200 bytes): in block mode it refuses larger bodies with 403; use at most 12.5Mi, or detect",
    ]);
    expect(problems({ waf: { mode: 'detect' }, maxBodySize: '20Mi' })).toEqual([]);
    expect(problems({ waf: { mode: 'block' }, maxBodySize: '12Mi' })).toEqual([]);
    expect(problems({ waf: true })).toEqual([expect.stringMatching(/^policy\.waf: must be an object such as \{ mode: 'detect' \}/)]);
    expect(problems({ waf: { mode: 'block', paranoiaLevel: 4, alertRefusalsPerMinute: false } })).toEqual([]);
  });

  test('Traefik and Envoy Gateway offer no WAF the library can render: refused with the reason', () => {
    expect(problems({ waf: { mode: 'block' } }, { controller: 'traefik' })).toEqual([
      expect.stringMatching(/^policy\.waf: Traefik's Ingress provider has no web application firewall of its own/),
    ]);
    expect(problems({ waf: { mode: 'block' } }, { controller: 'gateway', implementation: 'envoy-gateway' })).toEqual([
      expect.stringMatching(/^policy\.waf: Envoy Gateway has no web application firewall of its own: .*EnvoyExtensionPolicy spec\.wasm/),
    ]);
  });

  test('an endpoint on Envoy Gateway asking for a WAF fails synthesis with its path and field', () => {
    const { app, chart } = testChart(edgeEnv('staging', ENVOY_EDGE), 'chat');
    new PublicEndpoint(chart, 'public', {
      host: 'api.chat.example.com',
      backend: webService(chart, 'api'),
      policy: { waf: { mode: 'detect' } },
      tls: false,
    });
    expect(errorsOf(app)).toEqual([expect.stringMatching(/^\[chat-staging\/public\] policy\.waf: Envoy Gateway has no web application firewall/)]);
  });

  test('a gRPC route cannot have a WAF (the connector reads whole request bodies)', () => {
    const { app, chart } = testChart(testEnv('prod'), 'chat');
    const rpc = webService(chart, 'rpc', 9090, [{ name: 'grpc', port: 9090 }]);
    new PublicEndpoint(chart, 'public', {
      hosts: [{ host: 'rpc.chat.example.com', routes: [{ backend: rpc, protocol: 'grpc', policy: { waf: { mode: 'block' } } }] }],
      tls: false,
    });
    expect(errorsOf(app)).toEqual(expect.arrayContaining([expect.stringMatching(/routes\[0\]\.policy\.waf: ModSecurity's nginx connector reads/)]));
  });
});

describe('the repository: ChatNomina', () => {
  const synth = (env: 'dev' | 'staging' | 'prod') =>
    synthesize(buildRepositoryApp({ envs: [env], outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true });
  const results = { staging: synth('staging'), prod: synth('prod') };
  const ingress = (env: 'staging' | 'prod', system: string) =>
    results[env].objects.find((o) => o.folder === `${env}/${system}` && o.object.kind === 'Ingress' && o.object.metadata.name === 'public')!.object;
  const snippet = (env: 'staging' | 'prod') =>
    results[env].objects.find((o) => o.folder === `${env}/platform` && o.object.metadata.name === `ingress-nginx-${env}`)!.object.spec.source.helm
      .valuesObject.controller.config['modsecurity-snippet'] as string;

  test('blocks in prod and detects in staging; the other systems on ingress-nginx opt out', () => {
    expect(ingress('prod', 'chatnomina').metadata.annotations[ENABLE]).toBe('true');
    expect(ingress('staging', 'chatnomina').metadata.annotations[ENABLE]).toBe('true');
    expect(snippet('prod')).toContain('SecRuleEngine On\n');
    expect(snippet('staging')).toContain('SecRuleEngine DetectionOnly\n');
    expect(ingress('prod', 'loopi').metadata.annotations[ENABLE]).toBe('false');
    // The refusal of the metrics path is refused to everyone anyway: no WAF before it.
    const refusal = results.prod.objects.find((o) => o.folder === 'prod/chatnomina' && o.object.metadata.name === 'public-private-metrics')!.object;
    expect(refusal.metadata.annotations[ENABLE]).toBe('false');
    expect(results.prod.objects.some((o) => o.folder === 'prod/chatnomina' && o.object.metadata.name === 'public-waf-alerts')).toBe(true);
  });

  test("the systems of prod ask ingress-nginx for one WAF configuration; ChatNomina's README shows it and the alert", () => {
    const model = buildRepositoryApp({ envs: ['prod'], outdir: UNUSED_OUTDIR });
    completeModel(model);
    expect(wafConflicts(platformRequirements(model))).toEqual([]);
    const readme = fs.readFileSync(path.join('dist', 'prod', 'chatnomina', 'README.md'), 'utf8');
    // The snippet as a code block under its item, for a cluster whose controller is preinstalled.
    expect(readme).toContain('- ingress-nginx `modsecurity-snippet`:\n\n  ```\n  # cdk8s-stacks: written from the endpoints policy.waf');
    expect(readme).toMatch(/\| WafRefusalsHigh \| warning \| /);
    expect(readme).toContain("`LogErrorBurst`, `WafRefusalsHigh` are evaluated by Loki's ruler");
  });
});
