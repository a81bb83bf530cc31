#!/usr/bin/env node
/**
 * Runs the community manifest linters over the synthesized dist and reports, per object,
 * every finding that fails our threshold, then every waiver found, then `N passed, N failed`.
 *
 *   node scripts/lint/lint-manifests.mjs [--dist DIR] [--json FILE]
 *
 * Normally started by lint-manifests.sh, which installs the pinned tools first and passes
 * their paths in KUBE_SCORE_BIN and CHECKOV_BIN. Rules and rationale: scripts/lint/README.md.
 *
 * Environment:
 *   DIST_DIR              dist to lint (default <repo>/dist); --dist wins
 *   LINT_REPORT_JSON      also write the result as JSON to this file; --json wins
 *   KUBE_SCORE_BIN        kube-score binary (default: the pinned one in the cache)
 *   CHECKOV_BIN           checkov entry point (default: the pinned one in the cache)
 *   KUBE_SCORE_FAIL_ON    'warning' (default) or 'critical': lowest kube-score grade that fails
 *   KUBE_SCORE_K8S_VERSION  --kubernetes-version for kube-score (default from versions.env)
 *   CDK8S_STACKS_CACHE    cache root (default <repo>/.cache)
 *
 * Exit status: 0 all objects passed; 1 some object failed or a linter could not run;
 * 2 nothing to lint or bad usage.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseAllDocuments } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

// ---------------------------------------------------------------- configuration

function readVersions() {
  const out = {};
  for (const line of fs.readFileSync(path.join(here, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return out;
}

function parseArgs(argv) {
  const args = { dist: process.env.DIST_DIR || path.join(repo, 'dist'), json: process.env.LINT_REPORT_JSON || '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dist') args.dist = argv[++i];
    else if (a === '--json') args.json = argv[++i];
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: lint-manifests.mjs [--dist DIR] [--json FILE]\n');
      process.exit(0);
    } else usage(`unknown argument ${a}`);
  }
  if (!args.dist) usage('--dist needs a value');
  return args;
}

function usage(message) {
  process.stderr.write(`lint-manifests: ${message}\n`);
  process.exit(2);
}

const versions = readVersions();
const args = parseArgs(process.argv.slice(2));
const cacheRoot = path.join(process.env.CDK8S_STACKS_CACHE || path.join(repo, '.cache'), 'lint');
const kubeScoreBin = process.env.KUBE_SCORE_BIN || path.join(cacheRoot, `kube-score-${versions.KUBE_SCORE_VERSION}`, 'kube-score');
const checkovBin = process.env.CHECKOV_BIN || path.join(cacheRoot, `checkov-${versions.CHECKOV_VERSION}`, 'bin', 'checkov');
const k8sVersion = process.env.KUBE_SCORE_K8S_VERSION || versions.KUBE_SCORE_K8S_VERSION || 'v1.27';
const failOn = (process.env.KUBE_SCORE_FAIL_ON || 'warning').toLowerCase();
if (failOn !== 'warning' && failOn !== 'critical') usage(`KUBE_SCORE_FAIL_ON must be 'warning' or 'critical', not '${failOn}'`);
// kube-score grades: 1 CRITICAL, 5 WARNING, 7 and 10 OK.
const KS_THRESHOLD = failOn === 'warning' ? 5 : 1;
const gradeName = (g) => (g <= 1 ? 'CRITICAL' : g <= 5 ? 'WARNING' : 'OK');

/** Waiver annotation vocabulary (documented in README.md). */
const KS_IGNORE = 'kube-score/ignore';
const KS_REASON_PREFIX = 'kube-score.waiver.cdk8s-stacks.io/';
// checkov treats any annotation key *containing* one of these as a skip (kubernetes_utils.py).
const CHECKOV_SKIP_MARKERS = ['checkov.io/skip', 'bridgecrew.io/skip', 'cortex.io/skip'];

// ---------------------------------------------------------------- collecting objects

const distDir = path.resolve(args.dist);
if (!fs.existsSync(distDir) || !fs.statSync(distDir).isDirectory()) usage(`no dist folder at ${distDir} (run npm run synth first)`);

const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};

function subdirs(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function yamlFilesUnder(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...yamlFilesUnder(p));
    else if (e.isFile() && /\.ya?ml$/.test(e.name) && e.name !== 'kustomization.yaml' && e.name !== 'kustomization.yml') out.push(p);
  }
  return out;
}

/**
 * dist/<env>/<system>/**.yaml, without kustomization.yaml and without dist/<env>/argocd and dist/<env>/platform
 * (Argo CD Applications, AppProjects and PriorityClasses: no linter here checks those kinds).
 */
function discover() {
  const envs = [];
  for (const env of subdirs(distDir)) {
    const files = [];
    for (const system of subdirs(path.join(distDir, env))) {
      if (system === 'argocd' || system === 'platform') continue;
      files.push(...yamlFilesUnder(path.join(distDir, env, system)));
    }
    if (files.length > 0) envs.push({ name: env, files: files.map((f) => fs.realpathSync(f)) });
  }
  return envs;
}

const objects = [];
const toolErrors = [];

function templateMetadata(o) {
  const spec = o?.spec;
  if (!spec || typeof spec !== 'object') return undefined;
  if (spec.template?.metadata) return spec.template.metadata;
  if (spec.jobTemplate?.spec?.template?.metadata) return spec.jobTemplate.spec.template.metadata;
  return undefined;
}

function isWorkload(o) {
  return templateMetadata(o.doc) !== undefined || ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob'].includes(o.kind);
}

function loadObjects(env) {
  for (const file of env.files) {
    const text = fs.readFileSync(file, 'utf8');
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { lineCounter });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, index) => {
      const start = doc.contents?.range?.[0] ?? doc.range[0];
      const end = doc.contents?.range?.[2] ?? doc.range[2];
      const base = {
        env: env.name,
        file,
        index,
        startLine: lineCounter.linePos(start).line,
        endLine: lineCounter.linePos(Math.max(start, end - 1)).line,
        findings: [],
        waivers: [],
      };
      if (doc.errors.length > 0) {
        objects.push({ ...base, kind: '?', name: `document ${index + 1}`, namespace: '', doc: {}, parseError: true });
        fail(objects[objects.length - 1], 'runner', 'yaml', 'ERROR', `YAML does not parse: ${doc.errors[0].message}`);
        return;
      }
      const js = doc.toJS();
      if (js === null || js === undefined) return; // empty document
      const md = js?.metadata ?? {};
      objects.push({
        ...base,
        kind: String(js?.kind ?? '?'),
        apiVersion: js?.apiVersion,
        name: String(md.name ?? '?'),
        namespace: md.namespace ?? '',
        doc: js,
      });
      if (typeof js !== 'object' || !js.kind || !js.apiVersion) {
        fail(objects[objects.length - 1], 'runner', 'object', 'ERROR', 'document is not a Kubernetes object (no kind/apiVersion)');
      }
    });
  }
}

// ---------------------------------------------------------------- findings and waivers

function fail(obj, tool, check, severity, message) {
  obj.findings.push({ tool, check, severity, message, failing: true });
}

function note(obj, tool, check, severity, message) {
  obj.findings.push({ tool, check, severity, message, failing: false });
}

/** Kubernetes qualified name (annotation key): optional DNS-subdomain prefix + '/' + name of at most 63 chars. */
function validAnnotationKey(key) {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (
    prefix !== undefined &&
    (prefix.length === 0 || prefix.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(prefix))
  )
    return false;
  return name.length >= 1 && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

let kubeScoreChecks; // id -> target type, from `kube-score list`

function collectWaivers(obj) {
  const levels = [{ where: 'metadata.annotations', annotations: obj.doc?.metadata?.annotations ?? {} }];
  const tmd = templateMetadata(obj.doc);
  if (tmd)
    levels.push({
      where: obj.kind === 'CronJob' ? 'spec.jobTemplate.spec.template.metadata.annotations' : 'spec.template.metadata.annotations',
      annotations: tmd.annotations ?? {},
      template: true,
    });

  for (const level of levels) {
    const a = level.annotations && typeof level.annotations === 'object' ? level.annotations : {};
    for (const key of Object.keys(a)) {
      if (!validAnnotationKey(key))
        fail(
          obj,
          'runner',
          'annotation-key',
          'ERROR',
          `${level.where}: '${key}' is not a valid annotation key (prefix: DNS subdomain; name: at most 63 characters [A-Za-z0-9_.-])`,
        );
    }

    // kube-score: kube-score/ignore: id[,id]  +  kube-score.waiver.cdk8s-stacks.io/<id>: reason
    const ids = String(a[KS_IGNORE] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const id of ids) {
      const reason = String(a[KS_REASON_PREFIX + id] ?? '').trim();
      obj.waivers.push({ tool: 'kube-score', check: id, reason, where: level.where });
      if (!reason)
        fail(
          obj,
          'waiver',
          `kube-score:${id}`,
          'ERROR',
          `${level.where}: kube-score/ignore lists '${id}' but '${KS_REASON_PREFIX}${id}' with a reason is missing`,
        );
      if (kubeScoreChecks && !kubeScoreChecks.has(id))
        fail(obj, 'waiver', `kube-score:${id}`, 'ERROR', `${level.where}: '${id}' is not a kube-score ${versions.KUBE_SCORE_VERSION} check id`);
      else if (kubeScoreChecks && level.template && kubeScoreChecks.get(id) !== 'Pod')
        fail(
          obj,
          'waiver',
          `kube-score:${id}`,
          'ERROR',
          `${level.where}: '${id}' is a ${kubeScoreChecks.get(id)} check; kube-score reads its ignore only from the ${obj.kind}'s metadata.annotations`,
        );
    }
    for (const key of Object.keys(a)) {
      if (!key.startsWith(KS_REASON_PREFIX)) continue;
      const id = key.slice(KS_REASON_PREFIX.length);
      if (!ids.includes(id))
        fail(
          obj,
          'waiver',
          `kube-score:${id}`,
          'ERROR',
          `${level.where}: '${key}' gives a reason but kube-score/ignore at the same place does not list '${id}' (the waiver has no effect)`,
        );
    }

    // checkov: checkov.io/skip<anything>: <CHECK_ID>=<reason>
    for (const key of Object.keys(a)) {
      if (!CHECKOV_SKIP_MARKERS.some((m) => key.includes(m))) continue;
      const value = String(a[key] ?? '');
      const eq = value.indexOf('=');
      const id = (eq < 0 ? value : value.slice(0, eq)).trim();
      const reason = eq < 0 ? '' : value.slice(eq + 1).trim();
      obj.waivers.push({ tool: 'checkov', check: id, reason, where: level.where });
      if (level.template) {
        fail(
          obj,
          'waiver',
          `checkov:${id}`,
          'ERROR',
          `${level.where}: checkov ignores skip annotations on a pod template; put '${key}' in the ${obj.kind}'s metadata.annotations`,
        );
      } else if (!reason) {
        fail(
          obj,
          'waiver',
          `checkov:${id}`,
          'ERROR',
          `metadata.annotations: '${key}: ${value}' has no reason (write '${id || '<CHECK_ID>'}=<reason>')`,
        );
      } else if (reason.includes('=')) {
        obj.checkovUnsafe = true;
        fail(
          obj,
          'waiver',
          `checkov:${id}`,
          'ERROR',
          `metadata.annotations: the reason in '${key}' contains '=' (checkov ${versions.CHECKOV_VERSION} crashes on it); reword it`,
        );
      }
      if (!/^(CKV2?_K8S_\d+|BC_K8S_\d+)$/.test(id))
        fail(
          obj,
          'waiver',
          `checkov:${id}`,
          'ERROR',
          `metadata.annotations: '${id}' does not look like a checkov Kubernetes check id (CKV_K8S_<n> / CKV2_K8S_<n>)`,
        );
    }
  }
}

// ---------------------------------------------------------------- running the tools

function run(bin, argv, opts = {}) {
  const r = spawnSync(bin, argv, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...opts });
  return r;
}

function toolMissing(bin, name) {
  if (fs.existsSync(bin)) return false;
  toolErrors.push(`${name}: not found at ${bin} (run bash scripts/lint/install.sh)`);
  return true;
}

function loadKubeScoreChecks() {
  if (toolMissing(kubeScoreBin, 'kube-score')) return;
  const r = run(kubeScoreBin, ['list']);
  if (r.status !== 0) {
    toolErrors.push(`kube-score list failed: ${r.stderr || r.error}`);
    return;
  }
  kubeScoreChecks = new Map();
  for (const line of r.stdout.split('\n')) {
    const [id, target] = line.split(',');
    if (id && target) kubeScoreChecks.set(id.trim(), target.trim());
  }
}

function envObjects(env) {
  return objects.filter((o) => o.env === env.name && !o.parseError);
}

function markNotChecked(env, tool, why) {
  toolErrors.push(`${tool} (${env.name}): ${why}`);
  for (const o of envObjects(env)) fail(o, tool, 'not-run', 'ERROR', `${tool} could not check this object (see the error above)`);
}

function runKubeScore(env) {
  if (!kubeScoreChecks) return markNotChecked(env, 'kube-score', `not available`);
  // One run per environment: cross-object checks (NetworkPolicy, PDB, HPA, Service targets)
  // only see objects given in the same run.
  const r = run(kubeScoreBin, ['score', '--output-format', 'json', '--kubernetes-version', k8sVersion, ...env.files]);
  let scored;
  try {
    scored = JSON.parse(r.stdout || 'null') ?? [];
  } catch {
    return markNotChecked(env, 'kube-score', `exit ${r.status}, unreadable output: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
  }
  if (r.status !== 0 && r.status !== 1) return markNotChecked(env, 'kube-score', `exit ${r.status}: ${r.stderr.trim().slice(0, 500)}`);
  const candidates = envObjects(env);
  for (const s of scored) {
    const file = fs.realpathSync(s.file_name);
    const kind = s.type_meta?.kind;
    const name = s.object_meta?.name ?? '';
    const ns = s.object_meta?.namespace ?? '';
    const matches = candidates.filter((o) => o.file === file && o.kind === kind && o.name === name && (o.namespace || '') === ns);
    // Same kind/name twice in one file: take the document that starts at or before file_row.
    const obj = matches.length <= 1 ? matches[0] : (matches.filter((o) => o.startLine <= (s.file_row ?? 0) + 1).pop() ?? matches[0]);
    if (!obj) {
      toolErrors.push(`kube-score (${env.name}): cannot place ${kind} ${ns}/${name} from ${rel(file)}`);
      continue;
    }
    obj.checkedBy = [...new Set([...(obj.checkedBy ?? []), 'kube-score'])];
    for (const c of s.checks ?? []) {
      const id = c.check?.id;
      const message =
        (c.comments ?? []).map((x) => `${x.path ? `(${x.path}) ` : ''}${x.summary}${x.description ? `: ${x.description}` : ''}`).join(' | ') ||
        c.check?.comment ||
        '';
      if (c.skipped) {
        const w = obj.waivers.find((w) => w.tool === 'kube-score' && w.check === id);
        if (w) w.suppressed = (w.suppressed ?? false) || c.grade <= KS_THRESHOLD;
        continue;
      }
      if (c.grade <= KS_THRESHOLD) fail(obj, 'kube-score', id, gradeName(c.grade), message);
      else if (c.grade <= 5) note(obj, 'kube-score', id, gradeName(c.grade), message);
    }
  }
}

function parseCheckovOutput(stdout) {
  const parsed = JSON.parse(stdout);
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const k8s = reports.filter((x) => x && typeof x === 'object' && (x.check_type === 'kubernetes' || x.results));
  return {
    failed: k8s.flatMap((x) => x.results?.failed_checks ?? []),
    skipped: k8s.flatMap((x) => x.results?.skipped_checks ?? []),
  };
}

function placeCheckovResult(env, r) {
  const file = r.file_abs_path ? fs.realpathSync(r.file_abs_path) : '';
  const inFile = envObjects(env).filter((o) => o.file === file);
  const [from] = r.file_line_range ?? [0, 0];
  const id = (o) => `${o.kind}.${o.namespace || 'default'}.${o.name}`;
  return (
    inFile.find((o) => id(o) === r.resource) ??
    // checkov also scores the pod template of a workload as a nested 'Pod.<ns>.<workload>.<labels>'
    inFile
      .filter((o) => isWorkload(o) && r.resource.startsWith(`Pod.${o.namespace || 'default'}.${o.name}.`))
      .sort((a, b) => b.name.length - a.name.length)[0] ??
    inFile.find((o) => o.startLine <= from && from <= o.endLine)
  );
}

function runCheckov(env) {
  if (toolMissing(checkovBin, 'checkov')) return markNotChecked(env, 'checkov', 'not available');
  const unsafe = envObjects(env).filter((o) => o.checkovUnsafe);
  if (unsafe.length > 0) {
    return markNotChecked(env, 'checkov', `not run: a checkov waiver reason contains '=' in ${unsafe.map((o) => `${o.kind} ${o.name}`).join(', ')}`);
  }
  const argv = ['--framework', 'kubernetes', '--output', 'json', '--skip-download', '--compact'];
  for (const f of env.files) argv.push('--file', f);
  const r = run(checkovBin, argv, { cwd: distDir, env: { ...process.env, LOG_LEVEL: 'ERROR', PYTHONWARNINGS: 'ignore' } });
  let out;
  try {
    out = parseCheckovOutput(r.stdout);
  } catch {
    return markNotChecked(env, 'checkov', `exit ${r.status}, unreadable output: ${(r.stderr || r.stdout).trim().slice(-800)}`);
  }
  if (r.status !== 0 && r.status !== 1) return markNotChecked(env, 'checkov', `exit ${r.status}: ${r.stderr.trim().slice(-800)}`);
  for (const o of envObjects(env)) o.checkedBy = [...new Set([...(o.checkedBy ?? []), 'checkov'])];
  for (const f of out.failed) {
    const obj = placeCheckovResult(env, f);
    if (!obj) {
      toolErrors.push(`checkov (${env.name}): cannot place ${f.check_id} on ${f.resource} in ${f.file_path}`);
      continue;
    }
    fail(obj, 'checkov', f.check_id, f.severity || 'FAILED', f.check_name);
  }
  for (const s of out.skipped) {
    const obj = placeCheckovResult(env, s);
    const w = obj?.waivers.find((w) => w.tool === 'checkov' && w.check === s.check_id);
    if (w) w.suppressed = true; // checkov does not say whether a skipped check would have failed
  }
}

// ---------------------------------------------------------------- report

function objectLabel(o) {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

function main() {
  const envs = discover();
  if (envs.length === 0) usage(`no manifests under ${distDir}/<env>/<system>/ (run npm run synth first)`);
  loadKubeScoreChecks();
  for (const env of envs) loadObjects(env);
  for (const o of objects) if (!o.parseError) collectWaivers(o);
  for (const env of envs) {
    runKubeScore(env);
    runCheckov(env);
  }

  const out = [];
  const fileCount = envs.reduce((n, e) => n + e.files.length, 0);
  out.push(
    `Manifest lint: kube-score ${versions.KUBE_SCORE_VERSION} (fails on ${failOn === 'warning' ? 'WARNING and CRITICAL' : 'CRITICAL'}, --kubernetes-version ${k8sVersion}), checkov ${versions.CHECKOV_VERSION} (fails on any FAILED check)`,
  );
  out.push(`dist: ${rel(distDir)}  environments: ${envs.map((e) => e.name).join(', ')}  files: ${fileCount}  objects: ${objects.length}`);
  if (toolErrors.length > 0) {
    out.push('', 'LINTER ERRORS');
    for (const e of toolErrors) out.push(`  ${e}`);
  }
  out.push('');
  let passed = 0;
  let failed = 0;
  const order = (f) => ['runner', 'waiver', 'kube-score', 'checkov'].indexOf(f.tool);
  for (const o of objects) {
    const failing = o.findings.filter((f) => f.failing);
    if (failing.length > 0) failed++;
    else passed++;
    o.passed = failing.length === 0;
    const extras = [];
    if (o.waivers.length > 0) extras.push(`${o.waivers.length} waiver${o.waivers.length === 1 ? '' : 's'}`);
    if (!o.parseError && !(o.checkedBy ?? []).includes('kube-score')) extras.push('not scored by kube-score');
    out.push(
      `${o.passed ? 'ok  ' : 'FAIL'}  ${rel(o.file)}${o.index > 0 ? `#${o.index + 1}` : ''}  ${objectLabel(o)}${extras.length ? `  (${extras.join('; ')})` : ''}`,
    );
    for (const f of [...o.findings].sort((a, b) => Number(b.failing) - Number(a.failing) || order(a) - order(b) || a.check.localeCompare(b.check))) {
      out.push(`        ${f.failing ? '✗' : '·'} ${f.tool.padEnd(10)} ${f.check} [${f.severity}${f.failing ? '' : ', not failing'}]  ${f.message}`);
    }
  }

  const waivers = objects.flatMap((o) => o.waivers.map((w) => ({ ...w, object: `${rel(o.file)}  ${objectLabel(o)}` })));
  out.push('', `WAIVERS (${waivers.length})`);
  if (waivers.length === 0) out.push('  none');
  for (const w of waivers) {
    const state = w.suppressed === undefined ? '' : w.suppressed ? '  [suppresses a finding]' : '  [unused: the check passes without it]';
    out.push(
      `  ${w.object}  ${w.tool} ${w.check}  reason: ${w.reason ? JSON.stringify(w.reason) : 'MISSING (fails)'}  at ${w.where}${w.tool === 'checkov' ? (w.suppressed ? '  [applied]' : '') : state}`,
    );
  }
  out.push('', `${passed} passed, ${failed} failed`);
  process.stdout.write(out.join('\n') + '\n');

  if (args.json) {
    const report = {
      tools: { 'kube-score': versions.KUBE_SCORE_VERSION, checkov: versions.CHECKOV_VERSION },
      kubeScoreFailOn: failOn,
      dist: distDir,
      errors: toolErrors,
      objects: objects.map((o) => ({
        env: o.env,
        file: o.file,
        document: o.index + 1,
        kind: o.kind,
        namespace: o.namespace,
        name: o.name,
        passed: o.passed,
        checkedBy: o.checkedBy ?? [],
        findings: o.findings,
        waivers: o.waivers,
      })),
      waivers,
      passed,
      failed,
    };
    fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
    fs.writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
  }
  process.exitCode = failed > 0 || toolErrors.length > 0 ? 1 : 0;
}

main();
