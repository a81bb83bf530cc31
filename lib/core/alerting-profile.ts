/**
 * Where alerts go: the receivers (Slack, e-mail, PagerDuty, a generic webhook) and the routes
 * of the environment's Alertmanager, as part of the cluster profile (`platform.alerting`).
 * Credentials are never values: each names a key of the environment's secret store, read by an
 * ExternalSecret into the Alertmanager's namespace.
 */
import type { ValidationReport } from './validation';
import { describeValue as describe } from './describe-value';
import { Duration, durationSeconds, prometheusDuration as spelled } from './duration';

/** A credential of a receiver: a key of the environment's secret store (Vault KV, AWS Secrets Manager). */
export interface AlertCredential {
  /** Key of the secret in the store, e.g. `alertmanager/prod/slack`. */
  readonly key: string;
  /** Property inside the secret (a Vault KV field, a JSON field). @default - the whole value */
  readonly property?: string;
}

/** A Slack incoming webhook. */
export interface SlackReceiver {
  /** Channel the message goes to, e.g. `#alerts-prod`. */
  readonly channel: string;
  /** The incoming-webhook URL (it embeds the token). */
  readonly apiUrl: AlertCredential;
}

/** E-mail through an SMTP relay. */
export interface EmailReceiver {
  /** Recipient address (a list is one address with commas, as Alertmanager takes it). */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** SMTP relay as `host:port`. */
  readonly smarthost: string;
  /** SMTP user. @default - no authentication */
  readonly authUsername?: string;
  /** SMTP password. @default - no authentication */
  readonly authPassword?: AlertCredential;
  /** Require STARTTLS. @default true */
  readonly requireTls?: boolean;
}

/** PagerDuty Events API v2. */
export interface PagerDutyReceiver {
  /** The integration's routing key. */
  readonly routingKey: AlertCredential;
}

/** A generic webhook (Alertmanager's JSON payload, POSTed). */
export interface WebhookReceiver {
  /** URL without a secret in it. @default - urlSecret */
  readonly url?: string;
  /** URL read from the secret store (when it embeds a token). @default - url */
  readonly urlSecret?: AlertCredential;
}

/** One receiver: exactly one of slack, email, pagerduty, webhook. */
export interface AlertReceiver {
  /** Name routes refer to: lowercase letters, digits and '-'. */
  readonly name: string;
  /** @default - not Slack */
  readonly slack?: SlackReceiver;
  /** @default - not e-mail */
  readonly email?: EmailReceiver;
  /** @default - not PagerDuty */
  readonly pagerduty?: PagerDutyReceiver;
  /** @default - not a webhook */
  readonly webhook?: WebhookReceiver;
  /** Also notify when the alert resolves. @default true */
  readonly sendResolved?: boolean;
}

/** A route of the environment's Alertmanager, matched in order. */
export interface AlertRoute {
  /** Receiver the matching alerts go to. */
  readonly receiver: string;
  /** Values of the alerts' `severity` label it takes (the environment's `monitoring.severities`). @default - every severity */
  readonly severities?: readonly string[];
  /** Systems (the alerts' `system` label) it takes. @default - every system */
  readonly systems?: readonly string[];
  /** Go on matching the next routes after this one (to notify a second receiver). @default false */
  readonly continue?: boolean;
  /** How long before a still-firing group is sent again. @default - alerting.repeatInterval */
  readonly repeatInterval?: Duration;
}

/** The environment's alert routing (the platform Alertmanager's configuration). */
export interface AlertingProfile {
  /** Receivers. @default - none */
  readonly receivers?: readonly AlertReceiver[];
  /** Routes, matched in order. @default - none: every alert goes to defaultReceiver */
  readonly routes?: readonly AlertRoute[];
  /**
   * Receiver of alerts no route takes. Required in staging and prod (an alert matching no
   * route must reach someone). @default - in dev, `null`: a receiver that delivers nowhere (alerts stay visible in Alertmanager)
   */
  readonly defaultReceiver?: string;
  /** Labels alerts are grouped by into one notification. @default ['alertname', 'system', 'environment'] */
  readonly groupBy?: readonly string[];
  /** Wait before the first notification of a new group. @default Duration.seconds(30) */
  readonly groupWait?: Duration;
  /** Wait before notifying about alerts added to a group. @default Duration.minutes(5) */
  readonly groupInterval?: Duration;
  /** Wait before re-sending a still-firing group. @default Duration.hours(4) */
  readonly repeatInterval?: Duration;
  /** Labels the Alertmanager selects the systems' AlertmanagerConfig objects by. @default { release: 'prometheus' } */
  readonly alertmanagerConfigLabels?: Readonly<Record<string, string>>;
}

/** The receiver of dev's unrouted alerts: no integration, nothing is sent. */
export const NULL_RECEIVER = 'null';

export const DEFAULT_ALERTING: Required<Omit<AlertingProfile, 'defaultReceiver'>> = {
  receivers: [],
  routes: [],
  groupBy: ['alertname', 'system', 'environment'],
  groupWait: Duration.seconds(30),
  groupInterval: Duration.minutes(5),
  repeatInterval: Duration.hours(4),
  alertmanagerConfigLabels: { release: 'prometheus' },
};

/** A route with its repeat interval in the Alertmanager's spelling. */
export type ResolvedAlertRoute = Omit<AlertRoute, 'repeatInterval'> & { readonly repeatInterval?: string };

/** An AlertingProfile with its defaults applied, durations in the Alertmanager's spelling (`30s`, `4h`). */
export type ResolvedAlerting = Required<Omit<AlertingProfile, 'defaultReceiver' | 'routes' | 'groupWait' | 'groupInterval' | 'repeatInterval'>> & {
  readonly defaultReceiver: string;
  readonly routes: readonly ResolvedAlertRoute[];
  readonly groupWait: string;
  readonly groupInterval: string;
  readonly repeatInterval: string;
};

/** The profile with defaults: receivers and routes as given (checked by checkAlerting). */
export function resolveAlerting(raw: AlertingProfile | undefined): ResolvedAlerting {
  const given = Object.fromEntries(Object.entries(isObject(raw) ? raw : {}).filter(([, v]) => v !== undefined)) as AlertingProfile;
  const merged = { ...DEFAULT_ALERTING, defaultReceiver: NULL_RECEIVER, ...given };
  const routes: unknown = merged.routes;
  return {
    ...merged,
    groupWait: spelled(merged.groupWait),
    groupInterval: spelled(merged.groupInterval),
    repeatInterval: spelled(merged.repeatInterval),
    routes: Array.isArray(routes)
      ? routes.map((r: unknown) =>
          isObject(r) && r.repeatInterval !== undefined ? { ...(r as unknown as AlertRoute), repeatInterval: spelled(r.repeatInterval) } : r,
        )
      : routes,
  } as ResolvedAlerting;
}

/** The kinds of integration a receiver may have. */
export const RECEIVER_KINDS = ['slack', 'email', 'pagerduty', 'webhook'] as const;
export type AlertReceiverKind = (typeof RECEIVER_KINDS)[number];

/** The integration of a receiver (the first kind it sets). */
export function receiverKind(r: AlertReceiver): AlertReceiverKind | undefined {
  return RECEIVER_KINDS.find((k) => r[k] !== undefined);
}

/** Every credential a receiver reads, as `<receiver>-<field>` (the Secret key it is stored under). */
export function receiverCredentials(
  r: AlertReceiver,
): Array<{ readonly secretKey: string; readonly field: string; readonly credential: AlertCredential }> {
  const out: Array<{ secretKey: string; field: string; credential: AlertCredential }> = [];
  const add = (field: string, credential: AlertCredential | undefined) => {
    if (credential !== undefined) out.push({ secretKey: `${r.name}-${field.split('.').pop()!.toLowerCase()}`, field, credential });
  };
  add('slack.apiUrl', r.slack?.apiUrl);
  add('email.authPassword', r.email?.authPassword);
  add('pagerduty.routingKey', r.pagerduty?.routingKey);
  add('webhook.urlSecret', r.webhook?.urlSecret);
  return out;
}

const RECEIVER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks `platform.alerting` (raw, as given) for environment `envName`; `field` prefixes each
 * reported field (e.g. `environment.platform.alerting`). The severities and systems routes
 * name are checked where they are known (the Alertmanager of the platform layer).
 */
export function checkAlerting(raw: unknown, envName: string, secretsKind: string, report: ValidationReport, field: string): void {
  if (raw === undefined) {
    if (envName !== 'dev')
      report.error(
        'alerting-profile.value.required-receivers',
        field,
        `is required in ${envName}: receivers and a defaultReceiver, or every alert would be dropped by the Alertmanager`,
      );
    return;
  }
  if (!isObject(raw)) return report.error('alerting-profile.value.object', field, `must be an object (is ${describe(raw)})`);
  const a = raw as AlertingProfile;
  const names = checkReceivers(a.receivers, envName, secretsKind, report, `${field}.receivers`);
  const known = (name: unknown) => name === NULL_RECEIVER || names.has(name as string);
  const list = [...names].join(', ') || 'none';
  if (a.defaultReceiver === undefined) {
    if (envName !== 'dev')
      report.error(
        'alerting-profile.default-receiver.required-alerts',
        `${field}.defaultReceiver`,
        `is required in ${envName}: alerts no route takes would be dropped`,
      );
  } else if (!known(a.defaultReceiver))
    report.error(
      'alerting-profile.default-receiver.receiver-receivers',
      `${field}.defaultReceiver`,
      `${describe(a.defaultReceiver)} is not a receiver (receivers: ${list})`,
    );
  else if (a.defaultReceiver === NULL_RECEIVER && envName !== 'dev')
    report.error(
      'alerting-profile.default-receiver.delivers-nowhere',
      `${field}.defaultReceiver`,
      `'${NULL_RECEIVER}' delivers nowhere; ${envName} needs a real receiver`,
    );
  const routes: unknown = a.routes;
  if (routes !== undefined && !Array.isArray(routes))
    report.error('alerting-profile.routes', `${field}.routes`, `must be a list (is ${describe(routes)})`);
  for (const [i, r] of (Array.isArray(routes) ? routes : []).entries()) {
    const at = `${field}.routes[${i}]`;
    if (!isObject(r)) {
      report.error('alerting-profile.route-not-an-object', at, `must be an object (is ${describe(r)})`);
      continue;
    }
    const route = r as unknown as AlertRoute;
    if (!known(route.receiver))
      report.error('alerting-profile.receiver', `${at}.receiver`, `${describe(route.receiver)} is not a receiver (receivers: ${list})`);
    for (const key of ['severities', 'systems'] as const) {
      const values: unknown = route[key];
      if (values === undefined) continue;
      if (!Array.isArray(values) || values.length === 0 || values.some((v) => typeof v !== 'string' || !/^[a-z0-9][-a-z0-9_.]*$/.test(v)))
        report.error(
          'alerting-profile.value.non-empty',
          `${at}.${key}`,
          `must be a non-empty list of label values (lowercase letters, digits, '-', '_', '.'), is ${JSON.stringify(values)}`,
        );
    }
    if (route.continue !== undefined && typeof route.continue !== 'boolean')
      report.error('alerting-profile.continue', `${at}.continue`, `must be true or false`);
    if (route.repeatInterval !== undefined) checkDuration(route.repeatInterval, `${at}.repeatInterval`, report);
  }
  for (const key of ['groupWait', 'groupInterval', 'repeatInterval'] as const)
    if (a[key] !== undefined) checkDuration(a[key], `${field}.${key}`, report);
  const groupBy: unknown = a.groupBy;
  if (groupBy !== undefined && (!Array.isArray(groupBy) || groupBy.some((l) => typeof l !== 'string' || !LABEL_NAME.test(l))))
    report.error(
      'alerting-profile.group-by',
      `${field}.groupBy`,
      `must be a list of label names (letters, digits, '_'), is ${JSON.stringify(groupBy)}`,
    );
  const labels: unknown = a.alertmanagerConfigLabels;
  if (labels !== undefined && (!isObject(labels) || Object.keys(labels).length === 0))
    report.error(
      'alerting-profile.alertmanager-config-labels',
      `${field}.alertmanagerConfigLabels`,
      'must name at least one label: an empty selector would take every AlertmanagerConfig of the cluster',
    );
}

/** Checks a list of receivers; returns the names of the well-formed ones. */
export function checkReceivers(receivers: unknown, envName: string, secretsKind: string, report: ValidationReport, field: string): Set<string> {
  const names = new Set<string>();
  if (receivers !== undefined && !Array.isArray(receivers))
    report.error('alerting-profile.value.list', field, `must be a list (is ${describe(receivers)})`);
  for (const [i, r] of (Array.isArray(receivers) ? receivers : []).entries()) {
    const at = `${field}[${i}]`;
    if (!isObject(r)) {
      report.error('alerting-profile.receiver-not-an-object', at, `must be an object (is ${describe(r)})`);
      continue;
    }
    const receiver = r as unknown as AlertReceiver;
    if (typeof receiver.name !== 'string' || !RECEIVER_NAME.test(receiver.name) || receiver.name === NULL_RECEIVER)
      report.error(
        'alerting-profile.name.lowercase-letters',
        `${at}.name`,
        `${describe(receiver.name)} must be lowercase letters, digits and '-' (at most 63), and not '${NULL_RECEIVER}'`,
      );
    else if (names.has(receiver.name)) report.error('alerting-profile.name.defined-twice', `${at}.name`, `'${receiver.name}' is defined twice`);
    else names.add(receiver.name);
    const kinds = RECEIVER_KINDS.filter((k) => receiver[k] !== undefined);
    if (kinds.length !== 1) {
      report.error(
        'alerting-profile.value.set-exactly',
        at,
        `must set exactly one of ${RECEIVER_KINDS.join(', ')} (sets ${kinds.length ? kinds.join(', ') : 'none'})`,
      );
      continue;
    }
    checkReceiver(receiver, kinds[0], at, report);
    if (receiver.sendResolved !== undefined && typeof receiver.sendResolved !== 'boolean')
      report.error('alerting-profile.send-resolved', `${at}.sendResolved`, `must be true or false (is ${describe(receiver.sendResolved)})`);
    for (const c of receiverCredentials(receiver)) {
      if (!isObject(c.credential) || typeof c.credential.key !== 'string' || c.credential.key.trim() === '')
        report.error('alerting-profile.key', `${at}.${c.field}.key`, 'must name the secret in the store (e.g. alertmanager/prod/slack)');
      else if (c.credential.property !== undefined && (typeof c.credential.property !== 'string' || c.credential.property === ''))
        report.error('alerting-profile.property', `${at}.${c.field}.property`, `${describe(c.credential.property)} must be a non-empty string`);
      else if (secretsKind === 'generated')
        report.error(
          'alerting-profile.value.generates-secrets',
          `${at}.${c.field}`,
          `${envName} generates its secrets in the cluster (platform.secrets.kind 'generated'); a receiver's credential must come from a secret store (vault or aws-secrets-manager)`,
        );
    }
  }
  return names;
}

function checkReceiver(r: AlertReceiver, kind: AlertReceiverKind, at: string, report: ValidationReport): void {
  const text = (value: unknown, f: string, what: string) => {
    if (typeof value !== 'string' || value.trim() === '')
      report.error('alerting-profile.value.invalid', `${at}.${f}`, `${describe(value)} must be ${what}`);
    // `{{` would be read as a notification template by Alertmanager.
    else if (value.includes('{{')) report.error('alerting-profile.value.contain', `${at}.${f}`, `'${value}' must not contain '{{'`);
  };
  if (kind === 'slack') text(r.slack?.channel, 'slack.channel', 'a Slack channel, e.g. #alerts-prod');
  if (kind === 'email') {
    const e = r.email!;
    for (const f of ['to', 'from'] as const)
      if (typeof e[f] !== 'string' || !/^[^@\s,]+@[^@\s,]+(,\s*[^@\s,]+@[^@\s,]+)*$/.test(e[f]))
        report.error('alerting-profile.email.e-mail', `${at}.email.${f}`, `${describe(e[f])} must be an e-mail address`);
    if (typeof e.smarthost !== 'string' || !/^[a-zA-Z0-9.-]+:\d{1,5}$/.test(e.smarthost))
      report.error(
        'alerting-profile.email.smarthost',
        `${at}.email.smarthost`,
        `${describe(e.smarthost)} must be the SMTP relay as host:port, e.g. smtp.acme-corp.io:587`,
      );
    if ((e.authUsername === undefined) !== (e.authPassword === undefined))
      report.error('alerting-profile.email.authusername-authpassword', `${at}.email`, 'authUsername and authPassword go together (both or neither)');
    if (e.authUsername !== undefined) text(e.authUsername, 'email.authUsername', 'the SMTP user');
  }
  if (kind === 'webhook') {
    const w = r.webhook!;
    if ((w.url === undefined) === (w.urlSecret === undefined))
      report.error('alerting-profile.webhook', `${at}.webhook`, 'must set exactly one of url and urlSecret');
    else if (w.url !== undefined && (typeof w.url !== 'string' || !/^https?:\/\/[^\s/]+/.test(w.url)))
      report.error('alerting-profile.webhook.url', `${at}.webhook.url`, `${describe(w.url)} must be an http(s) URL`);
  }
}

function checkDuration(value: unknown, field: string, report: ValidationReport): void {
  const seconds = durationSeconds(value, 'Duration.hours(4)');
  if (typeof seconds === 'string') report.error('alerting-profile.duration-invalid', field, seconds);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
