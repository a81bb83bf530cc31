/**
 * The Alertmanager configuration of every environment, as prometheus-operator generates it
 * from the platform's AlertmanagerConfig and the systems' (renderAlertmanagerConfig), through
 * Alertmanager's own tools: `amtool check-config`, and `amtool config routes test` for where
 * alerts go.
 *
 *   npm run test:promtool   (this suite sits beside the promtool one)
 *
 * amtool comes from Debian's prometheus-alertmanager package
 * (scripts/observability/install-alerting-tools.sh); without it the suite fails.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { buildRepositoryApp } from '../../../charts/app';
import { ENVIRONMENTS } from '../../../charts/environments';
import { receiversOf } from '../../../lib/observability/alert-routing';
import { synthesize } from '../../../lib';
import { UNUSED_OUTDIR } from '../../support/synth';
import { alertingTools, AlertingTools, generatedAlertmanagerConfig } from './alerting-support';

type Json = Record<string, any>;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-stacks-amtool-'));
let tools: AlertingTools;
const byEnv = new Map<string, Json[]>();

beforeAll(() => {
  tools = alertingTools();
  const result = synthesize(buildRepositoryApp({ outdir: UNUSED_OUTDIR }), { outdir: UNUSED_OUTDIR, dryRun: true, rules: [] });
  for (const o of result.objects) byEnv.set(o.folder.split('/')[0], [...(byEnv.get(o.folder.split('/')[0]) ?? []), o.object]);
}, 900_000);

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function configFile(env: string): string {
  const file = path.join(work, `${env}.alertmanager.yaml`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, stringify(generatedAlertmanagerConfig(byEnv.get(env)!).config));
  return file;
}

/** The receivers an alert with `labels` goes to, as amtool reports them. */
function routesOf(env: string, labels: Record<string, string>): string[] {
  const args = ['config', 'routes', 'test', `--config.file=${configFile(env)}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  const r = spawnSync(tools.amtool, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`amtool ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim().split(',').sort();
}

const ENVS = ['dev', 'staging', 'prod'];

describe('amtool check-config', () => {
  test.each(ENVS)('%s: the generated configuration is valid', (env) => {
    const r = spawnSync(tools.amtool, ['check-config', configFile(env)], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  test('a broken configuration is reported (the check can fail)', () => {
    const file = path.join(work, 'broken.yaml');
    fs.writeFileSync(file, stringify({ route: { receiver: 'missing' }, receivers: [{ name: 'other' }] }));
    const r = spawnSync(tools.amtool, ['check-config', file], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/undefined receiver "missing"/);
  });
});

describe('amtool config routes test', () => {
  const P = 'monitoring/alertmanager/';

  test('prod: critical pages on-call and posts to Slack; TechShop also reaches its incident webhook and, from its namespace, its admin', () => {
    expect(routesOf('prod', { severity: 'critical', system: 'loopi', namespace: 'loopi-prod' })).toEqual([`${P}oncall`, `${P}platform-slack`]);
    expect(routesOf('prod', { severity: 'critical', system: 'techshop', namespace: 'techshop-prod', alertname: 'SystemDown' })).toEqual(
      [`${P}oncall`, `${P}platform-slack`, `${P}techshop-incidents`, 'techshop-prod/alert-routes/shop-admin'].sort(),
    );
    // TechShop's own route takes only the alerts it names; the platform's still deliver the others.
    expect(routesOf('prod', { severity: 'critical', system: 'techshop', namespace: 'techshop-prod', alertname: 'HttpErrorRatioHigh' })).toEqual(
      [`${P}oncall`, `${P}platform-slack`, `${P}techshop-incidents`, 'techshop-prod/alert-routes/none'].sort(),
    );
  });

  test('prod: warnings go to Slack, and by e-mail for the data on-call of TechShop and ChatNomina', () => {
    expect(routesOf('prod', { severity: 'warning', system: 'loopi' })).toEqual([`${P}platform-slack`]);
    expect(routesOf('prod', { severity: 'warning', system: 'chatnomina' })).toEqual([`${P}ops-email`, `${P}platform-slack`]);
  });

  test('prod and staging: anything no route takes reaches the default receiver', () => {
    expect(routesOf('prod', { severity: 'info', system: 'unknown' })).toEqual([`${P}platform-slack`]);
    expect(routesOf('staging', { severity: 'warning', system: 'loopi' })).toEqual([`${P}platform-slack`]);
  });

  test('dev: alerts are kept by Alertmanager and sent nowhere', () => {
    expect(routesOf('dev', { severity: 'warning', system: 'loopi' })).toEqual([`${P}null`]);
  });

  test.each(['staging', 'prod'])('%s: every alert of every system, at every severity, reaches a real receiver', (env) => {
    const systems = [
      ...new Set(
        byEnv
          .get(env)!
          .filter((o) => o.kind === 'PrometheusRule')
          .map((o) => o.metadata.namespace as string),
      ),
    ];
    expect(systems.length).toBeGreaterThan(0);
    const severities = new Set(Object.values(ENVIRONMENTS[env as 'prod'].monitoring.severities));
    const silent: string[] = [];
    for (const namespace of systems)
      for (const severity of severities) {
        const rule = byEnv.get(env)!.find((o) => o.kind === 'PrometheusRule' && o.metadata.namespace === namespace)!;
        const labels = rule.spec.groups[0].rules[0].labels as Record<string, string>;
        const got = routesOf(env, { ...labels, severity, namespace });
        if (!got.some((r) => !/\/(null|none)$/.test(r))) silent.push(`${namespace} ${severity}: ${got.join(', ')}`);
      }
    expect(silent).toEqual([]);
  });

  test.each(ENVS)('%s: every route of the profile takes the alerts its matchers describe', (env) => {
    const routes = ENVIRONMENTS[env as 'prod'].platform.alerting.routes;
    for (const r of routes) {
      const labels: Record<string, string> = { alertname: 'Probe' };
      if (r.severities) labels.severity = r.severities[0];
      if (r.systems) labels.system = r.systems[0];
      expect(routesOf(env, labels)).toContain(`${P}${r.receiver}`);
    }
  });

  test.each(ENVS)('%s: the system READMEs name the receivers amtool finds for every alert', (env) => {
    const config = generatedAlertmanagerConfig(byEnv.get(env)!).config;
    const differ: string[] = [];
    for (const rule of byEnv.get(env)!.filter((o) => o.kind === 'PrometheusRule'))
      for (const group of rule.spec.groups as Json[])
        for (const r of group.rules as Json[]) {
          const labels = { ...r.labels, alertname: r.alert, namespace: rule.metadata.namespace };
          const readme = receiversOf(config.route, labels).sort();
          const amtool = routesOf(env, labels);
          if (JSON.stringify(readme) !== JSON.stringify(amtool))
            differ.push(`${rule.metadata.namespace} ${r.alert}: README ${readme} amtool ${amtool}`);
        }
    expect(differ).toEqual([]);
  });
});
