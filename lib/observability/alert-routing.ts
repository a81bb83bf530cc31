/**
 * Alert routing as data: the profile's receivers and routes as the `spec` of an
 * AlertmanagerConfig (`monitoring.coreos.com/v1alpha1`), and those objects as the
 * Alertmanager configuration file prometheus-operator generates from them, so that `amtool`
 * and a real Alertmanager can check what the cluster will run.
 *
 * The translation follows prometheus-operator's (pkg/alertmanager/amcfg.go of the release the
 * cluster suite runs): receivers and routes of an object are named `<namespace>/<name>/<receiver>`;
 * the global object (the Alertmanager's `alertmanagerConfiguration`) keeps its routes as they are;
 * each selected system object's route gets a `namespace="<ns>"` matcher and `continue: true`, and
 * is placed before the global routes, so a system adds receivers without taking alerts away.
 */
import { AlertReceiver, AlertRoute, NULL_RECEIVER, ResolvedAlerting, receiverCredentials } from '../core/alerting-profile';
import type { Json } from '../core/json';

/** The alert that says a whole system is down; it silences the system's other alerts. */
export const SYSTEM_DOWN_ALERT = 'SystemDown';

/** An AlertmanagerConfig as the operator reads it. */
export interface AlertmanagerConfigObject {
  readonly namespace: string;
  readonly name: string;
  readonly spec: Json;
}

/** A matcher of the CRD. */
interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly matchType: '=' | '!=' | '=~' | '!~';
}

/** One receiver of the CRD, its credentials read from Secret `secretName`. */
export function receiverSpec(r: AlertReceiver, secretName: string): Json {
  const send = r.sendResolved ?? true;
  const ref = (field: string) => {
    const c = receiverCredentials(r).find((x) => x.field === field);
    return c ? { name: secretName, key: c.secretKey } : undefined;
  };
  if (r.slack) return { name: r.name, slackConfigs: [{ apiURL: ref('slack.apiUrl'), channel: r.slack.channel, sendResolved: send }] };
  if (r.email) {
    const e = r.email;
    return {
      name: r.name,
      emailConfigs: [
        {
          to: e.to,
          from: e.from,
          smarthost: e.smarthost,
          ...(e.authUsername !== undefined ? { authUsername: e.authUsername, authPassword: ref('email.authPassword') } : {}),
          requireTLS: e.requireTls ?? true,
          sendResolved: send,
        },
      ],
    };
  }
  if (r.pagerduty) return { name: r.name, pagerdutyConfigs: [{ routingKey: ref('pagerduty.routingKey'), sendResolved: send }] };
  const w = r.webhook;
  return {
    name: r.name,
    webhookConfigs: [{ ...(w?.url !== undefined ? { url: w.url } : { urlSecret: ref('webhook.urlSecret') }), sendResolved: send }],
  };
}

/** The matchers of a profile route: severity and system, each an anchored alternative. */
export function routeMatchers(route: Pick<AlertRoute, 'severities' | 'systems'>): Matcher[] {
  const matchers: Matcher[] = [];
  const add = (name: string, values: readonly string[] | undefined) => {
    if (values === undefined || values.length === 0) return;
    matchers.push(values.length === 1 ? { name, value: values[0], matchType: '=' } : { name, value: values.join('|'), matchType: '=~' });
  };
  add('severity', route.severities);
  add('system', route.systems);
  return matchers;
}

/**
 * The inhibition: while `SystemDown` fires for a system in an environment, that system's
 * other alerts (its symptoms: errors, latency, unavailable replicas) are not sent.
 */
export function systemDownInhibition(): Json {
  return {
    sourceMatch: [{ name: 'alertname', value: SYSTEM_DOWN_ALERT, matchType: '=' }],
    targetMatch: [{ name: 'alertname', value: SYSTEM_DOWN_ALERT, matchType: '!=' }],
    equal: ['system', 'environment'],
  };
}

/**
 * The platform's (global) AlertmanagerConfig spec from the profile; credentials from Secret
 * `secretName`. Its routes end with a catch-all to the default receiver: the operator puts each
 * system's route (`continue: true`) before them, and an alert that matched one of those never
 * falls back to the root's receiver, so without the catch-all a system's alert that no platform
 * route takes would be sent nowhere.
 */
export function platformAlertmanagerConfigSpec(a: ResolvedAlerting, secretName: string): Json {
  const receivers = [{ name: NULL_RECEIVER }, ...a.receivers.map((r) => receiverSpec(r, secretName))];
  const routes: Json[] = a.routes.map((r) => ({
    receiver: r.receiver,
    matchers: routeMatchers(r),
    ...(r.continue ? { continue: true } : {}),
    ...(r.repeatInterval !== undefined ? { repeatInterval: r.repeatInterval } : {}),
  }));
  return {
    route: {
      receiver: a.defaultReceiver,
      groupBy: [...a.groupBy],
      groupWait: a.groupWait,
      groupInterval: a.groupInterval,
      repeatInterval: a.repeatInterval,
      routes: [...routes, { receiver: a.defaultReceiver }],
    },
    receivers,
    inhibitRules: [systemDownInhibition()],
  };
}

/** Reads the value of key `key` of Secret `name` in `namespace` (the operator inlines it). */
export type SecretReader = (namespace: string, name: string, key: string) => string;

/**
 * The Alertmanager configuration file prometheus-operator generates from the global object and
 * the selected system objects (sorted by `<namespace>/<name>`, as the operator sorts them).
 */
export function renderAlertmanagerConfig(global: AlertmanagerConfigObject, systems: readonly AlertmanagerConfigObject[], secret: SecretReader): Json {
  const named = (o: AlertmanagerConfigObject, receiver: string) => `${o.namespace}/${o.name}/${receiver}`;
  const root = convertRoute(global, global.spec.route, named);
  const receivers: Json[] = (global.spec.receivers ?? []).map((r: Json) => convertReceiver(global, r, named, secret));
  const inhibitRules: Json[] = (global.spec.inhibitRules ?? []).map(convertInhibitRule);
  const subRoutes: Json[] = [];
  for (const o of [...systems].sort((x, y) => `${x.namespace}/${x.name}`.localeCompare(`${y.namespace}/${y.name}`))) {
    for (const rule of o.spec.inhibitRules ?? []) {
      const converted = convertInhibitRule(rule);
      // The operator confines a system's inhibitions to its namespace, on both sides.
      const ns = `namespace="${o.namespace}"`;
      inhibitRules.push({ ...converted, source_matchers: [...converted.source_matchers, ns], target_matchers: [...converted.target_matchers, ns] });
    }
    if (!o.spec.route) continue;
    const route = convertRoute(o, o.spec.route, named);
    subRoutes.push({ ...route, matchers: [...(route.matchers ?? []), `namespace="${o.namespace}"`], continue: true });
    for (const r of o.spec.receivers ?? []) receivers.push(convertReceiver(o, r, named, secret));
  }
  root.routes = [...subRoutes, ...(root.routes ?? [])];
  if (root.routes.length === 0) delete root.routes;
  return { route: root, receivers, inhibit_rules: inhibitRules };
}

function matcherString(m: Json): string {
  return `${m.name}${m.matchType ?? '='}${JSON.stringify(m.value ?? '')}`;
}

function convertRoute(o: AlertmanagerConfigObject, r: Json, named: (o: AlertmanagerConfigObject, receiver: string) => string): Json {
  const out: Json = {};
  if (r.receiver) out.receiver = named(o, r.receiver);
  if (r.groupBy?.length) out.group_by = [...r.groupBy];
  if (r.groupWait) out.group_wait = r.groupWait;
  if (r.groupInterval) out.group_interval = r.groupInterval;
  if (r.repeatInterval) out.repeat_interval = r.repeatInterval;
  if (r.matchers?.length) out.matchers = r.matchers.map(matcherString);
  if (r.continue) out.continue = true;
  if (r.routes?.length) out.routes = r.routes.map((child: Json) => convertRoute(o, child, named));
  return out;
}

function convertInhibitRule(rule: Json): Json {
  return {
    source_matchers: (rule.sourceMatch ?? []).map(matcherString),
    target_matchers: (rule.targetMatch ?? []).map(matcherString),
    ...(rule.equal?.length ? { equal: [...rule.equal] } : {}),
  };
}

function convertReceiver(
  o: AlertmanagerConfigObject,
  r: Json,
  named: (o: AlertmanagerConfigObject, receiver: string) => string,
  secret: SecretReader,
): Json {
  const read = (ref: Json | undefined) => (ref ? secret(o.namespace, ref.name, ref.key) : undefined);
  const out: Json = { name: named(o, r.name) };
  if (r.slackConfigs)
    out.slack_configs = r.slackConfigs.map((c: Json) => ({ send_resolved: c.sendResolved, api_url: read(c.apiURL), channel: c.channel }));
  if (r.emailConfigs)
    out.email_configs = r.emailConfigs.map((c: Json) => ({
      send_resolved: c.sendResolved,
      to: c.to,
      from: c.from,
      smarthost: c.smarthost,
      ...(c.authUsername !== undefined ? { auth_username: c.authUsername, auth_password: read(c.authPassword) } : {}),
      require_tls: c.requireTLS,
    }));
  if (r.pagerdutyConfigs)
    out.pagerduty_configs = r.pagerdutyConfigs.map((c: Json) => ({ send_resolved: c.sendResolved, routing_key: read(c.routingKey) }));
  if (r.webhookConfigs) out.webhook_configs = r.webhookConfigs.map((c: Json) => ({ send_resolved: c.sendResolved, url: c.url ?? read(c.urlSecret) }));
  return out;
}

/** One matcher string of a generated configuration (`name="v"`, `name=~"re"`, ...) applied to `labels`. */
function matches(matcher: string, labels: Readonly<Record<string, string>>): boolean {
  const m = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)(".*")$/.exec(matcher);
  if (!m) throw new Error(`unsupported matcher ${matcher}`);
  const value = labels[m[1]] ?? '';
  const wanted = JSON.parse(m[3]) as string;
  switch (m[2]) {
    case '=':
      return value === wanted;
    case '!=':
      return value !== wanted;
    case '=~':
      return new RegExp(`^(?:${wanted})$`).test(value);
    default:
      return !new RegExp(`^(?:${wanted})$`).test(value);
  }
}

/**
 * The receivers an alert with `labels` reaches in a generated configuration, as Alertmanager
 * routes it: depth first, the first matching child unless it says `continue`, the route's own
 * receiver when no child matches. For READMEs; the suites ask amtool.
 */
export function receiversOf(route: Json, labels: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  let matched = false;
  for (const child of (route.routes ?? []) as Json[]) {
    if (!((child.matchers ?? []) as string[]).every((m) => matches(m, labels))) continue;
    out.push(...receiversOf(child, labels));
    matched = true;
    if (!child.continue) break;
  }
  if (!matched) out.push(route.receiver);
  return [...new Set(out)];
}
