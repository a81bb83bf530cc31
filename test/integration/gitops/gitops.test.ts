import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENT_NAMES, Environment, EnvironmentName, runSynthCli } from 'cdk8s-stacks';
import { PLATFORM_COMPONENTS } from '../../../lib/core/platform-requirements';
import { FIRST_CONSUMER_ANNOTATION } from '../../../lib/gitops/render';
import { parse, stringify } from 'yaml';
import { buildRepositoryApp } from '../../../charts/app';
import { ENVIRONMENTS } from '../../../charts/environments';
import { REPO } from '../cluster/control-plane';
import { ArgoCd, startArgoCd, startGitServer } from './argocd';
import { blankClusterProcedure, commandsFor, runCommands } from './procedure';
import {
  CACHE,
  NEWEST,
  SimulatedCluster,
  SimulatedStorageClass,
  cached,
  claimsOf,
  createStorage,
  freePort,
  objectsUnder,
  setting,
  startSimulatedCluster,
  writeCrds,
} from './simulated-cluster';

/**
 * The first deploy, run for real: for each environment, a blank simulated cluster (see
 * simulated-cluster.ts), real Argo CD (argocd.ts), and the user's procedure as the README
 * writes it (procedure.ts): synthesize with a profile pointing at this Git server and API
 * server, apply the README's argocd-cm settings, run its bootstrap commands, then wait until
 * every Application is Synced and Healthy. Nothing is applied behind Argo CD's back; the
 * suite only provides what the profile declares `preinstalled` (below).
 *
 * Failures print, per Application, Argo CD's own words: the sync operation's phase and
 * message, every resource whose sync failed with its message, the conditions, and every
 * resource that is not Synced or not Healthy with its health message.
 */
type Json = Record<string, any>;

const ENVS: readonly EnvironmentName[] = (process.env.GITOPS_ENVS?.split(',') as EnvironmentName[] | undefined) ?? ENVIRONMENT_NAMES;
/** How long an environment may take to converge (measured: see scripts/k8s/README.md). */
const CONVERGE_SECONDS = Number(process.env.GITOPS_CONVERGE_SECONDS ?? 900);

/**
 * Objects whose controller cannot run here, with the reason. Argo CD is told (an argocd-cm
 * health customisation per kind, as a user of a cluster without that controller would write
 * one) to rate them Healthy with the message `not assessed here: <reason>`; without it the
 * sync wave holding them would never end and nothing after it would be tried. The suite
 * checks that every object so rated is of a listed kind and that each listed kind occurs.
 * Everything else must be Healthy on Argo CD's own terms.
 */
export const EXCEPTIONS: readonly { readonly kind: string; readonly reason: string }[] = [
  {
    kind: 'networking.k8s.io/Ingress',
    reason:
      'no ingress controller runs here (ingress-nginx and Traefik are preinstalled in the test profile); Argo CD rates an Ingress Progressing until a controller writes its load balancer address',
  },
  {
    kind: 'cert-manager.io/Certificate',
    reason: 'cert-manager does not run here (preinstalled in the test profile); nothing issues the certificate',
  },
  { kind: 'cert-manager.io/Issuer', reason: 'cert-manager does not run here (preinstalled in the test profile); nothing marks the issuer Ready' },
  {
    kind: 'cert-manager.io/ClusterIssuer',
    reason: 'cert-manager does not run here (preinstalled in the test profile); nothing marks the issuer Ready',
  },
  {
    kind: 'gateway.networking.k8s.io/Gateway',
    reason: 'Envoy Gateway does not run here (preinstalled in the test profile); nothing programs the Gateway',
  },
  {
    kind: 'gateway.networking.k8s.io/HTTPRoute',
    reason: 'Envoy Gateway does not run here (preinstalled in the test profile); no Gateway accepts the route',
  },
  {
    kind: 'gateway.envoyproxy.io/BackendTrafficPolicy',
    reason: 'Envoy Gateway does not run here (preinstalled in the test profile); nothing accepts the policy',
  },
  {
    kind: 'postgresql.cnpg.io/Cluster',
    reason:
      'the CloudNativePG operator does not run here (preinstalled in the test profile; its instance manager runs inside the database pods, which kwok does not run)',
  },
  {
    kind: 'autoscaling/HorizontalPodAutoscaler',
    reason: 'metrics-server cannot run here (kwok pods have no kubelet to read usage from), so the autoscaler reports FailedGetResourceMetric',
  },
];
const NOT_ASSESSED = 'not assessed here: ';

/** Lua health scripts for the exceptions, keyed as argocd-cm wants them. */
function exceptionHealth(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of EXCEPTIONS) {
    const [group, kind] = e.kind.includes('/') ? e.kind.split('/') : ['', e.kind];
    out[`resource.customizations.health.${group ? `${group}_` : ''}${kind}`] =
      `hs = {}\nhs.status = "Healthy"\nhs.message = ${JSON.stringify(NOT_ASSESSED + e.reason)}\nreturn hs\n`;
  }
  return out;
}

/**
 * The test profile: the repository's own environments with what differs in this cluster:
 * the Git server, the destination API server, every platform component preinstalled (none
 * of their charts can be fetched here; the suite installs their CRDs and runs the three
 * controllers the project builds: prometheus-operator, external-secrets, Argo Rollouts), and generated secrets (no Vault here).
 */
function testEnvironments(repoURL: string, server: string): Record<EnvironmentName, Environment> {
  const out = {} as Record<EnvironmentName, Environment>;
  for (const name of ENVIRONMENT_NAMES) {
    const env = ENVIRONMENTS[name];
    out[name] = new Environment({
      ...env,
      platform: {
        ...env.platform.props,
        gitops: { ...env.platform.props.gitops, repoURL, targetRevision: 'main' },
        secrets: { kind: 'generated' },
        // Receivers whose credentials live in Vault cannot be had with generated secrets (a synth
        // error): the test profile sends alerts to one plain webhook. Nothing delivers here anyway,
        // as the platform's Prometheus and Alertmanager come with the preinstalled operator.
        ...(env.platform.props.alerting
          ? { alerting: { receivers: [{ name: 'team', webhook: { url: 'https://alerts.stackworks.io/alertmanager' } }], defaultReceiver: 'team' } }
          : {}),
        preinstalled: [...PLATFORM_COMPONENTS],
        argocd: { ...env.platform.props.argocd, destinationServer: server },
      },
    });
  }
  return out;
}

function synth(workTree: string, envs: Record<EnvironmentName, Environment>): void {
  const errors: string[] = [];
  const code = runSynthCli({
    build: () => buildRepositoryApp({ environments: envs, outdir: path.join(workTree, '..', 'cdk8s-app') }),
    outdir: path.join(workTree, 'dist'),
    replaceAll: true,
    log: () => undefined,
    error: (line) => errors.push(line),
  });
  if (code !== 0) throw new Error(`the synth with the test profile failed:\n${errors.join('\n')}`);
}

/**
 * The classes the cluster has before the first sync: `standard`, its default, and every class
 * the profile declares preinstalled (a class the platform layer creates would come with the
 * sync), its shared class marked. Each is a no-provisioner WaitForFirstConsumer class.
 */
function storageClasses(env: EnvironmentName): SimulatedStorageClass[] {
  const storage = ENVIRONMENTS[env].platform.props.storage;
  const preinstalled = Object.entries(storage?.classes ?? {})
    .filter(([, c]) => 'preinstalled' in c && c.preinstalled)
    .map(([name]) => name);
  return ['standard', ...preinstalled].map((name) => ({
    name,
    reclaimPolicy: /retain/.test(name) ? 'Retain' : 'Delete',
    shared: name === storage?.sharedClass,
  }));
}

/** The suite's part: what the test profile declares preinstalled (CRDs, and the controllers it can run). */
async function installPreinstalled(cluster: SimulatedCluster): Promise<void> {
  const controller = (name: string, version: string) => {
    const dir = path.join(CACHE, 'controllers', name, version);
    cached(path.join(dir, '.complete'), 'bash scripts/k8s/build-controllers.sh');
    return { bin: path.join(dir, name), crds: path.join(dir, 'crds') };
  };
  const promOp = controller('prometheus-operator', setting('PROMETHEUS_OPERATOR_VERSION'));
  const eso = controller('external-secrets', setting('EXTERNAL_SECRETS_VERSION'));
  // Argo Rollouts: a Rollout is Healthy only when its controller has run it (Argo CD's own
  // health check reads the status the controller writes), so the real controller runs here.
  const rollouts = controller('argo-rollouts', setting('ARGO_ROLLOUTS_VERSION'));
  // The repository's CRDs for every other operator; the three controllers' API from their own
  // release (imports/crds holds Argo CD's and Argo Rollouts' under argoproj.io); Argo CD's own
  // come with Argo CD.
  const own = /^(monitoring\.coreos\.com|external-secrets\.io|generators\.external-secrets\.io|argoproj\.io)_/;
  const yamls = (dir: string) =>
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(dir, f));
  const crds = path.join(cluster.plane.dir, 'crds');
  writeCrds(
    [
      ...yamls(path.join(REPO, 'imports', 'crds')).filter((f) => !own.test(path.basename(f))),
      ...yamls(promOp.crds),
      ...yamls(eso.crds),
      ...yamls(rollouts.crds),
    ],
    crds,
  );
  cluster.plane.kubectl(['apply', '--server-side', '-f', crds]);
  cluster.plane.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  cluster.plane.run('prometheus-operator', promOp.bin, [
    '--kubelet-service=',
    `--web.listen-address=127.0.0.1:${await freePort()}`,
    '--log-level=info',
  ]);
  cluster.plane.run('external-secrets', eso.bin, ['--metrics-addr=0', '--enable-leader-election=false', '--loglevel=info']);
  cluster.plane.run('argo-rollouts', rollouts.bin, [
    `--kubeconfig=${cluster.plane.kubeconfig}`,
    '--leader-elect=false',
    `--metricsPort=${await freePort()}`,
    `--healthzPort=${await freePort()}`,
    '--loglevel=info',
  ]);
}

/** Every Application the environment's dist defines (root, platform, Prometheus, systems, platform components). */
function expectedApplications(dist: string): string[] {
  return objectsUnder(dist)
    .filter((o) => o.kind === 'Application')
    .map((o) => o.metadata.name)
    .sort();
}

const isHealthy = (app: Json) => app.status?.sync?.status === 'Synced' && app.status?.health?.status === 'Healthy';

/** Argo CD's account of one Application that is not Synced and Healthy. */
export function describeApplication(app: Json): string {
  const s = app.status ?? {};
  const lines = [
    `Application ${app.metadata.name}: sync ${s.sync?.status ?? '-'}, health ${s.health?.status ?? '-'}${s.health?.message ? ` (${s.health.message})` : ''}`,
  ];
  const op = s.operationState;
  if (op) lines.push(`  operation ${op.phase}: ${op.message ?? ''}`);
  for (const r of op?.syncResult?.resources ?? [])
    if (r.status && r.status !== 'Synced')
      lines.push(`  sync of ${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: ${r.status}: ${r.message ?? ''}`);
  for (const c of s.conditions ?? []) lines.push(`  condition ${c.type}: ${c.message}`);
  // Objects of later waves (not created yet) in one line; every other unfinished one with Argo CD's message.
  const id = (r: Json) => `${r.group ? `${r.group}/` : ''}${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
  const pending: string[] = [];
  for (const r of s.resources ?? []) {
    if (r.status === 'Synced' && (r.health === undefined || r.health.status === 'Healthy')) continue;
    if (r.status === 'OutOfSync' && (r.health === undefined || r.health.status === 'Missing')) {
      pending.push(id(r));
      continue;
    }
    lines.push(`  ${id(r)}: sync ${r.status ?? '-'}, health ${r.health?.status ?? '-'}${r.health?.message ? `: ${r.health.message}` : ''}`);
  }
  if (pending.length > 0) lines.push(`  not created yet (${pending.length}): ${pending.join(', ')}`);
  return lines.join('\n');
}

interface Run {
  cluster: SimulatedCluster;
  argocd: ArgoCd;
  dist: string;
  transcript: string[];
}

/**
 * The whole procedure for one environment on a blank cluster. `tamper` changes the
 * synthesized tree before it is pushed (the negative tests).
 */
async function deploy(env: EnvironmentName, tamper?: (dist: string) => void): Promise<Run> {
  const cluster = await startSimulatedCluster();
  try {
    const git = await startGitServer(cluster);
    synth(git.workTree, testEnvironments(git.repoURL, cluster.server));
    const dist = path.join(git.workTree, 'dist', env);
    tamper?.(dist);
    git.publish(`dist for ${env}`, followedRevisions(path.join(dist, 'argocd')));
    // What the profile says the cluster has: the storage classes (the first one the default)
    // with local volumes for every claim the environment makes, the preinstalled components.
    createStorage(cluster, storageClasses(env), claimsOf(objectsUnder(dist)));
    await installPreinstalled(cluster);
    const procedure = blankClusterProcedure();
    const argocd = await startArgoCd(cluster, git, { settings: { ...procedure.argocdCm, ...exceptionHealth() } });
    const transcript = runCommands(commandsFor(procedure, env), {
      workTree: git.workTree,
      kubectl: path.join(CACHE, 'k8s', NEWEST, 'bin', 'kubectl'),
      kubeconfig: cluster.plane.kubeconfig,
    });
    return { cluster, argocd, dist, transcript };
  } catch (error) {
    cluster.plane.stop();
    throw error;
  }
}

/** The revisions the Applications of an environment's argocd folder follow. */
function followedRevisions(folder: string): string[] {
  const revisions = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => /^\s+targetRevision: (\S+)$/m.exec(fs.readFileSync(path.join(folder, f), 'utf8'))?.[1])
    .filter((r): r is string => r !== undefined);
  return [...new Set(revisions)];
}

/** Waits until `done` holds for the Applications, or fails with Argo CD's account of each unfinished one. */
async function waitForApplications(run: Run, what: string, done: (apps: Json[]) => boolean, seconds: number): Promise<Json[]> {
  const deadline = Date.now() + seconds * 1000;
  let apps: Json[] = [];
  for (;;) {
    apps = run.argocd.applications();
    if (done(apps)) return apps;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 5000));
  }
  const report = apps.filter((a) => !isHealthy(a)).map(describeApplication);
  throw new Error(
    `${what} within ${seconds} s\n${report.join('\n')}\n\nApplications: ${apps.map((a) => a.metadata.name).join(', ')}\n${run.transcript.join('\n')}\n${run.argocd.logs(20)}`,
  );
}

/** For each owner (ReplicaSet, StatefulSet, ...) of pods that mount a ReadWriteMany claim: its pods and the nodes they run on. */
function sharedClaimSpread(cluster: SimulatedCluster): { owner: string; pods: number; nodes: string[] }[] {
  const get = (kind: string): Json[] => JSON.parse(cluster.plane.kubectl(['get', kind, '-A', '-o', 'json']).stdout).items;
  const shared = new Set(
    get('persistentvolumeclaims')
      .filter((c) => (c.spec?.accessModes ?? []).includes('ReadWriteMany'))
      .map((c) => `${c.metadata.namespace}/${c.metadata.name}`),
  );
  const owners = new Map<string, { pods: number; nodes: Set<string> }>();
  for (const pod of get('pods')) {
    const claims: string[] = (pod.spec?.volumes ?? []).map((v: Json) => v.persistentVolumeClaim?.claimName).filter(Boolean);
    if (!claims.some((c) => shared.has(`${pod.metadata.namespace}/${c}`)) || !pod.spec?.nodeName) continue;
    const ref = pod.metadata.ownerReferences?.[0];
    const owner = `${pod.metadata.namespace}/${ref ? `${ref.kind}/${ref.name}` : pod.metadata.name}`;
    const entry = owners.get(owner) ?? { pods: 0, nodes: new Set<string>() };
    entry.pods++;
    entry.nodes.add(pod.spec.nodeName);
    owners.set(owner, entry);
  }
  return [...owners.entries()].sort().map(([owner, e]) => ({ owner, pods: e.pods, nodes: [...e.nodes].sort() }));
}

const usedExceptions = new Set<string>();

describe.each(ENVS)('%s: Argo CD deploys dist/ onto a blank cluster', (env) => {
  let run: Run | undefined;
  afterAll(() => run?.cluster.plane.stop());

  test(
    'every Application reaches Synced and Healthy, with only the listed exceptions',
    async () => {
      const started = Date.now();
      run = await deploy(env);
      const expected = expectedApplications(run.dist);
      const apps = await waitForApplications(
        run,
        `the Applications of ${env} (${expected.join(', ')}) did not all become Synced and Healthy`,
        (list) => expected.every((name) => list.some((a) => a.metadata.name === name && isHealthy(a))),
        CONVERGE_SECONDS,
      );
      console.log(`${env}: ${expected.length} Applications Synced and Healthy after ${Math.round((Date.now() - started) / 1000)} s`);
      const excepted: string[] = [];
      for (const app of apps) {
        for (const r of app.status?.resources ?? []) {
          const message: string = r.health?.message ?? '';
          if (!message.startsWith(NOT_ASSESSED)) continue;
          const kind = `${r.group ? `${r.group}/` : ''}${r.kind}`;
          expect(EXCEPTIONS.map((e) => e.kind)).toContain(kind);
          usedExceptions.add(kind);
          excepted.push(`${app.metadata.name}: ${kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`);
        }
      }
      console.log(`${env}: not assessed here (EXCEPTIONS):\n  ${excepted.join('\n  ') || '(none)'}`);
      // Pods that share a ReadWriteMany claim still spread over the nodes: the shared class's
      // volumes have no node affinity (a block class's local volume would pin them to one node).
      const spread = sharedClaimSpread(run.cluster);
      console.log(
        `${env}: pods sharing ReadWriteMany claims, nodes per owner:\n  ${spread.map((s) => `${s.owner}: ${s.nodes.length} nodes for ${s.pods} pods`).join('\n  ') || '(none)'}`,
      );
      for (const s of spread.filter((x) => x.pods > 1))
        expect({ owner: s.owner, spread: s.nodes.length > 1 }).toEqual({ owner: s.owner, spread: true });
    },
    (CONVERGE_SECONDS + 300) * 1000,
  );
});

test('every listed exception occurs in some environment (the list stays short and true)', () => {
  if (ENVS.length < ENVIRONMENT_NAMES.length) return; // a subset run (GITOPS_ENVS) cannot tell
  expect(EXCEPTIONS.map((e) => e.kind).filter((k) => !usedExceptions.has(k))).toEqual([]);
});

/** `file` with its YAML rewritten by `change` (one object per file, as dist/ writes them). */
function edit(file: string, change: (o: Json) => void): void {
  const doc = parse(fs.readFileSync(file, 'utf8')) as Json;
  change(doc);
  fs.writeFileSync(file, stringify(doc));
}

/**
 * Negative tests: a deliberately broken dev tree makes the procedure fail, and the failure
 * carries Argo CD's own message. Each is a fresh blank cluster; the test ends as soon as Argo
 * CD has said it.
 */
describe('dev, deliberately broken: the failure is Argo CD’s own message', () => {
  let run: Run | undefined;
  afterEach(() => {
    run?.cluster.plane.stop();
    run = undefined;
  });

  test('a kind the platform layer creates removed from the AppProject whitelist', async () => {
    run = await deploy('dev', (dist) => {
      const project = fs.readdirSync(path.join(dist, 'argocd')).find((f) => /^\d+-appproject-/.test(f))!;
      edit(path.join(dist, 'argocd', project), (o) => {
        const before = o.spec.clusterResourceWhitelist.length;
        o.spec.clusterResourceWhitelist = o.spec.clusterResourceWhitelist.filter((k: Json) => k.kind !== 'PriorityClass');
        expect(o.spec.clusterResourceWhitelist.length).toBe(before - 1);
      });
    });
    const message = /PriorityClass\b.*\bis not permitted in project stacks-dev/;
    const apps = await waitForApplications(
      run,
      'Argo CD did not refuse the PriorityClasses of platform-dev',
      (list) => list.some((a) => a.metadata.name === 'platform-dev' && message.test(describeApplication(a))),
      300,
    );
    const platform = apps.find((a) => a.metadata.name === 'platform-dev')!;
    console.log(`broken whitelist, as Argo CD reports it:\n${describeApplication(platform)}`);
    expect(isHealthy(platform)).toBe(false);
    // The root waits for the platform: no system is synced.
    expect(apps.filter((a) => /-dev$/.test(a.metadata.name) && !['stacks-dev', 'platform-dev'].includes(a.metadata.name) && isHealthy(a))).toEqual(
      [],
    );
  }, 600_000);

  test('a claim moved to a wave before its consumer on a WaitForFirstConsumer class', async () => {
    let moved = '';
    run = await deploy('dev', (dist) => {
      // capibara6's `data`: its consumers are Deployments, so in its own wave it binds at once.
      const system = 'capibara6';
      const claim = fs.readdirSync(path.join(dist, system)).find((f) => /^\d+-persistentvolumeclaim-data\.yaml$/.test(f));
      if (!claim) throw new Error(`dist/dev/${system} has no PersistentVolumeClaim to move`);
      edit(path.join(dist, system, claim), (o) => {
        moved = o.metadata.name;
        // Both halves of the fix undone for this claim: its consumer's wave, and the annotation
        // that lets the README's claim health rule pass it while it waits for a pod.
        const { [FIRST_CONSUMER_ANNOTATION]: _marked, ...annotations } = o.metadata.annotations ?? {};
        o.metadata.annotations = { ...annotations, 'argocd.argoproj.io/sync-wave': '1' };
      });
    });
    const message = new RegExp(`waiting for healthy state of /PersistentVolumeClaim/${moved}\\b`);
    const apps = await waitForApplications(
      run,
      `Argo CD did not report the claim ${moved} blocking capibara6-dev's sync`,
      (list) => list.some((a) => a.metadata.name === 'capibara6-dev' && message.test(describeApplication(a))),
      420,
    );
    const app = apps.find((a) => a.metadata.name === 'capibara6-dev')!;
    console.log(`claim before its consumer, as Argo CD reports it:\n${describeApplication(app)}`);
    expect(isHealthy(app)).toBe(false);
  }, 600_000);
});
