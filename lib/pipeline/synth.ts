import { App, Chart } from 'cdk8s';
import { ArgoCdApplications } from '../gitops/argocd-applications';
import { PlatformPrometheusChart } from '../gitops/platform-prometheus-chart';
import { observabilitySection } from '../gitops/system-observability-readme';
import { evaluatePolicies, Waiver } from '../policy/evaluate';
import { linterWaiverAnnotations } from '../policy/linter-waivers';
import { PolicyRule } from '../policy/rule';
import { DEFAULT_RULES } from '../policy/rules';
import { renderChart, RenderedObject, unitFiles } from '../gitops/render';
import { undeclaredStorageClasses } from '../gitops/storage-classes';
import { systemReadme } from '../gitops/system-readme';
import { platformReadme } from '../gitops/platform-readme';
import { DistFolder, writeDist } from '../core/dist-writer';
import { SystemChart } from '../core/system-chart';
import { runFinalizers } from '../core/finalize';
import { collectReport, isInRenamedConstruct, issue, SynthesisError, uniqueIssues, ValidationIssue } from '../core/validation';
import { recordArchitecture } from './architecture-graph';
import { backupReadmeSections, watchBackups } from './backup-passes';
import { addMetricsMonitors } from './metrics-monitors';
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
}

/**
 * The synthesis pipeline: run every construct's validation, resolve and decorate every
 * object, lay them out as files, and only when nothing failed write dist atomically.
 * On failure it throws a SynthesisError with every problem found, and dist is untouched.
 */
export function synthesize(app: App, options: SynthOptions): SynthResult {
  if (synthesisHook) return synthesisHook(app, options);
  const { result, folders } = renderApp(app, options);
  if (!options.dryRun) writeDist(options.outdir, folders, (options.replaceAll ?? true) ? 'all' : { folders: completeEnvironments(app) });
  return result;
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
  completeModel(app);
  const { issues, warnings } = collectReport(app);
  const constructIssues = [...issues];
  const folders: DistFolder[] = [];
  const summaries: FolderSummary[] = [];
  const allObjects: Array<RenderedObject & { folder: string }> = [];
  const waivers: Waiver[] = [];
  const securityExceptions: Array<SecurityExceptionSummary & { folder: string }> = [];

  for (const chart of app.node.children.filter((c): c is Chart => c instanceof Chart)) {
    const folder = folderOf(chart);
    const labels = SystemChart.isSystemChart(chart)
      ? { partOf: chart.system, instance: chart.namespaceName, version: chart.version }
      : PlatformLayer.isPlatformLayer(chart) || PlatformPrometheusChart.isPlatformPrometheusChart(chart)
        ? { partOf: 'platform', instance: chart.node.id, version: '1.0.0' }
        : { partOf: 'gitops', instance: chart.node.id, version: '1.0.0' };
    // Every object carries the linter waivers derived from the exceptions its construct declared.
    const context = { ...labels, annotations: linterWaiverAnnotations };
    let unit: ReturnType<typeof renderChart>;
    try {
      unit = renderChart(chart, context);
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
    const files = new Map(
      unitFiles(unit, ArgoCdApplications.isArgoCdApplications(chart) ? (o) => chart.bootstrapObjects().includes(o.construct) : undefined),
    );
    // Only written when nothing failed; skipping it on failure keeps refused props from reaching it.
    if (SystemChart.isSystemChart(chart) && issues.length === 0)
      files.set(
        'README.md',
        systemReadme(
          chart,
          unit.objects,
          [...workloadReadmeSections(chart), ...backupReadmeSections(chart), observabilitySection(chart, unit.objects)],
          options.sourceFolder,
        ),
      );
    if (PlatformLayer.isPlatformLayer(chart) && issues.length === 0) files.set('README.md', platformReadme(chart));
    if (SystemChart.isSystemChart(chart)) securityExceptions.push(...securityExceptionsOf(chart).map((e) => ({ ...e, folder })));
    folders.push({ folder, files });
    summaries.push({ folder, objects: unit.objects.length, files: files.size });
    allObjects.push(...unit.objects.map((o) => ({ ...o, folder })));
  }

  if (issues.length > 0) {
    const reported = issues.filter((issue, i) => i < constructIssues.length || !isInRenamedConstruct(app, issue.path));
    throw new SynthesisError(uniqueIssues(reported), warnings);
  }
  return { result: { folders: summaries, objects: allObjects, waivers, warnings, securityExceptions }, folders };
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
function completeEnvironments(app: App): string[] {
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

function hasReportedAncestor(path: string, reported: readonly ValidationIssue[]): boolean {
  return reported.some((r) => path === r.path || path.startsWith(`${r.path}/`));
}
