/**
 * Chart facts from the charts themselves: renders every pinned chart of the platform layer
 * with the Helm values the layer sets (read from the synthesized Applications in
 * dist/<env>/platform/, or planned by lib/gitops for a component no environment uses yet),
 * exactly as Argo CD's repo-server renders it (`helm template --include-crds`, Argo CD's
 * flags), and records per chart version and values: the cluster-scoped kinds, the namespaces
 * written, the CRDs provided, the kinds whose CRD comes from elsewhere, the Helm hooks, and the
 * Pod Security level its pods need per namespace. Writes lib/gitops/chart-facts-table.json.
 *
 * Development-time only (the synth reads the JSON): see README.md for the commands.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml, stringify } from 'yaml';
import { canonicalValuesDigest } from '../../lib/gitops/chart-facts';
import { COMPONENT_CHARTS, planPlatform } from '../../lib/gitops/platform-components';
import { demoPlatform, Platform } from '../../lib/core/platform';
import type { PlatformComponentName } from '../../lib/core/platform-requirements';
import { apiSourceDirs, builtinScopes, Scope } from './builtin-scopes';
import { CHART_SOURCES, ChartSource, ChartSourceEntry, PackagingStep } from './sources';
import { LEVEL_ORDER, maxLevel, podSecurityLevel, podSpecOf, PodSecurityLevel } from './pod-security';

// Rendered manifests are untyped YAML.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** The Kubernetes release the charts are rendered for: the control plane the project builds and tests against. */
const KUBE_VERSION = '1.37.2';
const K8S_MODULE_VERSION = 'v0.37.2';
const RELEASE_NAMESPACE = '{release}';
const REPO_ROOT = resolve(__dirname, '../..');
const OUTPUT = join(REPO_ROOT, 'lib/gitops/chart-facts-table.json');

interface Args {
  sources: string;
  helm: string;
  only?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const sources = get('sources') ?? process.env.CHART_SOURCES;
  const helm = get('helm') ?? process.env.HELM ?? 'helm';
  if (!sources) throw new Error('--sources DIR (or CHART_SOURCES) is required: a folder with one Git repository per <owner>+<name> (README.md)');
  return { sources, helm, only: get('only') };
}

/** One release the platform layer makes: a chart at a version, with values, in a namespace. */
interface Release {
  readonly component: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Obj;
  readonly usedBy: string[];
}

/** The releases in dist/<env>/platform/, then one per pinned component that no environment installs. */
function collectReleases(): Release[] {
  const byKey = new Map<string, Release>();
  const dist = join(REPO_ROOT, 'dist');
  for (const env of readdirSync(dist).sort()) {
    const folder = join(dist, env, 'platform');
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
      for (const doc of parseAllDocuments(readFileSync(join(folder, file), 'utf8'))) {
        const o = doc.toJSON() as Obj;
        if (o?.kind !== 'Application' || !o.spec?.source?.chart) continue;
        const r: Release = {
          component: o.metadata.labels['app.kubernetes.io/name'],
          chart: o.spec.source.chart,
          version: o.spec.source.targetRevision,
          releaseName: o.spec.source.helm?.releaseName ?? o.metadata.name,
          namespace: o.spec.destination.namespace,
          values: o.spec.source.helm?.valuesObject ?? {},
          usedBy: [],
        };
        const key = `${r.chart}@${r.version}#${canonicalValuesDigest(r)}`;
        const existing = byKey.get(key) ?? r;
        existing.usedBy.push(env);
        byKey.set(key, existing);
      }
    }
  }
  const platform = new Platform(demoPlatform());
  for (const [component, chart] of Object.entries(COMPONENT_CHARTS)) {
    if (!chart || [...byKey.values()].some((r) => r.component === component)) continue;
    const plan = planPlatform(platform, [
      { component: component as PlatformComponentName, minVersion: '0.0.0', reason: 'chart facts', path: 'chart-facts' },
    ]);
    const c = plan.components[0];
    const r: Release = {
      component,
      chart: chart.chart,
      version: chart.chartVersion,
      releaseName: chart.releaseName,
      namespace: c.namespace,
      values: (c.values ?? {}) as Obj,
      usedBy: ['(no environment: values planned for the default profile)'],
    };
    byKey.set(`${r.chart}@${r.version}#${canonicalValuesDigest(r)}`, r);
  }
  return [...byKey.values()].sort((a, b) => `${a.chart}${a.version}`.localeCompare(`${b.chart}${b.version}`));
}

/** The Git directory of `repo` under the sources folder (`<owner>+<name>`, a bare repository or a clone). */
function gitDir(sources: string, repo: string): string {
  const base = join(sources, repo.replace('/', '+'));
  for (const candidate of [join(base, 'repo'), join(base, '.git'), base]) {
    if (existsSync(join(candidate, 'HEAD'))) return candidate;
  }
  throw new Error(`no Git repository for ${repo} in ${sources} (expected ${base})`);
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

/** Extracts `source` into `dest`; returns the full commit it was taken from. */
function extract(sources: string, source: ChartSource, dest: string): string {
  const dir = gitDir(sources, source.repo);
  const commit = git(dir, 'rev-parse', `${source.ref}^{commit}`).trim();
  mkdirSync(dest, { recursive: true });
  const strip = source.path.split('/').length;
  // stderr ignored: git archive warns about blobs missing elsewhere in the snapshot; the chart's files are checked below.
  const tar = execFileSync('git', ['--git-dir', dir, 'archive', commit, source.path], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  execFileSync('tar', ['-x', '-C', dest, `--strip-components=${strip}`], { input: tar });
  // A snapshot may lack large blobs (git archive then skips them with a warning): every file of
  // the chart's folder must have arrived, or the facts would be those of a partial chart.
  const files = git(dir, 'ls-tree', '-r', '--name-only', commit, '--', source.path).split('\n').filter(Boolean);
  const missing = files.filter((f) => !existsSync(join(dest, f.slice(source.path.length + 1))));
  if (files.length === 0 || missing.length > 0)
    throw new Error(
      `${source.repo} ${source.ref}: ${files.length === 0 ? `no files under ${source.path}` : `files missing from the source: ${missing.join(', ')}`}`,
    );
  return commit;
}

function applyPackaging(dir: string, steps: readonly PackagingStep[], sources: string, source: ChartSource): string[] {
  const notes: string[] = [];
  for (const step of steps) {
    if (step.kind === 'set-chart-version') {
      const chart = parseYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'));
      writeFileSync(join(dir, 'Chart.yaml'), stringify({ ...chart, version: step.version, appVersion: step.appVersion }));
      notes.push(`Chart.yaml version ${step.version}, appVersion ${step.appVersion} (set by the release process)`);
    } else if (step.kind === 'envsubst-values') {
      let text = readFileSync(join(dir, step.template), 'utf8');
      for (const [k, v] of Object.entries(step.env)) text = text.split(`\${${k}}`).join(v);
      writeFileSync(join(dir, 'values.yaml'), text);
      notes.push(`values.yaml from ${step.template} with ${Object.keys(step.env).join(', ')} (envsubst of the release process)`);
    } else if (step.kind === 'external-secrets-crds') {
      const bundle = git(gitDir(sources, source.repo), 'show', `${source.ref}:${step.bundle}`);
      const out = join(dir, 'templates/crds');
      mkdirSync(out, { recursive: true });
      let n = 0;
      for (const doc of parseAllDocuments(bundle)) {
        const crd = doc.toJSON() as Obj;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const kind: string = crd.spec.names.kind;
        const guard =
          kind.includes('Cluster') || kind.includes('PushSecret')
            ? `{{- if and (.Values.installCRDs) (.Values.crds.create${kind}) }}`
            : '{{- if .Values.installCRDs }}';
        // JSON is YAML; a JSON document carries no template markers of its own.
        writeFileSync(join(out, `${crd.spec.names.singular}.yaml`), `${guard}\n${JSON.stringify(crd)}\n{{- end }}\n`);
        n++;
      }
      notes.push(
        `${n} CRDs of ${step.bundle} in templates/crds/, guarded by installCRDs (and crds.create<Kind> for Cluster* and PushSecret kinds), as hack/helm.generate.sh does`,
      );
    }
  }
  return notes;
}

function lookup(values: Obj, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), values);
}

function deepMerge(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? deepMerge(out[k], v) : v;
  }
  return out;
}

/**
 * Dependencies: those disabled by their condition with the values (chart defaults merged with
 * the platform's) are dropped from Chart.yaml, as Helm would not render them; enabled ones
 * come from the chart's own charts/ folder or from the sources table.
 */
function resolveDependencies(dir: string, entry: ChartSourceEntry, values: Obj, sources: string, provenance: Obj): string[] {
  const notes: string[] = [];
  const chartFile = join(dir, 'Chart.yaml');
  const chart = parseYaml(readFileSync(chartFile, 'utf8'));
  const merged = deepMerge(existsSync(join(dir, 'values.yaml')) ? (parseYaml(readFileSync(join(dir, 'values.yaml'), 'utf8')) ?? {}) : {}, values);
  const kept: Obj[] = [];
  for (const dep of chart.dependencies ?? []) {
    const conditions = String(dep.condition ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const first = conditions.map((c) => lookup(merged, c)).find((v) => typeof v === 'boolean');
    if (first === false) {
      notes.push(`dependency ${dep.name} ${dep.version}: disabled (${conditions.join(',')} is false), not rendered`);
      // Helm renders every chart in charts/ that Chart.yaml does not list: a disabled one shipped there (Alloy's crds) goes too.
      rmSync(join(dir, 'charts', dep.name), { recursive: true, force: true });
      continue;
    }
    kept.push(dep);
    if (existsSync(join(dir, 'charts', dep.name))) {
      notes.push(`dependency ${dep.name}: the chart's own charts/${dep.name}`);
      continue;
    }
    const src = entry.dependencies?.[dep.name];
    if (!src) throw new Error(`${chart.name}: dependency ${dep.name} ${dep.version} is enabled and has no source in sources.ts`);
    const commit = extract(sources, src, join(dir, 'charts', dep.name));
    provenance.subcharts = { ...(provenance.subcharts ?? {}), [dep.name]: { ...src, commit } };
    notes.push(`dependency ${dep.name} ${dep.version}: ${src.repo} ${src.ref} (${commit.slice(0, 12)})`);
  }
  writeFileSync(chartFile, stringify({ ...chart, dependencies: kept.length > 0 ? kept : undefined }));
  rmSync(join(dir, 'Chart.lock'), { force: true });
  return notes;
}

function render(helm: string, dir: string, r: Release, apiVersions: readonly string[]): Obj[] {
  const valuesFile = join(dir, '..', `values-${r.releaseName}.json`);
  writeFileSync(valuesFile, JSON.stringify(r.values));
  // As Argo CD's repo-server runs it: helm template <chart> --name-template <release> --namespace <ns>
  // --kube-version <v> --values <f> [--api-versions ...] --include-crds
  const args = [
    'template',
    dir,
    '--name-template',
    r.releaseName,
    '--namespace',
    r.namespace,
    '--kube-version',
    KUBE_VERSION,
    '--values',
    valuesFile,
  ];
  for (const v of apiVersions) args.push('--api-versions', v);
  args.push('--include-crds');
  const out = execFileSync(helm, args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJSON() as Obj)
    .filter((o) => o && typeof o === 'object' && o.kind);
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');
const SYNCED_HELM_HOOKS = ['pre-install', 'pre-upgrade', 'post-install', 'post-upgrade'];

interface Facts {
  clusterKinds: string[];
  namespacedKinds: string[];
  namespaces: string[];
  crds: { kind: string; scope: Scope; versions: string[] }[];
  podSecurity: Record<string, { level: PodSecurityLevel; pods: Record<string, string[]> }>;
  hooks: { kind: string; name: string; hook: string; synced: boolean }[];
}

function factsOf(objects: Obj[], r: Release, scopeOf: (gk: string) => Scope | undefined): Facts {
  const cluster = new Set<string>();
  const namespaced = new Set<string>();
  const namespaces = new Set<string>();
  const crds: Facts['crds'] = [];
  const podSecurity: Facts['podSecurity'] = {};
  const hooks: Facts['hooks'] = [];
  const unknown: string[] = [];
  const ns = (n: string | undefined) => (n === undefined || n === r.namespace ? RELEASE_NAMESPACE : n);
  for (const o of objects) {
    const gk = `${groupOf(o.apiVersion)}/${o.kind}`;
    const hook: string | undefined = o.metadata?.annotations?.['helm.sh/hook'];
    if (hook !== undefined) {
      const types = hook.split(',').map((t) => t.trim());
      const synced = types.some((t) => SYNCED_HELM_HOOKS.includes(t));
      hooks.push({ kind: gk, name: o.metadata.name, hook, synced });
      // Argo CD runs install/upgrade hooks as sync hooks; test and delete hooks are never created by a sync.
      if (!synced) continue;
    }
    if (o.kind === 'CustomResourceDefinition') {
      crds.push({ kind: `${o.spec.group}/${o.spec.names.kind}`, scope: o.spec.scope, versions: (o.spec.versions ?? []).map((v: Obj) => v.name) });
    }
    const scope = scopeOf(gk);
    if (scope === undefined) unknown.push(gk);
    else if (scope === 'Cluster') cluster.add(gk);
    else {
      namespaced.add(gk);
      namespaces.add(ns(o.metadata?.namespace));
    }
    const spec = podSpecOf(o);
    if (spec && scope === 'Namespaced') {
      const n = ns(o.metadata?.namespace);
      const result = podSecurityLevel(spec);
      const entry = (podSecurity[n] ??= { level: 'restricted', pods: {} });
      entry.level = maxLevel(entry.level, result.level);
      entry.pods[`${o.kind}/${o.metadata.name}`] = [result.level, ...result.reasons];
    }
  }
  if (unknown.length > 0)
    throw new Error(
      `${r.chart} ${r.version}: kinds of unknown scope (neither built in nor a CRD of a pinned chart): ${[...new Set(unknown)].join(', ')}`,
    );
  return {
    clusterKinds: [...cluster].sort(),
    namespacedKinds: [...namespaced].sort(),
    namespaces: [...namespaces].sort(),
    crds: crds.sort((a, b) => a.kind.localeCompare(b.kind)),
    podSecurity: Object.fromEntries(Object.entries(podSecurity).sort(([a], [b]) => a.localeCompare(b))),
    hooks: hooks.sort((a, b) => `${a.kind}${a.name}`.localeCompare(`${b.kind}${b.name}`)),
  };
}

function union(a: Facts, b: Facts): Facts {
  const u = (x: string[], y: string[]) => [...new Set([...x, ...y])].sort();
  const crds = new Map([...a.crds, ...b.crds].map((c) => [c.kind, c]));
  const podSecurity: Facts['podSecurity'] = JSON.parse(JSON.stringify(a.podSecurity));
  for (const [n, e] of Object.entries(b.podSecurity)) {
    const t = (podSecurity[n] ??= { level: 'restricted', pods: {} });
    t.level = maxLevel(t.level, e.level);
    Object.assign(t.pods, e.pods);
  }
  const hooks = new Map([...a.hooks, ...b.hooks].map((h) => [`${h.kind}/${h.name}`, h]));
  return {
    clusterKinds: u(a.clusterKinds, b.clusterKinds),
    namespacedKinds: u(a.namespacedKinds, b.namespacedKinds),
    namespaces: u(a.namespaces, b.namespaces),
    crds: [...crds.values()].sort((x, y) => x.kind.localeCompare(y.kind)),
    podSecurity,
    hooks: [...hooks.values()].sort((x, y) => `${x.kind}${x.name}`.localeCompare(`${y.kind}${y.name}`)),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const helmVersion = execFileSync(args.helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  const builtin = builtinScopes(apiSourceDirs(K8S_MODULE_VERSION));
  const releases = collectReleases().filter((r) => !args.only || r.chart === args.only);
  const work = mkdtempSync(join(tmpdir(), 'chart-facts-'));
  const previous: Obj = existsSync(OUTPUT) ? JSON.parse(readFileSync(OUTPUT, 'utf8')) : { charts: {} };

  // Pass 1: extract and package each chart version once.
  const prepared = new Map<string, { dir: string; provenance: Obj; notes: string[] }>();
  for (const r of releases) {
    const key = `${r.chart}@${r.version}`;
    if (prepared.has(key)) continue;
    const entry = CHART_SOURCES[key];
    if (!entry) throw new Error(`${key}: no entry in scripts/chart-facts/sources.ts (where is its source?)`);
    const source = entry.source ?? entry.unavailable!.nearest;
    const dir = join(work, key.replace(/[@/]/g, '_'), r.chart);
    const commit = extract(args.sources, source, dir);
    const provenance: Obj = { repository: `https://github.com/${source.repo}`, ref: source.ref, commit, path: source.path };
    if (entry.unavailable) {
      provenance.unverified = `${entry.unavailable.reason}. The facts are those of ${r.chart} ${entry.unavailable.nearest.version}, the nearest version whose source could be had; refresh them when ${r.version}'s source can be fetched.`;
      provenance.renderedVersion = entry.unavailable.nearest.version;
    }
    const notes = applyPackaging(dir, entry.packaging ?? [], args.sources, source);
    prepared.set(key, { dir, provenance, notes });
  }

  // The CRDs every pinned chart provides: their group/versions are what a converged cluster serves.
  const crdScopes = new Map<string, Scope>();
  const crdApiVersions = new Set<string>();
  const renders = new Map<Release, { dir: string; blank: Obj[] }>();
  for (const [i, r] of releases.entries()) {
    const p = prepared.get(`${r.chart}@${r.version}`)!;
    // Each release its own copy: which dependencies are rendered depends on its values.
    const dir = join(work, `release-${i}`, r.chart);
    cpSync(p.dir, dir, { recursive: true });
    const depNotes = resolveDependencies(dir, CHART_SOURCES[`${r.chart}@${r.version}`], r.values, args.sources, p.provenance);
    for (const n of depNotes) if (!p.notes.includes(n)) p.notes.push(n);
    const blank = render(args.helm, dir, r, []);
    renders.set(r, { dir, blank });
    for (const o of blank.filter((x) => x.kind === 'CustomResourceDefinition')) {
      crdScopes.set(`${o.spec.group}/${o.spec.names.kind}`, o.spec.scope);
      for (const v of o.spec.versions ?? []) crdApiVersions.add(`${o.spec.group}/${v.name}`);
    }
  }
  // Pass 2: the same charts on a converged cluster (the platform's CRDs served), which some
  // charts test with .Capabilities.APIVersions; the facts are the union of both renders.
  const apiVersions = [...crdApiVersions].sort();
  const scopeOf = (gk: string) => builtin.get(gk) ?? crdScopes.get(gk);
  const charts: Obj = { ...(args.only ? previous.charts : {}) };
  if (args.only) for (const k of Object.keys(charts)) if (k.startsWith(`${args.only}@`)) delete charts[k];
  for (const r of releases) {
    const p = prepared.get(`${r.chart}@${r.version}`)!;
    const { dir, blank } = renders.get(r)!;
    const converged = render(args.helm, dir, r, apiVersions);
    const facts = union(factsOf(blank, r, scopeOf), factsOf(converged, r, scopeOf));
    const own = new Set(facts.crds.map((c) => c.kind));
    const foreignKinds = [...facts.clusterKinds, ...facts.namespacedKinds].filter((gk) => !builtin.has(gk) && !own.has(gk)).sort();
    const key = `${r.chart}@${r.version}`;
    const entry = (charts[key] ??= { chart: r.chart, version: r.version, source: p.provenance, packaging: p.notes, variants: [] });
    entry.variants.push({
      digest: canonicalValuesDigest(r),
      releaseName: r.releaseName,
      namespace: r.namespace,
      values: r.values,
      usedBy: r.usedBy,
      ...facts,
      // Custom resources the chart renders whose CRD another component installs.
      foreignKinds,
    });
  }
  for (const e of Object.values(charts) as Obj[]) e.variants.sort((a: Obj, b: Obj) => a.digest.localeCompare(b.digest));
  const table = {
    $comment:
      "Generated by scripts/chart-facts/generate.ts from the charts' sources (see scripts/chart-facts/README.md); do not edit by hand. " +
      `Namespaces: "${RELEASE_NAMESPACE}" is the release's own namespace. Pod Security levels: ${LEVEL_ORDER.join(' < ')}.`,
    generator: {
      helm: helmVersion,
      kubeVersion: KUBE_VERSION,
      kubernetesApiSources: `k8s.io/api ${K8S_MODULE_VERSION}`,
      argoCdFlags: 'helm template --include-crds',
    },
    charts: Object.fromEntries(Object.entries(charts).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(OUTPUT, `${JSON.stringify(table, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`${Object.keys(charts).length} chart versions, ${releases.length} releases -> ${OUTPUT}\n`);
}

main();
