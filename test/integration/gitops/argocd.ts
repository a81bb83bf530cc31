import { ChildProcess, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { CACHE, SimulatedCluster, cached, freePort, poll, setting } from './simulated-cluster';

/**
 * Real Argo CD against the simulated cluster, as its own manifests run it minus the pods:
 * Debian's redis-server, the repo-server and the application-controller (the release's
 * multi-call binary, the component picked by ARGOCD_BINARY_NAME), reading a Git repository
 * served by `git daemon` on 127.0.0.1. The CRDs and the ConfigMaps/Secret are the release's
 * own (`manifests/crds`, `manifests/base/config`, copied from its module zip by
 * build-gitops.sh). The controller runs outside the cluster, so it cannot use the in-cluster
 * destination: the API server is registered as a cluster Secret, as for any external cluster.
 */
export interface ArgoCd {
  readonly namespace: string;
  /** `git://127.0.0.1:<port>/stacks.git`: the repository the profile names. */
  readonly repoURL: string;
  /** The working copy whose `dist/` is committed and pushed to the served repository. */
  readonly workTree: string;
  /** Commits the work tree and pushes it to the served repository. */
  publish(message: string): void;
  applications(): Json[];
  logs(lines?: number): string;
  stop(): void;
}

type Json = Record<string, any>;

export const ARGOCD_NAMESPACE = 'argocd';
export const ARGOCD_VERSION = setting('ARGOCD_VERSION');

export function argocdRelease(): { bin: string; crds: string; config: string; hack: string; kustomize: string } {
  const dir = path.join(CACHE, 'gitops', 'argocd', ARGOCD_VERSION);
  cached(path.join(dir, '.complete'), 'bash scripts/k8s/build-gitops.sh argocd');
  const kustomize = cached(
    path.join(CACHE, 'gitops', 'kustomize', setting('KUSTOMIZE_VERSION'), 'kustomize'),
    'bash scripts/k8s/build-gitops.sh kustomize',
  );
  return { bin: path.join(dir, 'argocd'), crds: path.join(dir, 'crds'), config: path.join(dir, 'config'), hack: path.join(dir, 'hack'), kustomize };
}

function which(command: string, install: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${command} is missing: run '${install}' (npm run test:gitops does it as root)`);
  return found;
}

function git(args: string[], cwd: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'gitops suite',
      GIT_AUTHOR_EMAIL: 'suite@127.0.0.1',
      GIT_COMMITTER_NAME: 'gitops suite',
      GIT_COMMITTER_EMAIL: 'suite@127.0.0.1',
    },
  });
}

/**
 * The Git side first (the profile needs the repository URL before the synth): a bare
 * repository served read-only by `git daemon` on a free port, and an empty working copy.
 */
export async function startGitServer(
  cluster: SimulatedCluster,
): Promise<{ repoURL: string; workTree: string; publish(message: string, branches?: readonly string[]): void }> {
  which('git', 'apt-get install -y git');
  const root = path.join(cluster.plane.dir, 'git');
  const bare = path.join(root, 'served', 'stacks.git');
  const workTree = path.join(root, 'work');
  fs.mkdirSync(bare, { recursive: true });
  fs.mkdirSync(workTree, { recursive: true });
  git(['init', '--quiet', '--bare', '--initial-branch=main', bare], root);
  git(['init', '--quiet', '--initial-branch=main', workTree], root);
  git(['remote', 'add', 'origin', bare], workTree);
  const port = await freePort();
  const daemon = cluster.plane.run('git-daemon', 'git', [
    'daemon',
    '--export-all',
    '--reuseaddr',
    '--listen=127.0.0.1',
    `--port=${port}`,
    `--base-path=${path.join(root, 'served')}`,
    path.join(root, 'served'),
  ]);
  await poll(
    'git daemon did not answer',
    30,
    () => {
      if (daemon.exitCode !== null) throw new Error(`git daemon exited with ${daemon.exitCode}\n${cluster.log('git-daemon')}`);
      return spawnSync('git', ['ls-remote', `git://127.0.0.1:${port}/stacks.git`]).status === 0 ? true : undefined;
    },
    () => cluster.log('git-daemon'),
  );
  return {
    repoURL: `git://127.0.0.1:${port}/stacks.git`,
    workTree,
    // The one commit under every branch the Applications follow (a system may follow its own, e.g. develop in dev).
    publish: (message: string, branches: readonly string[] = ['main']) => {
      git(['add', '--all'], workTree);
      git(['commit', '--quiet', '--allow-empty', '-m', message], workTree);
      git(['push', '--quiet', '--force', 'origin', ...new Set(['main', ...branches].map((b) => `HEAD:refs/heads/${b}`))], workTree);
    },
  };
}

export interface ArgoCdOptions {
  /** Data of `argocd-cm` on top of the release's own: what the README asks users to set and the suite's timings. */
  readonly settings: Readonly<Record<string, string>>;
}

export async function startArgoCd(
  cluster: SimulatedCluster,
  repo: { repoURL: string; workTree: string; publish(message: string): void },
  options: ArgoCdOptions,
): Promise<ArgoCd> {
  const release = argocdRelease();
  const redis = which('redis-server', 'apt-get install -y redis-server');
  const { plane } = cluster;
  const ns = ARGOCD_NAMESPACE;

  // What a user's installation holds before any Application: the CRDs (server-side: the
  // Application CRD is larger than client-side apply's annotation allows), the namespace,
  // and the release's ConfigMaps and Secret.
  plane.kubectl(['apply', '--server-side', '-f', release.crds]);
  plane.kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
  plane.kubectl(['create', 'namespace', ns]);
  plane.kubectl(['apply', '-n', ns, '-f', release.config]);
  plane.kubectl(['patch', 'configmap', 'argocd-cm', '-n', ns, '--type', 'merge', '-p', JSON.stringify({ data: options.settings })]);

  // The destination cluster: a ServiceAccount bound to cluster-admin (what `argocd cluster add`
  // creates) and its token in a cluster Secret naming the API server as the controller reaches it.
  plane.kubectl(['create', 'serviceaccount', 'argocd-manager', '-n', 'kube-system']);
  plane.kubectl(['create', 'clusterrolebinding', 'argocd-manager', '--clusterrole=cluster-admin', '--serviceaccount=kube-system:argocd-manager']);
  const token = plane.kubectl(['create', 'token', 'argocd-manager', '-n', 'kube-system', '--duration=24h']).stdout.trim();
  const caData = fs.readFileSync(path.join(plane.dir, 'ca.crt')).toString('base64');
  plane.kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'simulated-cluster', namespace: ns, labels: { 'argocd.argoproj.io/secret-type': 'cluster' } },
      stringData: { name: 'simulated', server: cluster.server, config: JSON.stringify({ bearerToken: token, tlsClientConfig: { caData } }) },
    }),
  });

  const dir = path.join(plane.dir, 'argocd');
  for (const sub of ['tls', 'ssh', 'bin', 'home', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  // The repo-server calls these wrappers by name (from the release's hack/ folder) and kustomize.
  for (const file of fs.readdirSync(release.hack)) fs.symlinkSync(path.join(release.hack, file), path.join(dir, 'bin', file));
  fs.symlinkSync(release.kustomize, path.join(dir, 'bin', 'kustomize'));

  const redisPort = await freePort();
  const repoPort = await freePort();
  const children: [string, ChildProcess][] = [];
  const env = (binaryName: string): NodeJS.ProcessEnv => ({
    ARGOCD_BINARY_NAME: binaryName,
    PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
    HOME: path.join(dir, 'home'),
    TMPDIR: path.join(dir, 'tmp'),
    ARGOCD_GPG_ENABLED: 'false',
    ARGOCD_TLS_DATA_PATH: path.join(dir, 'tls'),
    ARGOCD_SSH_DATA_PATH: path.join(dir, 'ssh'),
  });
  children.push(['redis', plane.run('redis', redis, ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'])]);
  children.push([
    'argocd-repo-server',
    plane.run(
      'argocd-repo-server',
      release.bin,
      [
        '--redis',
        `127.0.0.1:${redisPort}`,
        '--address',
        '127.0.0.1',
        '--port',
        String(repoPort),
        '--metrics-address',
        '127.0.0.1',
        '--metrics-port',
        String(await freePort()),
        '--loglevel',
        'info',
        '--logformat',
        'text',
      ],
      env('argocd-repo-server'),
    ),
  ]);
  children.push([
    'argocd-application-controller',
    plane.run(
      'argocd-application-controller',
      release.bin,
      [
        '--namespace',
        ns,
        '--repo-server',
        `127.0.0.1:${repoPort}`,
        '--redis',
        `127.0.0.1:${redisPort}`,
        '--metrics-port',
        String(await freePort()),
        // Converge fast: compare every 10 s (the default is 120 s plus jitter), heal at once.
        '--app-resync',
        '10',
        '--app-resync-jitter',
        '0',
        '--self-heal-timeout-seconds',
        '2',
        '--repo-server-timeout-seconds',
        '180',
        // Per-resource health in the Application's status (v3 keeps it only in redis by
        // default): the suite reads it to name unhealthy objects and the exceptions.
        '--persist-resource-health',
        '--status-processors',
        '4',
        '--operation-processors',
        '4',
        '--loglevel',
        'info',
        '--logformat',
        'text',
      ],
      env('argocd-application-controller'),
    ),
  ]);
  const logs = (lines = 40) => ['argocd-application-controller', 'argocd-repo-server', 'redis'].map((n) => cluster.log(n, lines)).join('\n');
  await new Promise((r) => setTimeout(r, 3000));
  for (const [name, child] of children) if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}\n${logs()}`);
  return {
    namespace: ns,
    repoURL: repo.repoURL,
    workTree: repo.workTree,
    publish: repo.publish,
    applications: () => JSON.parse(plane.kubectl(['get', 'applications.argoproj.io', '-n', ns, '-o', 'json']).stdout).items,
    logs,
    stop: () => {
      for (const [, child] of children) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** The YAML of a fenced block: the README's argocd-cm settings. */
export function yamlData(block: string): Record<string, string> {
  const parsed = parse(block) as Json;
  if (!parsed?.data || typeof parsed.data !== 'object') throw new Error(`the README's argocd-cm block has no data: ${block}`);
  return parsed.data;
}
