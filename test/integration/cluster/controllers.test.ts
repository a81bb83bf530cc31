import { ChildProcess, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { alertingTools, fakeSecret, generatedAlertmanagerConfig } from '../promtool/alerting-support';
import { ControlPlane, REPO, startControlPlane, tail } from './control-plane';

/**
 * Real controllers in the loop, against the control plane of the newest pinned Kubernetes
 * release (no kubelet: pods never run, only the controllers' effects are checked):
 *
 * - prometheus-operator (built by scripts/k8s/build-controllers.sh) reconciles the
 *   Prometheus object of dist/<env>/platform/ (not one written here) and writes the
 *   Prometheus configuration it generated into the Secret `prometheus-<name>`
 *   (`prometheus.yaml.gz`) and the rule files into ConfigMaps `prometheus-<name>-rulefiles-*`.
 *   Every ServiceMonitor of every system must appear as scrape job
 *   `serviceMonitor/<ns>/<name>/<i>`, every PrometheusRule as rule file `<ns>-<name>-<uid>.yaml`;
 *   a ServiceMonitor with the wrong label must be absent.
 * - the same operator reconciles the Alertmanager of dist/<env>/platform/: its generated
 *   configuration (Secret `alertmanager-<name>-generated`) holds the base AlertmanagerConfig and
 *   every system's, routes exactly as renderAlertmanagerConfig (which the amtool suite checks)
 *   says, and passes `amtool check-config`.
 * - external-secrets (the controller only: no webhook, no cert controller) turns every dev
 *   ExternalSecret into its Secret, holding every key a pod of dist/dev references.
 *
 * Each controller runs at its release with that release's own CRDs (copied from its module
 * zip by the build script), so strict apply also proves the manifests use only the API that
 * release serves.
 */
type Json = Record<string, any>;

const DIST = process.env.DIST_DIR ?? path.join(REPO, 'dist');
const CACHE = process.env.CDK8S_STACKS_CACHE ?? path.join(REPO, '.cache');
const VERSIONS_ENV = fs.readFileSync(path.join(REPO, 'scripts', 'k8s', 'versions.env'), 'utf8');
const setting = (name: string) => new RegExp(`${name}="([^"]+)"`).exec(VERSIONS_ENV)![1];
const NEWEST = (process.env.K8S_VERSIONS ?? setting('K8S_VERSIONS')).split(/\s+/).pop()!;
const OPERATOR_VERSION = setting('PROMETHEUS_OPERATOR_VERSION');
const ESO_VERSION = setting('EXTERNAL_SECRETS_VERSION');

/** The binary and the CRDs the build script cached for a controller; missing ones fail the suite. */
function controller(name: 'prometheus-operator' | 'external-secrets', version: string): { bin: string; crds: string } {
  const dir = path.join(CACHE, 'controllers', name, version);
  const bin = path.join(dir, name);
  const crds = path.join(dir, 'crds');
  if (!fs.existsSync(bin) || !fs.existsSync(path.join(crds, '.complete')))
    throw new Error(`${name} ${version} is not built in ${dir}: run 'bash scripts/k8s/build-controllers.sh' (npm run test:cluster does it)`);
  return { bin, crds };
}

/** Every object of a dist folder's YAML files (kustomization and README left out), with its file. */
function objectsOf(folder: string): Json[] {
  const dir = path.join(DIST, folder);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))
        .map((d) => d.toJS() as Json)
        .filter(Boolean),
    );
}

function envs(): string[] {
  if (!fs.existsSync(DIST)) throw new Error(`${DIST} does not exist: run npm run synth`);
  return fs.readdirSync(DIST).sort();
}

function systemFolders(env: string): string[] {
  return fs
    .readdirSync(path.join(DIST, env))
    .filter((f) => f !== 'argocd' && f !== 'platform' && fs.existsSync(path.join(DIST, env, f, 'kustomization.yaml')))
    .sort()
    .map((f) => `${env}/${f}`);
}

/** The platform folders of an environment that hold a Prometheus object. */
function prometheusFolders(env: string): string[] {
  const platform = path.join(DIST, env, 'platform');
  const found = fs.existsSync(platform)
    ? fs
        .readdirSync(platform)
        .filter((f) => fs.existsSync(path.join(platform, f, 'kustomization.yaml')))
        .map((f) => `${env}/platform/${f}`)
        .filter((f) => objectsOf(f).some((o) => o.kind === 'Prometheus'))
    : [];
  if (found.length === 0) throw new Error(`no Prometheus object under ${platform}: the platform layer must define the Prometheus`);
  return found;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function poll<T>(what: string, seconds: number, attempt: () => T | undefined, logs: () => string): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = attempt();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${seconds} s\n${logs()}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Secrets a ServiceMonitor reads its scrape credentials from that this control plane cannot
 * produce: values a person provides (`SystemSecret.provided`; the system README gives the
 * command), and in staging and prod everything the ExternalSecrets read from Vault, which
 * the suite has no access to. The operator skips a monitor whose Secret is missing, so the
 * suite plays that person (and that Vault) and creates them, with a placeholder value. In dev
 * the external-secrets controller makes the generated ones itself.
 */
function createProvidedScrapeSecrets(plane: ControlPlane, objects: readonly Json[], generatedHere: boolean): void {
  const produced = new Set(
    objects.filter((o) => o.kind === 'Secret' || (generatedHere && o.kind === 'ExternalSecret')).map((o) => o.spec?.target?.name ?? o.metadata.name),
  );
  const wanted = new Map<string, { namespace: string; name: string; keys: Set<string> }>();
  for (const monitor of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    for (const endpoint of (monitor.spec?.endpoints ?? []) as Json[]) {
      const ref = endpoint.authorization?.credentials ?? endpoint.bearerTokenSecret;
      if (!ref?.name || produced.has(ref.name)) continue;
      const id = `${monitor.metadata.namespace}/${ref.name}`;
      const entry = wanted.get(id) ?? { namespace: monitor.metadata.namespace, name: ref.name, keys: new Set<string>() };
      entry.keys.add(ref.key);
      wanted.set(id, entry);
    }
  }
  const items = standInSecrets(wanted.values());
  if (items.length > 0) plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
}

/** Secrets with a test value for every key, as the person who provides them by hand would create them. */
function standInSecrets(wanted: Iterable<{ namespace: string; name: string; keys: Set<string> }>): Json[] {
  return [...wanted].map((w) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: w.name, namespace: w.namespace },
    stringData: Object.fromEntries([...w.keys].map((k) => [k, 'provided-by-the-test'])),
  }));
}

/** Where a workload declares the Secrets people create by hand (SystemSecret `provided`): its references-resolve waiver. */
const PROVIDED_WAIVER = 'cdk8s-stacks.io/waive.references-resolve';

/**
 * Stand-ins for the Secrets a person creates by hand by design (`SystemSecret` with
 * `provided`: no ExternalSecret, the system README gives the command). The workload that
 * reads one says so in its references-resolve waiver (`Secret '<name>' is provided by ...`);
 * the suite plays that person and creates each such Secret with every key a pod references,
 * before the folder is applied. Returns the `<namespace>/<name>` of each stand-in.
 */
function createProvidedSecretStandIns(plane: ControlPlane, objects: readonly Json[]): string[] {
  const wanted = new Map<string, { namespace: string; name: string; keys: Set<string> }>();
  for (const o of objects) {
    const waiver: unknown = o.metadata?.annotations?.[PROVIDED_WAIVER];
    if (typeof waiver !== 'string') continue;
    const provided = new Set([...waiver.matchAll(/Secret '([^']+)' is provided by/g)].map((m) => m[1]));
    for (const { spec, namespace } of podSpecs([o]))
      for (const ref of secretReferences(spec).filter((r) => provided.has(r.secret))) {
        const id = `${namespace}/${ref.secret}`;
        const entry = wanted.get(id) ?? { namespace, name: ref.secret, keys: new Set<string>() };
        if (ref.key !== undefined) entry.keys.add(ref.key);
        wanted.set(id, entry);
      }
  }
  const items = standInSecrets(wanted.values());
  if (items.length > 0) {
    // The namespace comes with the folder; create it first so the Secrets exist before anything reads them.
    for (const ns of new Set(items.map((i) => i.metadata.namespace))) plane.kubectl(['create', 'namespace', ns], { allowFailure: true });
    plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  }
  return [...wanted.keys()];
}

/** The Secrets (name and key) an AlertmanagerConfig spec refers to. */
function secretRefsOf(value: unknown): Array<{ name: string; key: string }> {
  if (Array.isArray(value)) return value.flatMap(secretRefsOf);
  if (typeof value !== 'object' || value === null) return [];
  const o = value as Json;
  if (typeof o.name === 'string' && typeof o.key === 'string' && Object.keys(o).length === 2) return [{ name: o.name, key: o.key }];
  return Object.values(o).flatMap(secretRefsOf);
}

/** A route tree as receivers, matchers and continue (the fields that decide where an alert goes). */
function routeTree(route: Json): Json {
  return {
    receiver: route.receiver,
    matchers: route.matchers ?? [],
    continue: route.continue ?? false,
    routes: ((route.routes ?? []) as Json[]).map(routeTree),
  };
}

/** The StorageClasses the Prometheus objects of a folder name, created (no provisioner: nothing is provisioned here). */
function createStorageClasses(plane: ControlPlane, objects: readonly Json[]): void {
  const classes = new Set<string>();
  for (const o of objects.filter((x) => x.kind === 'Prometheus' || x.kind === 'Alertmanager')) {
    const name = o.spec?.storage?.volumeClaimTemplate?.spec?.storageClassName;
    if (typeof name === 'string') classes.add(name);
  }
  const items = [...classes].map((name) => ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  }));
  if (items.length > 0) plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
}

function apply(plane: ControlPlane, args: string[], what: string): void {
  const result = plane.kubectl(['apply', '--server-side', '--field-manager=cdk8s-stacks', '--validate=strict', ...args], { allowFailure: true });
  if (result.status !== 0) throw new Error(`apply of ${what} failed:\n${result.stderr}`);
  const warnings = result.stderr.split('\n').filter((l) => /^Warning:/i.test(l.trim()));
  if (warnings.length > 0) throw new Error(`apply of ${what} warned:\n${warnings.join('\n')}`);
}

/** The Prometheus configuration the operator generated for `name` in `namespace`, or undefined before it exists. */
function generatedConfig(plane: ControlPlane, namespace: string, name: string): Json | undefined {
  const got = plane.kubectl(['get', 'secret', `prometheus-${name}`, '-n', namespace, '-o', 'json'], { allowFailure: true });
  if (got.status !== 0) return undefined;
  const gz = (JSON.parse(got.stdout) as Json).data?.['prometheus.yaml.gz'];
  if (!gz) return undefined;
  return parse(zlib.gunzipSync(Buffer.from(gz, 'base64')).toString('utf8')) as Json;
}

function scrapeJobs(config: Json): string[] {
  return ((config.scrape_configs ?? []) as Json[]).map((c) => c.job_name as string);
}

/** The operator's `prometheus-<name>-rulefiles-*` ConfigMaps. */
function ruleConfigMaps(plane: ControlPlane, namespace: string, name: string): Json[] {
  const list = JSON.parse(plane.kubectl(['get', 'configmaps', '-n', namespace, '-o', 'json']).stdout) as Json;
  return (list.items as Json[]).filter((cm) => cm.metadata.name.startsWith(`prometheus-${name}-rulefiles-`));
}

/** Rule file names across the operator's rule file ConfigMaps. */
function ruleFiles(plane: ControlPlane, namespace: string, name: string): string[] {
  return ruleConfigMaps(plane, namespace, name)
    .flatMap((cm) => Object.keys(cm.data ?? {}))
    .sort();
}

/** The pod specs of the workloads of a folder (Deployments, StatefulSets, CronJobs, Jobs), with the workload. */
function podSpecs(objects: Json[]): Array<{ owner: string; spec: Json; namespace: string }> {
  const out: Array<{ owner: string; spec: Json; namespace: string }> = [];
  for (const o of objects) {
    const spec =
      o.kind === 'CronJob'
        ? o.spec?.jobTemplate?.spec?.template?.spec
        : ['Deployment', 'StatefulSet', 'Job', 'DaemonSet'].includes(o.kind)
          ? o.spec?.template?.spec
          : undefined;
    if (spec) out.push({ owner: `${o.kind} ${o.metadata.name}`, spec, namespace: o.metadata.namespace });
  }
  return out;
}

/**
 * Every Secret key a pod spec needs: `secretKeyRef` (unless optional), `envFrom.secretRef`
 * (the Secret, any keys), secret volumes and projected secrets (their listed items).
 */
function secretReferences(spec: Json): Array<{ secret: string; key?: string; from: string }> {
  const refs: Array<{ secret: string; key?: string; from: string }> = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Json[]) {
    for (const e of (c.env ?? []) as Json[]) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !ref.optional) refs.push({ secret: ref.name, key: ref.key, from: `container ${c.name} env ${e.name}` });
    }
    for (const e of (c.envFrom ?? []) as Json[])
      if (e.secretRef && !e.secretRef.optional) refs.push({ secret: e.secretRef.name, from: `container ${c.name} envFrom` });
  }
  for (const v of (spec.volumes ?? []) as Json[]) {
    const sources: Json[] = v.secret
      ? [{ ...v.secret, name: v.secret.secretName }]
      : ((v.projected?.sources ?? []) as Json[]).map((s) => s.secret).filter(Boolean);
    for (const s of sources) {
      if (s.optional) continue;
      const items = (s.items ?? []) as Json[];
      if (items.length === 0) refs.push({ secret: s.name, from: `volume ${v.name}` });
      for (const item of items) refs.push({ secret: s.name, key: item.key, from: `volume ${v.name}` });
    }
  }
  return refs;
}

describe(`controllers in the loop on Kubernetes ${NEWEST}`, () => {
  let plane: ControlPlane;
  let operator: ChildProcess;
  let externalSecrets: ChildProcess;
  const logs =
    (...names: string[]) =>
    () =>
      names.map((n) => `--- ${n}.log\n${tail(path.join(plane.dir, `${n}.log`), 40)}`).join('\n');

  beforeAll(async () => {
    const promOp = controller('prometheus-operator', OPERATOR_VERSION);
    const eso = controller('external-secrets', ESO_VERSION);
    plane = await startControlPlane(NEWEST);
    // The repo's CRDs for every other operator; the two controllers' API from their own release.
    // Before Kubernetes 1.30 (K8S_VERSIONS=1.27.16), without `selectableFields`, as the main suite does.
    const crds = path.join(plane.dir, 'crds');
    fs.mkdirSync(crds);
    const own = /^(monitoring\.coreos\.com|external-secrets\.io|generators\.external-secrets\.io)_/;
    const minor = Number(NEWEST.split('.')[1]);
    const sources = [
      ...fs
        .readdirSync(path.join(REPO, 'imports', 'crds'))
        .filter((f) => f.endsWith('.yaml') && !own.test(f))
        .map((f) => path.join(REPO, 'imports', 'crds', f)),
      ...[promOp.crds, eso.crds].flatMap((dir) =>
        fs
          .readdirSync(dir)
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => path.join(dir, f)),
      ),
    ];
    for (const source of sources) {
      // YAML 1.1 for kubectl, as the main suite writes them.
      const docs = parseAllDocuments(fs.readFileSync(source, 'utf8'))
        .map((d) => d.toJS())
        .filter(Boolean);
      if (minor < 30) for (const crd of docs) for (const v of crd.spec?.versions ?? []) delete v.selectableFields;
      fs.writeFileSync(path.join(crds, path.basename(source)), docs.map((d) => stringify(d, { version: '1.1' })).join('---\n'));
    }
    plane.kubectl(['apply', '--server-side', '-f', crds]);
    plane.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);

    operator = plane.run('prometheus-operator', promOp.bin, [
      // No kubelet Service to maintain (there is no kubelet), no admission webhook (a separate binary).
      '--kubelet-service=',
      `--web.listen-address=127.0.0.1:${await freePort()}`,
      '--log-level=info',
    ]);
    externalSecrets = plane.run('external-secrets', eso.bin, [
      // The root command is the controller alone: the webhook and the cert controller are other subcommands.
      '--metrics-addr=0',
      '--enable-leader-election=false',
      '--loglevel=info',
    ]);
    await new Promise((r) => setTimeout(r, 3000));
    for (const [name, child] of [
      ['prometheus-operator', operator],
      ['external-secrets', externalSecrets],
    ] as const)
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}\n${logs(name)()}`);
  }, 300_000);

  afterAll(() => plane?.stop());

  describe('prometheus-operator', () => {
    test.each(envs())(
      '%s: the platform Prometheus selects every ServiceMonitor and PrometheusRule of every system',
      async (env) => {
        const monitors: string[] = [];
        const rules: Array<{ namespace: string; name: string }> = [];
        for (const folder of systemFolders(env)) {
          apply(plane, ['-k', path.join(DIST, folder)], folder);
          createProvidedScrapeSecrets(plane, objectsOf(folder), env === 'dev');
          for (const o of objectsOf(folder)) {
            if (o.kind === 'ServiceMonitor')
              (o.spec.endpoints as Json[]).forEach((_, i) => monitors.push(`serviceMonitor/${o.metadata.namespace}/${o.metadata.name}/${i}`));
            if (o.kind === 'PrometheusRule') rules.push({ namespace: o.metadata.namespace, name: o.metadata.name });
          }
        }
        expect(monitors.length).toBeGreaterThan(0);
        expect(rules.length).toBeGreaterThan(0);

        for (const folder of prometheusFolders(env)) {
          // The cluster profile names the storage classes the cluster has (the operator refuses a
          // Prometheus whose class does not exist): this control plane gets them as the profile says.
          createStorageClasses(plane, objectsOf(folder));
          apply(plane, ['-k', path.join(DIST, folder)], folder);
          for (const prometheus of objectsOf(folder).filter((o) => o.kind === 'Prometheus')) {
            const { name, namespace } = prometheus.metadata;
            const uids = Object.fromEntries(
              (JSON.parse(plane.kubectl(['get', 'prometheusrules', '-A', '-o', 'json']).stdout).items as Json[]).map((r) => [
                `${r.metadata.namespace}/${r.metadata.name}`,
                r.metadata.uid,
              ]),
            );
            const files = rules.map((r) => `${r.namespace}-${r.name}-${uids[`${r.namespace}/${r.name}`]}.yaml`);
            // The operator rewrites the configuration and the rule file ConfigMaps as it notices
            // objects; wait until they hold them all and the configuration loads every ConfigMap
            // (mounted by the operator under /etc/prometheus/rules).
            const missing = () => {
              const config = generatedConfig(plane, namespace, name);
              if (!config) return { jobs: monitors, files, unloaded: ['(no configuration yet)'] };
              const jobs = scrapeJobs(config);
              const present = ruleFiles(plane, namespace, name);
              const loaded = (config.rule_files ?? []) as string[];
              return {
                jobs: monitors.filter((m) => !jobs.includes(m)),
                files: files.filter((f) => !present.includes(f)),
                unloaded: ruleConfigMaps(plane, namespace, name)
                  .map((cm) => `/etc/prometheus/rules/${cm.metadata.name}/*.yaml`)
                  .filter((glob) => !loaded.includes(glob)),
              };
            };
            const done = (m: ReturnType<typeof missing>) => m.jobs.length === 0 && m.files.length === 0 && m.unloaded.length === 0;
            await poll(
              `${folder}: the operator did not select every ServiceMonitor and PrometheusRule (${JSON.stringify(missing())})`,
              180,
              () => (done(missing()) ? true : undefined),
              logs('prometheus-operator'),
            );
            expect(missing()).toEqual({ jobs: [], files: [], unloaded: [] });

            // The pods the operator makes carry the profile's pod labels, which the systems' NetworkPolicies admit.
            const sts = await poll(
              `${folder}: no StatefulSet prometheus-${name}`,
              60,
              () => {
                const got = plane.kubectl(['get', 'statefulset', `prometheus-${name}`, '-n', namespace, '-o', 'json'], { allowFailure: true });
                return got.status === 0 ? (JSON.parse(got.stdout) as Json) : undefined;
              },
              logs('prometheus-operator'),
            );
            const podLabels = sts.spec.template.metadata.labels as Record<string, string>;
            expect(podLabels).toMatchObject(prometheus.spec.podMetadata.labels);
            const peers = systemFolders(env)
              .flatMap(objectsOf)
              .filter((o) => o.kind === 'NetworkPolicy')
              .flatMap((np) => ((np.spec.ingress ?? []) as Json[]).flatMap((rule) => (rule.from ?? []) as Json[]))
              .filter((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace);
            expect(peers.length).toBeGreaterThan(0);
            for (const peer of peers) expect(podLabels).toMatchObject(peer.podSelector?.matchLabels ?? {});
          }
        }
      },
      400_000,
    );

    test.each(envs())(
      '%s: the platform Alertmanager takes its base AlertmanagerConfig and every system one; the generated configuration is the one amtool checks',
      async (env) => {
        // Every environment's platform folder has the same Alertmanager: each is checked right after its own apply.
        const folders = prometheusFolders(env);
        const systems = systemFolders(env);
        const objects = [...folders, ...systems].flatMap(objectsOf);
        // One control plane plays every environment's cluster: another environment's system routes
        // (TechShop's in techshop-prod) would be selected too, as they would in a shared cluster.
        plane.kubectl(['delete', 'alertmanagerconfigs', '--all', '--all-namespaces', '--wait=true']);
        for (const folder of systems) apply(plane, ['-k', path.join(DIST, folder)], folder);
        // The receivers' credentials: made by ExternalSecrets from Vault in staging and prod, which this
        // control plane has no access to; the suite plays Vault, with the values the rendering uses.
        const secrets = new Map<string, Json>();
        for (const amc of objects.filter((o) => o.kind === 'AlertmanagerConfig'))
          for (const ref of secretRefsOf(amc.spec)) {
            const id = `${amc.metadata.namespace}/${ref.name}`;
            const entry = secrets.get(id) ?? {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: ref.name, namespace: amc.metadata.namespace },
              stringData: {},
            };
            entry.stringData[ref.key] = fakeSecret(amc.metadata.namespace, ref.name, ref.key);
            secrets.set(id, entry);
          }
        for (const folder of folders) {
          createStorageClasses(plane, objectsOf(folder));
          apply(plane, ['-k', path.join(DIST, folder)], folder);
        }
        if (secrets.size > 0)
          plane.kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
            input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...secrets.values()] }),
          });
        const expected = generatedAlertmanagerConfig(objects);
        const { name, namespace } = expected.alertmanager.metadata;
        const systemReceivers = expected.systems.flatMap((o) => (o.spec.receivers as Json[]).map((r) => `${o.namespace}/${o.name}/${r.name}`));
        const generated = await poll(
          `${env}: the operator did not generate a configuration with the base and every system AlertmanagerConfig (${systemReceivers.join(', ')})`,
          180,
          () => {
            const got = plane.kubectl(['get', 'secret', `alertmanager-${name}-generated`, '-n', namespace, '-o', 'json'], { allowFailure: true });
            const gz = got.status === 0 ? (JSON.parse(got.stdout) as Json).data?.['alertmanager.yaml.gz'] : undefined;
            if (!gz) return undefined;
            const config = parse(zlib.gunzipSync(Buffer.from(gz, 'base64')).toString('utf8')) as Json;
            const names = ((config.receivers ?? []) as Json[]).map((r) => r.name as string);
            return systemReceivers.every((r) => names.includes(r)) && names.includes(`${namespace}/${name}/null`) ? config : undefined;
          },
          logs('prometheus-operator'),
        );
        // Where alerts go, as the operator built it, is what the amtool suite checks.
        expect(routeTree(generated.route)).toEqual(routeTree(expected.config.route));
        expect(generated.inhibit_rules).toEqual(expected.config.inhibit_rules);
        expect(((generated.receivers ?? []) as Json[]).map((r) => r.name).sort()).toEqual(
          (expected.config.receivers as Json[]).map((r) => r.name).sort(),
        );
        const file = path.join(plane.dir, `${env}-alertmanager.yaml`);
        fs.writeFileSync(file, stringify(generated));
        const check = spawnSync(alertingTools().amtool, ['check-config', file], { encoding: 'utf8' });
        expect(`${check.stdout}${check.stderr}`).toMatch(/SUCCESS/);

        const sts = await poll(
          `${env}: no StatefulSet alertmanager-${name} with the Alertmanager's replicas`,
          60,
          () => {
            // The previous environment's Alertmanager (same name) may still be there until the operator updates it.
            const got = plane.kubectl(['get', 'statefulset', `alertmanager-${name}`, '-n', namespace, '-o', 'json'], { allowFailure: true });
            const found = got.status === 0 ? (JSON.parse(got.stdout) as Json) : undefined;
            return found?.spec?.replicas === expected.alertmanager.spec.replicas ? found : undefined;
          },
          logs('prometheus-operator'),
        );
        expect(sts.spec.replicas).toBe(expected.alertmanager.spec.replicas);
        // The PodDisruptionBudget (prod, staging) selects the pods the operator makes.
        for (const pdb of objectsOf(folders[0]).filter((o) => o.kind === 'PodDisruptionBudget'))
          expect(sts.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
      },
      400_000,
    );

    test('a ServiceMonitor and a PrometheusRule without the selected label are reported as not selected', async () => {
      const env = envs()[0];
      const [folder] = prometheusFolders(env);
      const prometheus = objectsOf(folder).find((o) => o.kind === 'Prometheus')!;
      const { name, namespace } = prometheus.metadata;
      const selected = prometheus.spec.serviceMonitorSelector.matchLabels as Record<string, string>;
      const ruleSelected = prometheus.spec.ruleSelector.matchLabels as Record<string, string>;
      const wrong = Object.fromEntries(Object.keys(selected).map((k) => [k, `not-${selected[k]}`]));
      const target = systemFolders(env)[0];
      const ns = objectsOf(target).find((o) => o.kind === 'Namespace')!.metadata.name as string;
      const monitor = (n: string, labels: Record<string, string>) => ({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: n, namespace: ns, labels },
        spec: { selector: { matchLabels: { 'app.kubernetes.io/name': n } }, endpoints: [{ port: 'metrics' }] },
      });
      const rule = (n: string, labels: Record<string, string>) => ({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: n, namespace: ns, labels },
        spec: { groups: [{ name: n, rules: [{ alert: 'HarnessCheck', expr: 'vector(1) == 0' }] }] },
      });
      // A correctly labelled pair made at the same time: once it shows up, the operator has seen the wrong pair too.
      const objects = [
        monitor('harness-wrong-label', wrong),
        rule('harness-wrong-label', Object.fromEntries(Object.keys(ruleSelected).map((k) => [k, `not-${ruleSelected[k]}`]))),
        monitor('harness-right-label', selected),
        rule('harness-right-label', ruleSelected),
      ];
      plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
      const uid = (n: string) => JSON.parse(plane.kubectl(['get', 'prometheusrule', n, '-n', ns, '-o', 'json']).stdout).metadata.uid as string;
      const rightJob = `serviceMonitor/${ns}/harness-right-label/0`;
      const rightFile = `${ns}-harness-right-label-${uid('harness-right-label')}.yaml`;
      await poll(
        'the correctly labelled ServiceMonitor and PrometheusRule did not appear',
        120,
        () => {
          const config = generatedConfig(plane, namespace, name);
          return config && scrapeJobs(config).includes(rightJob) && ruleFiles(plane, namespace, name).includes(rightFile) ? true : undefined;
        },
        logs('prometheus-operator'),
      );
      const notSelected = (() => {
        const jobs = scrapeJobs(generatedConfig(plane, namespace, name)!);
        const files = ruleFiles(plane, namespace, name);
        return [
          ...(jobs.includes(`serviceMonitor/${ns}/harness-wrong-label/0`) ? [] : [`ServiceMonitor ${ns}/harness-wrong-label`]),
          ...(files.includes(`${ns}-harness-wrong-label-${uid('harness-wrong-label')}.yaml`) ? [] : [`PrometheusRule ${ns}/harness-wrong-label`]),
        ];
      })();
      expect(notSelected).toEqual([`ServiceMonitor ${ns}/harness-wrong-label`, `PrometheusRule ${ns}/harness-wrong-label`]);
      plane.kubectl(['delete', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });
    }, 200_000);
  });

  describe(`external-secrets ${ESO_VERSION}`, () => {
    test('dev: every ExternalSecret becomes a Secret holding every key a pod references', async () => {
      const folders = systemFolders('dev');
      const externalSecrets: Json[] = [];
      const certificates: Json[] = [];
      const standIns: string[] = [];
      const references: Array<{ namespace: string; secret: string; key?: string; from: string }> = [];
      for (const folder of folders) {
        const objects = objectsOf(folder);
        standIns.push(...createProvidedSecretStandIns(plane, objects));
        // Applied before (with the Prometheus checks) or now: strict apply against this release's CRDs either way.
        apply(plane, ['-k', path.join(DIST, folder)], folder);
        const restore = path.join(DIST, folder, 'restore');
        if (fs.existsSync(restore))
          for (const f of fs.readdirSync(restore).filter((x) => x.endsWith('.yaml')))
            objects.push(...parseAllDocuments(fs.readFileSync(path.join(restore, f), 'utf8')).map((d) => d.toJS() as Json));
        externalSecrets.push(...objects.filter((o) => o.kind === 'ExternalSecret'));
        certificates.push(...objects.filter((o) => o.kind === 'Certificate'));
        for (const { owner, spec, namespace } of podSpecs(objects))
          references.push(...secretReferences(spec).map((r) => ({ ...r, namespace, from: `${folder} ${owner} ${r.from}` })));
      }
      expect(externalSecrets.length).toBeGreaterThan(0);
      expect(references.length).toBeGreaterThan(0);

      const secretOf = (namespace: string, name: string): Json | undefined => {
        const got = plane.kubectl(['get', 'secret', name, '-n', namespace, '-o', 'json'], { allowFailure: true });
        return got.status === 0 ? (JSON.parse(got.stdout) as Json) : undefined;
      };
      const pending = () =>
        externalSecrets
          .filter((es) => !secretOf(es.metadata.namespace, es.spec.target?.name ?? es.metadata.name))
          .map((es) => `${es.metadata.namespace}/${es.metadata.name}`);
      await poll(
        `ExternalSecrets without their Secret: ${pending().join(', ')}`,
        240,
        () => (pending().length === 0 ? true : undefined),
        logs('external-secrets'),
      );

      for (const es of externalSecrets) {
        const status = JSON.parse(
          plane.kubectl(['get', 'externalsecret', es.metadata.name, '-n', es.metadata.namespace, '-o', 'json']).stdout,
        ) as Json;
        expect({
          es: `${es.metadata.namespace}/${es.metadata.name}`,
          ready: (status.status?.conditions ?? []).find((c: Json) => c.type === 'Ready')?.status,
        }).toEqual({
          es: `${es.metadata.namespace}/${es.metadata.name}`,
          ready: 'True',
        });
      }
      // Every reference resolves: the Secret exists (made by an ExternalSecret, or by hand as its workload
      // declares: a stand-in here) and holds the key, with a non-empty value.
      const produced = new Set([...externalSecrets.map((es) => `${es.metadata.namespace}/${es.spec.target?.name ?? es.metadata.name}`), ...standIns]);
      // Secrets a cert-manager Certificate of the same folder writes (a TLS store's server
      // certificate): cert-manager does not run in this suite, so the Secret is not made here.
      // What is checked instead: the API server holds the Certificate, and the key is one
      // cert-manager writes into every Certificate's Secret.
      const issued = new Map(certificates.map((c) => [`${c.metadata.namespace}/${c.spec.secretName}`, c]));
      const issuedRefs = references.filter((r) => issued.has(`${r.namespace}/${r.secret}`));
      for (const r of issuedRefs) {
        const certificate = issued.get(`${r.namespace}/${r.secret}`)!;
        const got = plane.kubectl(['get', 'certificate', certificate.metadata.name, '-n', r.namespace], { allowFailure: true });
        expect({ ref: r.from, certificateInApiServer: got.status === 0 }).toEqual({ ref: r.from, certificateInApiServer: true });
        expect({ ref: r.from, key: r.key ?? 'tls.crt' }).toEqual({ ref: r.from, key: expect.stringMatching(/^(tls\.crt|tls\.key|ca\.crt)$/) });
      }
      const unresolved = references
        .filter((r) => !issued.has(`${r.namespace}/${r.secret}`))
        .filter((r) => {
          const secret = secretOf(r.namespace, r.secret);
          if (!secret || !produced.has(`${r.namespace}/${r.secret}`)) return true;
          return r.key !== undefined && !(Buffer.from(secret.data?.[r.key] ?? '', 'base64').length > 0);
        })
        .map((r) => `${r.from}: ${r.namespace}/${r.secret}${r.key ? `[${r.key}]` : ''}`);
      expect(unresolved).toEqual([]);
    }, 400_000);

    test(`a generated Secret's keys are independent random values (one generator call per key)`, () => {
      const es = systemFolders('dev')
        .flatMap(objectsOf)
        .find((o) => o.kind === 'ExternalSecret' && (o.spec.dataFrom ?? []).length > 1)!;
      expect(es).toBeDefined();
      const secret = JSON.parse(plane.kubectl(['get', 'secret', es.spec.target.name, '-n', es.metadata.namespace, '-o', 'json']).stdout) as Json;
      const values = Object.values(secret.data as Record<string, string>).map((v) => Buffer.from(v, 'base64').toString('utf8'));
      expect(values.length).toBe(es.spec.dataFrom.length);
      expect(new Set(values).size).toBe(values.length);
      for (const v of values) expect(v).toMatch(/^[A-Za-z0-9]{16,}$/);
    });
  });
});
