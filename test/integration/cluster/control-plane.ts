import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { StackPriorityClasses } from '../../../lib/gitops/priority-classes';

/**
 * A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver and
 * kube-controller-manager, with certificates made for this run. Nothing listens beyond
 * loopback. Every process runs in its own process group and is killed (group and all)
 * by stop(), on test failure and on process exit.
 */
export interface ControlPlane {
  readonly version: string;
  readonly kubeconfig: string;
  readonly dir: string;
  /** Process ids of etcd, kube-apiserver and kube-controller-manager (process group leaders). */
  readonly pids: number[];
  kubectl(args: string[], options?: { input?: string; allowFailure?: boolean }): KubectlResult;
  /**
   * Starts a process (a controller) with KUBECONFIG pointing at this control plane, logging
   * to `<dir>/<name>.log`; stop() kills it with the rest. `env` adds to (or overrides) the
   * environment variables.
   */
  run(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  stop(): void;
}

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const REPO = path.resolve(__dirname, '..', '..', '..');
const CACHE = process.env.CDK8S_STACKS_CACHE ?? path.join(REPO, '.cache');

export function binaries(version: string): Record<'apiserver' | 'controllerManager' | 'kubectl', string> {
  const bin = path.join(CACHE, 'k8s', version, 'bin');
  const found = {
    apiserver: path.join(bin, 'kube-apiserver'),
    controllerManager: path.join(bin, 'kube-controller-manager'),
    kubectl: path.join(bin, 'kubectl'),
  };
  for (const file of Object.values(found)) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run 'bash scripts/k8s/build.sh ${version}' (npm run test:cluster does it)`);
  }
  return found;
}

function etcdBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error("etcd is missing: run 'apt-get install -y etcd-server' (npm run test:cluster does it as root)");
  return found;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** `<name>.csr` signed by the test CA (ca.crt, ca.key) into `<name>.crt`, with the extensions in `extfile`. */
function signWithCa(name: string, extfile: string, dir: string): void {
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      extfile,
    ],
    dir,
  );
}

/** CA, API server serving certificate, admin client certificate, service-account key pair. */
function makeCertificates(dir: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cdk8s-stacks-test-ca'],
    dir,
  );
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
  signWithCa('server', 'server.ext', dir);
  fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'admin.key', '-out', 'admin.csr', '-subj', '/O=system:masters/CN=cdk8s-stacks-admin'],
    dir,
  );
  signWithCa('admin', 'client.ext', dir);
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function kubeconfigFor(dir: string, port: number): string {
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: test\n  cluster:\n    server: https://127.0.0.1:${port}\n    certificate-authority: ${path.join(dir, 'ca.crt')}`,
      'users:',
      `- name: admin\n  user:\n    client-certificate: ${path.join(dir, 'admin.crt')}\n    client-key: ${path.join(dir, 'admin.key')}`,
      'contexts:',
      '- name: test\n  context:\n    cluster: test\n    user: admin',
      'current-context: test',
      '',
    ].join('\n'),
  );
  return file;
}

const RUNNING = new Set<ChildProcess>();
function killAll(): void {
  for (const child of RUNNING) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  RUNNING.clear();
}
process.on('exit', killAll);

function start(name: string, command: string, args: string[], dir: string, env?: NodeJS.ProcessEnv): ChildProcess {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'w');
  const child = spawn(command, args, { cwd: dir, detached: true, stdio: ['ignore', log, log], env: env ?? process.env });
  RUNNING.add(child);
  child.on('exit', () => RUNNING.delete(child));
  return child;
}

async function waitFor(what: string, check: () => boolean, seconds: number, dir: string, logs: string[], process?: ChildProcess): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && (process === undefined || process.exitCode === null)) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  const tails = logs.map((l) => `--- ${l}\n${tail(path.join(dir, l))}`).join('\n');
  const exited = process && process.exitCode !== null ? ` (it exited with ${process.exitCode})` : '';
  throw new Error(`${what} did not become ready within ${seconds} s${exited}\n${tails}`);
}

export function tail(file: string, lines = 30): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '(no log)';
}

export interface ControlPlaneOptions {
  /** Extra flags of kube-controller-manager. @default - none */
  readonly controllerManagerArgs?: readonly string[];
}

export async function startControlPlane(version: string, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bin = binaries(version);
  const etcd = etcdBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk8s-stacks-k8s-${version}-`));
  makeCertificates(dir);
  const [etcdClient, etcdPeer, apiPort, cmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const kubeconfig = kubeconfigFor(dir, apiPort);

  const kubectl = (args: string[], options: { input?: string; allowFailure?: boolean } = {}): KubectlResult => {
    const result = spawnSync(bin.kubectl, ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      input: options.input,
      maxBuffer: 64 * 1024 * 1024,
    });
    const out = { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
    if (out.status !== 0 && !options.allowFailure) throw new Error(`kubectl ${args.join(' ')} failed (${out.status}):\n${out.stderr}${out.stdout}`);
    return out;
  };

  const pids: number[] = [];
  const plane: ControlPlane = {
    version,
    kubeconfig,
    dir,
    pids,
    kubectl,
    run: (name, command, args, env) => {
      const child = start(name, command, args, dir, { ...process.env, KUBECONFIG: kubeconfig, ...env });
      pids.push(child.pid!);
      return child;
    },
    stop: () => {
      killAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcdProcess = start(
      'etcd',
      etcd,
      [
        '--name',
        'test',
        '--data-dir',
        path.join(dir, 'etcd'),
        '--listen-client-urls',
        etcdUrl,
        '--advertise-client-urls',
        etcdUrl,
        '--listen-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${etcdPeer}`,
        '--initial-cluster',
        `test=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
      ],
      dir,
    );
    pids.push(etcdProcess.pid!);
    await waitFor('etcd', () => spawnSync('curl', ['-sf', `${etcdUrl}/health`]).status === 0, 30, dir, ['etcd.log'], etcdProcess);

    const apiserver = start(
      'kube-apiserver',
      bin.apiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        '--advertise-address=127.0.0.1',
        // Newer releases refuse a loopback advertise address for the `kubernetes` Service
        // endpoints; nothing in the suite reaches the API server through that Service.
        '--endpoint-reconciler-type=none',
        `--tls-cert-file=${path.join(dir, 'server.crt')}`,
        `--tls-private-key-file=${path.join(dir, 'server.key')}`,
        `--client-ca-file=${path.join(dir, 'ca.crt')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--authorization-mode=RBAC',
        '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultTolerationSeconds,ResourceQuota,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
        '--allow-privileged=false',
        `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      ],
      dir,
    );
    pids.push(apiserver.pid!);
    await waitFor(
      'kube-apiserver',
      () => kubectl(['get', '--raw', '/readyz'], { allowFailure: true }).status === 0,
      120,
      dir,
      ['kube-apiserver.log'],
      apiserver,
    );

    const controllerManager = start(
      'kube-controller-manager',
      bin.controllerManager,
      [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${cmPort}`,
        `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
        `--root-ca-file=${path.join(dir, 'ca.crt')}`,
        '--leader-elect=false',
        `--cert-dir=${path.join(dir, 'cm-certs')}`,
        ...(options.controllerManagerArgs ?? []),
      ],
      dir,
    );
    pids.push(controllerManager.pid!);
    // The ServiceAccount controller creates `default` in every namespace once it runs.
    kubectl(['create', 'namespace', 'cluster-suite-probe']);
    await waitFor(
      'kube-controller-manager',
      () => kubectl(['get', 'serviceaccount', 'default', '-n', 'cluster-suite-probe'], { allowFailure: true }).status === 0,
      120,
      dir,
      ['kube-controller-manager.log'],
      controllerManager,
    );
    kubectl(['delete', 'namespace', 'cluster-suite-probe', '--wait=false']);
    return plane;
  } catch (error) {
    plane.stop();
    throw error;
  }
}

/**
 * Applies the platform layer's PriorityClasses (what `dist/<env>/platform/` creates before
 * any system), for suites that apply a system without its environment's platform folder:
 * every pod names one, and the API server refuses a pod whose class does not exist.
 */
export function applyPlatformPriorityClasses(plane: ControlPlane): void {
  const app = new App({ outdir: os.tmpdir() });
  const chart = new Chart(app, 'priority-classes');
  new StackPriorityClasses(chart, 'classes');
  plane.kubectl(['apply', '--server-side', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: chart.toJson() }) });
}
