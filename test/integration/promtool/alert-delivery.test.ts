/**
 * End to end: the generated alert rules in a real Prometheus, the generated routing in a real
 * Alertmanager, and the notification at a receiver.
 *
 *   exporter (127.0.0.1, synthetic series) <- Prometheus (the PrometheusRule's groups, 1 s
 *   scrapes and evaluations) -> Alertmanager (the configuration prometheus-operator generates
 *   from the platform's and the system's AlertmanagerConfigs) -> webhook receivers (127.0.0.1,
 *   one path per receiver)
 *
 * Prometheus 2.42 and Alertmanager 0.25 from Debian (scripts/observability/install-alerting-tools.sh):
 * they install in seconds where building them from the module proxy costs minutes of a cold
 * CI run, and everything used here (rule files, the v2 alert API, matchers, inhibit rules with
 * source/target matchers, webhook receivers) is older than those releases.
 *
 * The routing is the profile's, with webhook receivers standing in for PagerDuty and Slack:
 * critical alerts go to `pager` and go on; the system's alerts go to `team`; the rest to `chat`.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Duration } from 'cdk8s';
import { stringify } from 'yaml';
import { AlertingProfile, PlatformPrometheusChart, Probe, synthesize, SystemAlerts, SystemChart, WebService } from '../../../lib';
import { testEnv, UNUSED_OUTDIR } from '../../support/synth';
import { alertingTools, AlertingTools, generatedAlertmanagerConfig } from './alerting-support';

type Json = Record<string, any>;

let tools: AlertingTools;
beforeAll(() => {
  tools = alertingTools();
}, 900_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port };
}

/** What the exporter serves: the API's request counters (or a failing scrape) and a queue gauge. */
interface ExporterState {
  api: 'ok' | 'errors' | 'down';
  queueDepth: number;
}

interface Notification {
  readonly receiver: string;
  readonly at: number;
  readonly body: Json;
}

class Harness {
  public readonly state: ExporterState = { api: 'ok', queueDepth: 0 };
  public readonly notifications: Notification[] = [];
  private readonly servers: http.Server[] = [];
  private readonly children: ChildProcess[] = [];
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-alert-e2e-'));
  private alertmanagerPort = 0;
  private readonly counters = { ok: 0, errors: 0 };

  /** Starts receivers, exporter, Alertmanager and Prometheus for `system` (its rules) routed by the profile naming `routedSystem`. */
  public async start(system: string, routedSystem: string): Promise<void> {
    const hooks = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.notifications.push({ receiver: (req.url ?? '').replace(/^\//, ''), at: Date.now(), body: JSON.parse(body) });
        res.end('ok');
      });
    });
    const exporter = await listen((req, res) => {
      if (req.url === '/api/metrics') {
        if (this.state.api === 'down') return void res.writeHead(503).end('down');
        // Ten requests a scrape; with errors, half of them fail.
        this.counters.ok += this.state.api === 'errors' ? 5 : 10;
        if (this.state.api === 'errors') this.counters.errors += 5;
        res.end(
          '# TYPE http_requests_total counter\n' +
            `http_requests_total{status="200"} ${this.counters.ok}\nhttp_requests_total{status="500"} ${this.counters.errors}\n`,
        );
      } else res.end(`# TYPE queue_depth gauge\nqueue_depth ${this.state.queueDepth}\n`);
    });
    this.servers.push(hooks.server, exporter.server);

    const hook = (name: string) => ({ name, webhook: { url: `http://127.0.0.1:${hooks.port}/${name}` } });
    const alerting: AlertingProfile = {
      receivers: [hook('pager'), hook('team'), hook('chat')],
      routes: [
        { receiver: 'pager', severities: ['critical'], continue: true },
        { receiver: 'team', systems: [routedSystem] },
      ],
      defaultReceiver: 'chat',
      groupWait: Duration.seconds(1),
      groupInterval: Duration.seconds(1),
      repeatInterval: Duration.hours(1),
    };
    const env = testEnv('prod', { platform: { alerting } });
    const app = new App({ outdir: UNUSED_OUTDIR });
    new PlatformPrometheusChart(app, { environment: env });
    const chart = new SystemChart(app, { system, environment: env });
    new WebService(chart, 'api', {
      image: 'registry.stackworks.io/org/api:1.0.0',
      ports: [{ name: 'http', port: 8080 }],
      readiness: Probe.http('/ready'),
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    }).exposeMetrics({ port: 'http' });
    // Short windows and no `for`: the test runs in seconds, the expressions and labels are the generated ones.
    const alerts = new SystemAlerts(chart, 'alerts', { errorRatio: 0.2, rateWindow: Duration.seconds(10), for: Duration.seconds(0) });
    alerts.addAlert({
      name: 'QueueBacklogHigh',
      expr: `queue_depth{namespace="${chart.namespaceName}"} > 10`,
      severity: 'warning',
      summary: 'backlog',
    });
    const objects = synthesize(app, { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] }).objects.map((o) => o.object as Json);

    const amConfig = path.join(this.dir, 'alertmanager.yaml');
    fs.writeFileSync(amConfig, stringify(generatedAlertmanagerConfig(objects).config));
    this.alertmanagerPort = await freePort();
    this.spawn(tools.alertmanager, [
      `--config.file=${amConfig}`,
      `--storage.path=${path.join(this.dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${this.alertmanagerPort}`,
      // One instance: no gossip port.
      '--cluster.listen-address=',
    ]);

    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const rules = path.join(this.dir, 'rules.yaml');
    fs.writeFileSync(rules, stringify({ groups: rule.spec.groups }));
    const target = (job: string) => ({
      job_name: job,
      metrics_path: `/${job}/metrics`,
      static_configs: [{ targets: [`127.0.0.1:${exporter.port}`], labels: { namespace: chart.namespaceName } }],
    });
    const promConfig = path.join(this.dir, 'prometheus.yaml');
    fs.writeFileSync(
      promConfig,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        rule_files: [rules],
        scrape_configs: [target('api'), target('queue')],
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${this.alertmanagerPort}`] }] }] },
      }),
    );
    this.spawn(tools.prometheus, [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${path.join(this.dir, 'prom')}`,
      `--web.listen-address=127.0.0.1:${await freePort()}`,
      '--rules.alert.resend-delay=1s',
    ]);
  }

  private spawn(bin: string, args: string[]): void {
    const name = path.basename(bin);
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'w');
    const child = spawn(bin, args, { stdio: ['ignore', log, log] });
    child.on('exit', (code) => {
      if (!this.stopping) this.notifications.push({ receiver: `(exit of ${name}: ${code})`, at: Date.now(), body: {} });
    });
    this.children.push(child);
  }

  private stopping = false;

  public logs(): string {
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .map((f) => `--- ${f}\n${fs.readFileSync(path.join(this.dir, f), 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
  }

  /** The first notification at `receiver` for which `match` holds, within `seconds`; rejects naming the receiver otherwise. */
  public async delivered(receiver: string, match: (body: Json) => boolean, what: string, seconds = 60): Promise<Notification> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const found = this.notifications.find((n) => n.receiver === receiver && match(n.body));
      if (found) return found;
      if (Date.now() > deadline) {
        const seen = this.notifications.map(
          (n) => `${n.receiver}: ${n.body.status} ${(n.body.alerts ?? []).map((a: Json) => a.labels?.alertname).join(',')}`,
        );
        throw new Error(
          `no notification at receiver ${receiver} (${what}) within ${seconds} s; received: ${seen.join('; ') || 'nothing'}\n${this.logs()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The alerts Alertmanager holds, through its v2 API. */
  public async alerts(): Promise<Json[]> {
    return new Promise((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${this.alertmanagerPort}/api/v2/alerts`, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(JSON.parse(body) as Json[]));
        })
        .on('error', reject);
    });
  }

  public async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(this.children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : undefined)));
    for (const s of this.servers) s.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const firing = (alertname: string) => (b: Json) => b.status === 'firing' && b.alerts.some((a: Json) => a.labels.alertname === alertname);
const resolved = (alertname: string) => (b: Json) =>
  b.status === 'resolved' && b.alerts.every((a: Json) => a.labels.alertname === alertname && a.status === 'resolved');

describe('a breached threshold reaches the receivers its labels route to', () => {
  const h = new Harness();
  afterAll(() => h.stop());

  test('5xx above the ratio: HttpErrorRatioHigh pages and reaches the team with its labels and group; resolved when the errors stop', async () => {
    await h.start('shop', 'shop');
    h.state.api = 'errors';
    const page = await h.delivered('pager', firing('HttpErrorRatioHigh'), 'the critical route');
    expect(page.body.receiver).toBe('monitoring/alertmanager/pager');
    expect(page.body.groupLabels).toEqual({ alertname: 'HttpErrorRatioHigh', system: 'shop', environment: 'prod' });
    const alert = page.body.alerts.find((a: Json) => a.labels.alertname === 'HttpErrorRatioHigh');
    expect(alert.labels).toEqual({
      alertname: 'HttpErrorRatioHigh',
      severity: 'critical',
      system: 'shop',
      environment: 'prod',
      namespace: 'shop-prod',
      job: 'api',
    });
    expect(alert.annotations.summary).toBe('api answers 50% of requests with 5xx');
    // The critical route goes on: the system's route takes it too, and the default does not.
    const team = await h.delivered('team', firing('HttpErrorRatioHigh'), "the system's route");
    expect(team.body.receiver).toBe('monitoring/alertmanager/team');
    expect(h.notifications.filter((n) => n.receiver === 'chat')).toEqual([]);

    h.state.api = 'ok';
    const done = await h.delivered('pager', resolved('HttpErrorRatioHigh'), 'the resolved notification', 90);
    expect(done.body.alerts[0].endsAt).not.toBe('0001-01-01T00:00:00Z');
    expect(done.at).toBeGreaterThan(page.at);
  }, 180_000);

  test("SystemDown inhibits the system's other alerts, which are delivered once it resolves", async () => {
    // Continues with the same servers: the API stops answering, then the queue backs up.
    h.state.api = 'down';
    await h.delivered('pager', firing('SystemDown'), 'SystemDown (critical)');
    h.state.queueDepth = 50;
    const since = Date.now();
    // Alertmanager holds the symptom, suppressed by the SystemDown of the same system and environment.
    const deadline = Date.now() + 30_000;
    let backlog: Json | undefined;
    while (Date.now() < deadline && !backlog?.status?.inhibitedBy?.length) {
      backlog = (await h.alerts()).find((a) => a.labels.alertname === 'QueueBacklogHigh');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(backlog?.status).toMatchObject({ state: 'suppressed' });
    expect(backlog!.status.inhibitedBy.length).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect(h.notifications.filter((n) => n.at >= since && firing('QueueBacklogHigh')(n.body))).toEqual([]);

    h.state.api = 'ok';
    await h.delivered('pager', resolved('SystemDown'), 'SystemDown resolved', 60);
    const backlogSent = await h.delivered('team', firing('QueueBacklogHigh'), 'the symptom once uninhibited', 60);
    expect(backlogSent.body.alerts[0].labels).toMatchObject({ severity: 'warning', system: 'shop' });
  }, 180_000);
});

describe('the end-to-end test fails when a rule no longer matches its route', () => {
  const h = new Harness();
  afterAll(() => h.stop());

  test("rules labelled for another system than the route names: 'team' never gets the alert, and the check says so", async () => {
    // The profile routes system 'shop' to the team; the rules now carry system 'shop-v2'.
    await h.start('shop-v2', 'shop');
    h.state.api = 'errors';
    // The pipeline itself works: the alert is paged ...
    await h.delivered('pager', firing('HttpErrorRatioHigh'), 'the critical route');
    // ... but the check of the system's route fails, naming the receiver.
    await expect(h.delivered('team', firing('HttpErrorRatioHigh'), "the system's route", 10)).rejects.toThrow(
      /no notification at receiver team \(the system's route\) within 10 s; received: .*pager: firing HttpErrorRatioHigh/,
    );
  }, 120_000);
});
