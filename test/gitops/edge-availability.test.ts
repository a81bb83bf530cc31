/**
 * The Ingress controllers carry every public request of every system: the platform layer
 * runs more than one pod of each, spread over zones and nodes, with a disruption budget
 * (what the charts render for those values is read from the chart-facts table, which was
 * rendered from the charts themselves). And the monitoring chart installs no second
 * Alertmanager beside the platform's own.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { ArgoCdApplications, PublicEndpoint } from '../../lib';
import { DEFAULT_ENVOY_GATEWAY_DATA_PLANE, DEFAULT_INGRESS_NGINX, DEFAULT_TRAEFIK, EdgeProfile } from '../../lib/core/platform';
import { errorsOf, render, testChart } from '../support/synth';
import { edgeEnv, webService } from '../edge/support';

const EDGE: EdgeProfile = {
  default: 'ingress-nginx',
  ingressNginx: DEFAULT_INGRESS_NGINX,
  traefik: DEFAULT_TRAEFIK,
  gateway: { implementation: 'envoy-gateway', dataPlane: DEFAULT_ENVOY_GATEWAY_DATA_PLANE },
};
const ROOT = join(__dirname, '..', '..');
const FACTS = JSON.parse(readFileSync(join(ROOT, 'lib', 'gitops', 'chart-facts-table.json'), 'utf8')).charts as Record<
  string,
  { variants: Array<{ values: any; usedBy: string[]; namespacedKinds: string[] }> }
>;

function valuesWith(replicas?: number) {
  const env = edgeEnv('prod', { ...EDGE, ...(replicas === undefined ? {} : { replicas }) });
  const { app, chart } = testChart(env, 'loopi');
  const api = webService(chart, 'api', 8080);
  new PublicEndpoint(chart, 'public', { host: 'api.loopi.com', backend: api, tls: false });
  new PublicEndpoint(chart, 'public-traefik', { controller: 'traefik', host: 'www.loopi.com', backend: api, tls: false });
  new ArgoCdApplications(app, { environment: env, systems: ['loopi'] });
  const objects = render(app).objects.map((o) => o.object);
  const values = (component: string) =>
    objects.find((o) => o.kind === 'Application' && o.metadata.name === `${component}-prod`)!.spec.source.helm.valuesObject;
  return { nginx: values('ingress-nginx'), traefik: values('traefik') };
}

const spread = (labels: Record<string, string>) =>
  ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: labels },
  }));

/** The chart-facts render of `chart` whose values are exactly `values`. */
function factsFor(chartPrefix: string, values: unknown) {
  const variants = Object.entries(FACTS)
    .filter(([key]) => key.startsWith(`${chartPrefix}@`))
    .flatMap(([, c]) => c.variants);
  return variants.find((v) => JSON.stringify(v.values) === JSON.stringify(values));
}

describe('the Ingress controllers run highly available', () => {
  test('by default two pods of each, spread over zones and nodes by the pod labels the values give them', () => {
    const { nginx, traefik } = valuesWith();
    expect(nginx.controller.replicaCount).toBe(2);
    expect(nginx.controller.topologySpreadConstraints).toEqual(spread(DEFAULT_INGRESS_NGINX.pods.podLabels));
    expect(nginx.controller.podLabels).toEqual(DEFAULT_INGRESS_NGINX.pods.podLabels);
    expect(traefik.deployment).toEqual({ podLabels: DEFAULT_TRAEFIK.pods.podLabels, replicas: 2 });
    expect(traefik.topologySpreadConstraints).toEqual(spread(DEFAULT_TRAEFIK.pods.podLabels));
    // Traefik's chart renders its budget only when asked; ingress-nginx's renders one itself above one replica.
    expect(traefik.podDisruptionBudget).toEqual({ enabled: true, minAvailable: 1 });
  });

  test('the profile sets the count; one pod asks for no budget (it would block every drain)', () => {
    expect(valuesWith(3).nginx.controller.replicaCount).toBe(3);
    const one = valuesWith(1);
    expect(one.nginx.controller.replicaCount).toBe(1);
    expect(one.traefik.deployment.replicas).toBe(1);
    expect(one.traefik.podDisruptionBudget).toBeUndefined();
  });

  test.each([[0], [1.5], ['2'], [-1], [51]])('edge.replicas %p is an error naming the field and what is allowed', (replicas) => {
    const { app, chart } = testChart(edgeEnv('prod', { ...EDGE, replicas: replicas as number }), 'loopi');
    webService(chart, 'api', 8080);
    expect(errorsOf(app).filter((e) => e.includes('edge.replicas'))).toEqual([
      expect.stringContaining('must be a whole number from 1 to 50 (pods of each Ingress controller)'),
    ]);
  });

  test.each(['dev', 'staging', 'prod'])('%s: each controller Application in dist renders a PodDisruptionBudget (facts from the chart)', (env) => {
    const dir = join(ROOT, 'dist', env, 'platform');
    let checked = 0;
    for (const [component, chart] of [
      ['ingress-nginx', 'ingress-nginx'],
      ['traefik', 'traefik'],
    ]) {
      const file = readdirSync(dir).find((f) => f === `95-application-${component}-${env}.yaml`);
      if (!file) continue; // the environment does not run this controller
      const app = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))[0].toJSON();
      const facts = factsFor(chart, app.spec.source.helm.valuesObject);
      expect(facts).toBeDefined();
      expect(facts!.usedBy).toContain(env);
      expect(facts!.namespacedKinds).toContain('policy/PodDisruptionBudget');
      checked++;
    }
    // Not vacuous: the environment runs at least one Ingress controller.
    expect(checked).toBeGreaterThan(0);
  });
});

describe('one Alertmanager: the platform layer’s own', () => {
  test.each(['dev', 'staging', 'prod'])("%s: the monitoring chart's Alertmanager (and Prometheus and Grafana) are switched off", (env) => {
    const file = join(ROOT, 'dist', env, 'platform', `95-application-prometheus-operator-${env}.yaml`);
    const values = parseAllDocuments(readFileSync(file, 'utf8'))[0].toJSON().spec.source.helm.valuesObject;
    expect(values).toMatchObject({ alertmanager: { enabled: false }, prometheus: { enabled: false }, grafana: { enabled: false } });
  });

  test.each(['dev', 'staging', 'prod'])('%s: the chart renders no Alertmanager for those values; dist holds exactly one', (env) => {
    const file = join(ROOT, 'dist', env, 'platform', `95-application-prometheus-operator-${env}.yaml`);
    const app = parseAllDocuments(readFileSync(file, 'utf8'))[0].toJSON();
    const facts = factsFor('kube-prometheus-stack', app.spec.source.helm.valuesObject);
    expect(facts).toBeDefined();
    expect(facts!.namespacedKinds).not.toContain('monitoring.coreos.com/Alertmanager');
    const own = readdirSync(join(ROOT, 'dist', env, 'platform', 'prometheus')).filter((f) => /^\d+-alertmanager-/.test(f));
    expect(own).toEqual(['40-alertmanager-alertmanager.yaml']);
  });
});
