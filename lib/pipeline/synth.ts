import { App, Chart } from 'cdk8s';
import { ArgoCdApplications } from '../gitops/argocd-applications';
import { PlatformPrometheusChart } from '../gitops/platform-prometheus-chart';
import { observabilitySection } from '../gitops/system-observability-readme';
import { disasterRecoverySection } from '../gitops/disaster-recovery-readme';
import { evaluatePolicies, Waiver } from '../policy/evaluate';
import { linterWaiverAnnotations } from '../policy/linter-waivers';
import { kubernetesApiIssues } from '../policy/kubernetes-api';
import { PolicyRule } from '../policy/rule';
import { DEFAULT_RULES } from '../policy/rules';
import { renderChart, RenderedObject, unitFiles } from '../gitops/render';
import { undeclaredStorageClasses } from '../gitops/storage-classes';
import { systemReadme } from '../gitops/system-readme';
import { platformReadme } from '../gitops/platform-readme';
import { DistFolder, DistWrite } from '../core/dist-writer';
import type { Environment } from '../core/environment';
import { SystemChart } from '../core/system-chart';
import { runFinalizers } from '../core/finalize';
import { collectReport, isInRenamedConstruct, issue, SynthesisError, uniqueIssues, ValidationIssue } from '../core/validation';
import { recordArchitecture } from './architecture-graph';
import { backupReadmeSections, watchBackups } from './backup-passes';
import { addMetricsMonitors } from './metrics-monitors';
import { addMeshPolicies } from './mesh-policies';
import { ModelIndex } from './model-index';
import { CachedFolder, IncrementalSynth, SynthCacheRecord, SynthCacheSession } from './synth-cache';
import { addSystemFoundations } from './system-foundation';
import { addPlatformLayers, assignPriorityClasses } from './platform-layer';
import { PlatformLayer } from '../gitops/platform-layer';
import { securityExceptionsOf, SecurityExceptionSummary, workloadReadmeSections } from './workload-notes';

/** What was written for one folder of dist. */
export interface FolderSummary {
  readonly folder: string;
  readonly objects: number;
  readonly files: number;
}

export interface SynthResult {
  readonly folders: readonly FolderSummary[];
  /** Every synthesized object with its folder, for tests and reports. */
  readonly objects: ReadonlyArray<RenderedObject & { readonly folder: string }>;
  /** Policy rules waived on specific objects, with the reasons. */
  readonly waivers: readonly Waiver[];
  /** Settings that are legal but probably not meant; printed, never fatal. */
  readonly warnings: readonly ValidationIssue[];
  /** The workloads' declared departures from the hardened defaults, with their reasons. */
  readonly securityExceptions: ReadonlyArray<SecurityExceptionSummary & { readonly folder: string }>;
}

export interface SynthOptions {
  /** The dist folder. */
  readonly outdir: string;
  /**
   * Replace the whole of dist (files no longer produced disappear). When false, only the
   * folders of the charts in the app are replaced (with everything below them, nested
   * folders included), and the whole `<env>/` folder of an environment whose Argo CD
   * applications are in the app with all their systems; everything else is carried over
   * byte for byte. Either way the new tree is swapped in atomically.
   * @default true
   */
  readonly replaceAll?: boolean;
  /** Render and check, but do not write. @default false */
  readonly dryRun?: boolean;
  /** Policy rules run over every folder. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
  /** The folder the charts are written in, named by each generated README (`systems/` in a scaffolded project). @default 'charts/' */
  readonly sourceFolder?: string;
  /**
   * Worker threads that write dist's files while the pipeline renders the next ones (0: the
   * main thread writes them). The output is byte-identical either way.
   * @default - CDK8S_STACKS_WRITE_THREADS, else one per core besides the main thread's (1 to 3)
   */
  readonly writeThreads?: number;
  /**
   * Re-render only the systems whose inputs changed since the last synth into this outdir
   * (see IncrementalSynth); the output is byte-identical to a full synth.
   * @default - every folder is rendered, and no cache is kept
   */
  readonly incremental?: IncrementalSynth;
  /** Called with each folder carried over unchanged by an incremental synth (for its summary). @default nothing */
  readonly onReused?: (folder: string) => void;
}

/**
 * The synthesis pipeline: run every construct's validation, resolve and decorate every
 * object, lay them out as files, and only when nothing failed write dist atomically.
 * On failure it throws a SynthesisError with every problem found, and dist is untouched.
 */
export function synthesize(app: App, options: SynthOptions): SynthResult {
  if (synthesisHook) return synthesisHook(app, options);
  if (options.dryRun) return renderApp(app, options).result;
  return writeApp(app, options, []);
}

/**
 * Environments of the same app rendered by another thread (lib/pipeline/environment-shards.ts):
 * what `synthesizeAlongside` needs of each. Not part of the public API.
 */
export interface RenderedElsewhere {
  /**
   * Waits until the other thread is done, handing each of its files to `file` on the way,
   * and returns what it found (with the incremental cache's record of its folders).
   */
  finish(file: (folder: string, name: string, text: string) => void): ElsewhereOutcome;
  /** Stops the other thread (this synth failed, or will not use it). */
  abandon(): void;
}

/** What another thread rendered: everything of a SynthResult but the objects (they stay in that thread). */
export interface ElsewhereOutcome {
  /** The one exception its app's build threw (an error message), instead of everything else. */
  readonly buildError?: string;
  readonly issues: readonly ValidationIssue[];
  readonly warnings: readonly ValidationIssue[];
  readonly folders: readonly FolderSummary[];
  readonly waivers: readonly Waiver[];
  readonly securityExceptions: ReadonlyArray<SecurityExceptionSummary & { readonly folder: string }>;
  /** The environments it synthesized completely (see completeEnvironments). */
  readonly completeEnvironments: readonly string[];
  /** What the incremental cache records of its folders, when this synth records one. */
  readonly cacheRecord?: SynthCacheRecord;
}

/**
 * `synthesize` of an app that holds some environments, while other threads render the
 * environments before them (`others`, in environment order) into the same dist: one atomic
 * write of every thread's files, with summaries, issues and warnings merged in the order a
 * single app of every environment would give. The result's `objects` are this thread's
 * only. Used by `runStacksCli` (see environment-shards.ts). Not part of the public API.
 */
export function synthesizeAlongside(app: App, options: SynthOptions, others: readonly RenderedElsewhere[]): SynthResult {
  if (options.dryRun || synthesisHook) throw new Error('synthesizeAlongside: writes dist; dryRun and plan render in one thread');
  return writeApp(app, options, others);
}

function writeApp(app: App, options: SynthOptions, others: readonly RenderedElsewhere[]): SynthResult {
  // Each file goes to the staging folder as soon as it is serialized (written by worker
  // threads while the next ones are rendered); the staging folder is opened with the first
  // file, so that a synth that fails before it touches nothing.
  let write: DistWrite | undefined;
  const open = (): DistWrite => (write ??= DistWrite.open(options.outdir, { threads: options.writeThreads }));
  const cache = options.incremental ? new SynthCacheSession(options.incremental, options) : undefined;
  let failed = false;
  const file = (folder: string, name: string, text: string): void => {
    if (failed) return;
    cache?.file(folder, name, text);
    open().addFile(folder, name, text);
  };
  const sink: FileSink = {
    file,
    reused: (folder) => {
      open().carryOver(folder);
      options.onReused?.(folder);
    },
    cached: cache ? (chart, folder) => cache.reusable(chart, folder) : undefined,
  };
  let result: SynthResult;
  let complete: string[];
  try {
    const mine = collect(app, options, sink);
    failed = mine.issues.length > 0;
    const issues: ValidationIssue[] = [];
    const warnings: ValidationIssue[] = [];
    const merged = {
      folders: [] as FolderSummary[],
      objects: mine.result.objects,
      waivers: [] as Waiver[],
      securityExceptions: [] as Array<SecurityExceptionSummary & { readonly folder: string }>,
    };
    complete = [];
    for (const other of others) {
      const outcome = other.finish(file);
      if (outcome.buildError !== undefined) throw new Error(outcome.buildError);
      failed ||= outcome.issues.length > 0;
      issues.push(...outcome.issues);
      warnings.push(...outcome.warnings);
      merged.folders.push(...outcome.folders);
      merged.waivers.push(...outcome.waivers);
      merged.securityExceptions.push(...outcome.securityExceptions);
      complete.push(...outcome.completeEnvironments);
      if (outcome.cacheRecord) cache?.adopt(outcome.cacheRecord);
    }
    issues.push(...mine.issues);
    warnings.push(...mine.result.warnings);
    if (issues.length > 0) throw new SynthesisError(uniqueIssues(issues), warnings);
    merged.folders.push(...mine.result.folders);
    merged.waivers.push(...mine.result.waivers);
    merged.securityExceptions.push(...mine.result.securityExceptions);
    complete.push(...completeEnvironments(app));
    result = { ...merged, warnings };
    open();
  } catch (error) {
    for (const other of others) other.abandon();
    write?.abort();
    throw error;
  }
  write!.commit((options.replaceAll ?? true) ? 'all' : { folders: complete });
  cache?.save(result);
  return result;
}

/** Where a synth puts dist's files as they are made. */
export interface FileSink {
  /** One file: folder (e.g. `prod/shop`), file name, text. */
  readonly file: (folder: string, name: string, text: string) => void;
  /** A folder carried over from the current dist as it is. */
  readonly reused: (folder: string) => void;
  /** What the incremental synth knows of a system folder it may carry over, if it may. */
  readonly cached?: (chart: SystemChart, folder: string) => CachedFolder | undefined;
}

let synthesisHook: ((app: App, options: SynthOptions) => SynthResult) | undefined;

/**
 * Hands every later `synthesize` call to `hook` instead. `cdk8s-stacks plan` runs a user's
 * unchanged app with this set (lib/plan/register.ts), so the app is planned, not written.
 * Not part of the public API.
 */
export function interceptSynthesis(hook: (app: App, options: SynthOptions) => SynthResult): void {
  synthesisHook = hook;
}

/**
 * Everything `synthesize` does but writing: the result and the files of every folder.
 * `plan` (lib/plan) compares these in memory with a baseline. Throws SynthesisError like
 * `synthesize`.
 */
export function renderApp(app: App, options: Pick<SynthOptions, 'rules' | 'sourceFolder'> = {}): { result: SynthResult; folders: DistFolder[] } {
  return render(app, options);
}

/** renderApp, handing each file to `sink`; throws SynthesisError with every issue found. */
function render(app: App, options: Pick<SynthOptions, 'rules' | 'sourceFolder'>, sink?: FileSink): { result: SynthResult; folders: DistFolder[] } {
  const collected = collect(app, options, sink);
  if (collected.issues.length > 0) throw new SynthesisError(uniqueIssues(collected.issues), collected.result.warnings);
  return collected;
}

/**
 * Renders every chart of the app, handing each file to `sink` (while no error was found)
 * instead of keeping it: the files of a folder are then neither kept nor returned. Charts,
 * issues and warnings come grouped by environment, in the order the environments' first
 * charts were made (within one, in the order the checks and charts come), so that apps of
 * consecutive environments rendered apart give, one after the other, what one app of them
 * all gives (synthesizeAlongside). Issues are returned, not thrown.
 */
export function collect(
  app: App,
  options: Pick<SynthOptions, 'rules' | 'sourceFolder'>,
  sink?: FileSink,
): { result: SynthResult; folders: DistFolder[]; issues: ValidationIssue[] } {
  completeModel(app);
  // One walk of the finished tree, shared by the passes below (see ModelIndex).
  const index = ModelIndex.build(app);
  const { issues, warnings } = collectReport(app, index.all);
  const constructIssues = [...issues];
  const folders: DistFolder[] = [];
  const summaries: FolderSummary[] = [];
  const allObjects: Array<RenderedObject & { folder: string }> = [];
  const waivers: Waiver[] = [];
  const securityExceptions: Array<SecurityExceptionSummary & { folder: string }> = [];

  const order = environmentOrder(app);
  for (const chart of order.charts) {
    const folder = folderOf(chart);
    const cached = SystemChart.isSystemChart(chart) && issues.length === 0 ? sink?.cached?.(chart, folder) : undefined;
    if (cached) {
      // Inputs and dist folder unchanged since they were rendered: carried over, not rendered.
      sink!.reused(folder);
      summaries.push({ folder, objects: cached.objects, files: cached.files });
      waivers.push(...cached.waivers);
      securityExceptions.push(...cached.securityExceptions);
      continue;
    }
    const labels = SystemChart.isSystemChart(chart)
      ? { partOf: chart.system, instance: chart.namespaceName, version: chart.version }
      : PlatformLayer.isPlatformLayer(chart) || PlatformPrometheusChart.isPlatformPrometheusChart(chart)
        ? { partOf: 'platform', instance: chart.node.id, version: '1.0.0' }
        : { partOf: 'gitops', instance: chart.node.id, version: '1.0.0' };
    // Every object carries the linter waivers derived from the exceptions its construct declared.
    const context = { ...labels, annotations: linterWaiverAnnotations };
    let unit: ReturnType<typeof renderChart>;
    try {
      unit = renderChart(chart, context, index.apiObjectsOf(chart));
    } catch (error) {
      // Props the checks above refused can make rendering fail; those errors say why.
      // Without them, the failure is reported on the chart rather than as a stack trace.
      if (issues.length === 0)
        issues.push(issue('render.failed', chart.node.path, `render: ${error instanceof Error ? error.message : String(error)}`));
      continue;
    }
    // A bad name the construct already reported is not reported again for each object it names.
    issues.push(...unit.issues.filter((i) => !(i.message.startsWith('metadata.name:') && hasReportedAncestor(i.path, constructIssues))));
    const system = SystemChart.isSystemChart(chart) ? chart : undefined;
    const environment = system?.environment ?? (PlatformPrometheusChart.isPlatformPrometheusChart(chart) ? chart.environment : undefined);
    if (environment?.platform) issues.push(...undeclaredStorageClasses(unit.objects, environment.platform));
    // Every folder is applied to the environment's clusters: each object must be what their release serves.
    const platform = (environment ?? environmentOf(chart))?.platform;
    // An object whose construct already reported bad props is not reported again for what they made of it.
    if (platform)
      issues.push(...kubernetesApiIssues(unit.objects, platform.kubernetesVersion).filter((i) => !hasReportedAncestor(i.path, constructIssues)));
    const policy = evaluatePolicies(
      folder,
      unit.objects,
      options.rules ?? DEFAULT_RULES,
      system?.namespaceName ?? chart.namespace ?? '',
      system?.environment,
      constructIssues,
    );
    issues.push(...policy.failures);
    waivers.push(...policy.waivers);
    // The Argo CD folder's kustomization is the bootstrap: the project and the root only, so that
    // the root's sync waves order the platform, its Prometheus and the systems.
    const files = new Map<string, string>();
    let count = 0;
    // Streamed while nothing failed (a failed synth writes nothing; its files are not needed).
    const add = (name: string, text: string): void => {
      count++;
      if (!sink) files.set(name, text);
      else if (issues.length === 0) sink.file(folder, name, text);
    };
    unitFiles(unit, ArgoCdApplications.isArgoCdApplications(chart) ? (o) => chart.bootstrapObjects().includes(o.construct) : undefined, add);
    // Only written when nothing failed; skipping it on failure keeps refused props from reaching it.
    if (SystemChart.isSystemChart(chart) && issues.length === 0)
      add(
        'README.md',
        systemReadme(
          chart,
          unit.objects,
          [
            ...workloadReadmeSections(chart),
            ...backupReadmeSections(chart, unit.objects, index),
            ...[disasterRecoverySection(chart, unit.objects) ?? []].flat(),
            observabilitySection(chart, unit.objects),
          ],
          options.sourceFolder,
        ),
      );
    if (PlatformLayer.isPlatformLayer(chart) && issues.length === 0) add('README.md', platformReadme(chart));
    if (SystemChart.isSystemChart(chart)) securityExceptions.push(...securityExceptionsOf(chart).map((e) => ({ ...e, folder })));
    folders.push({ folder, files });
    summaries.push({ folder, objects: unit.objects.length, files: count });
    allObjects.push(...unit.objects.map((o) => ({ ...o, folder })));
  }

  const reported = issues.filter((issue, i) => i < constructIssues.length || !isInRenamedConstruct(app, issue.path));
  return {
    result: { folders: summaries, objects: allObjects, waivers, warnings: order.sort(warnings), securityExceptions },
    folders,
    issues: order.sort(reported),
  };
}

/**
 * The app's charts grouped by environment (environments in the order their first chart was
 * made, charts within one in the order they were made: a platform layer, made by a pass
 * after every system, comes after its environment's systems and Argo CD applications, not
 * after every environment), and a stable sort of issues into the same groups by the chart
 * their path starts with. Charts without an environment, and issues outside any chart, come last.
 */
function environmentOrder(app: App): { charts: Chart[]; sort: (issues: readonly ValidationIssue[]) => ValidationIssue[] } {
  const charts = app.node.children.filter((c): c is Chart => c instanceof Chart);
  const environments: string[] = [];
  const rank = new Map<string, number>();
  for (const chart of charts) {
    const env = environmentNameOf(chart);
    if (env !== undefined && !environments.includes(env)) environments.push(env);
    rank.set(chart.node.id, env === undefined ? Infinity : environments.indexOf(env));
  }
  const rankOf = (id: string): number => rank.get(id) ?? Infinity;
  const byRank = <T>(items: readonly T[], id: (item: T) => string): T[] =>
    items
      .map((item, i) => ({ item, i, r: rankOf(id(item)) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.item);
  return { charts: byRank(charts, (c) => c.node.id), sort: (issues) => byRank(issues, (i) => i.path.split('/')[0]) };
}

/** The environment a chart belongs to, when it has one (a missing one is the chart's collected error). */
function environmentNameOf(chart: Chart): string | undefined {
  const known =
    SystemChart.isSystemChart(chart) ||
    ArgoCdApplications.isArgoCdApplications(chart) ||
    PlatformLayer.isPlatformLayer(chart) ||
    PlatformPrometheusChart.isPlatformPrometheusChart(chart);
  return known ? chart.environment?.name : undefined;
}

/**
 * Runs the passes over the finished model, in order, then the finalizers: everything
 * derived from the constructs (system foundation, metrics monitors, backup alerts, the
 * architecture graph). `synthesize` starts with it; call it to render objects without
 * synthesizing. Idempotent.
 */
export function completeModel(app: App): void {
  // Passes that add objects (and checks) of their own come before the finalizers.
  addSystemFoundations(app);
  addMetricsMonitors(app);
  watchBackups(app);
  runFinalizers(app);
  // After every connection is made (the passes and finalizers above add some).
  addMeshPolicies(app);
  assignPriorityClasses(app);
  // After every pass and finalizer: they declare requirements too.
  addPlatformLayers(app);
  // The architecture graph reads relationships some finalizers complete.
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) recordArchitecture(chart);
}

/** The dist folder of a chart: `<env>/<system>`, `<env>/argocd`, `<env>/platform` or `<env>/platform/prometheus`. */
export function folderOf(chart: Chart): string {
  // `?.`: a missing environment is a collected error of the chart; the folder is then never written.
  if (SystemChart.isSystemChart(chart)) return `${chart.environment?.name}/${chart.system}`;
  if (ArgoCdApplications.isArgoCdApplications(chart)) return `${chart.environment?.name}/argocd`;
  if (PlatformLayer.isPlatformLayer(chart)) return `${chart.environment.name}/platform`;
  if (PlatformPrometheusChart.isPlatformPrometheusChart(chart)) return `${chart.environment?.name}/platform/prometheus`;
  throw new Error(`${chart.node.path}: only SystemChart, ArgoCdApplications, PlatformLayer and PlatformPrometheusChart charts can be synthesized`);
}

/**
 * The environments the app synthesizes completely: its Argo CD applications and every system
 * they list. Their whole `<env>/` folder is replaced, so a system no longer listed disappears.
 */
export function completeEnvironments(app: App): string[] {
  const charts = app.node.children.filter((c): c is Chart => c instanceof Chart);
  return charts.filter(ArgoCdApplications.isArgoCdApplications).flatMap((argo) => {
    const env = argo.environment?.name;
    const present = new Set(
      charts
        .filter(SystemChart.isSystemChart)
        .filter((c) => c.environment?.name === env)
        .map((c) => c.system),
    );
    return env !== undefined && argo.systems.every((s) => present.has(s)) ? [env] : [];
  });
}

/** The environment of an Argo CD or platform-layer chart (a system's is read above). */
function environmentOf(chart: Chart): Environment | undefined {
  if (ArgoCdApplications.isArgoCdApplications(chart) || PlatformLayer.isPlatformLayer(chart)) return chart.environment;
  return undefined;
}

function hasReportedAncestor(path: string, reported: readonly ValidationIssue[]): boolean {
  return reported.some((r) => path === r.path || path.startsWith(`${r.path}/`));
}
