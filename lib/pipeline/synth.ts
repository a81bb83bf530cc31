import { App, Chart } from 'cdk8s';
import { ArgoCdApplications } from '../gitops/argocd-applications';
import { evaluatePolicies, Waiver } from '../policy/evaluate';
import { linterWaiverAnnotations } from '../policy/linter-waivers';
import { PolicyRule } from '../policy/rule';
import { DEFAULT_RULES } from '../policy/rules';
import { renderChart, RenderedObject, unitFiles } from '../gitops/render';
import { withFastResolution } from '../core/fast-resolve';
import { systemReadme } from '../gitops/system-readme';
import { DistFolder, writeDist } from '../core/dist-writer';
import { SystemChart } from '../core/system-chart';
import { runFinalizers } from '../core/finalize';
import { collectIssues, SynthesisError, ValidationIssue } from '../core/validation';
import { recordArchitecture } from './architecture-graph';
import { backupReadmeSections, watchBackups } from './backup-passes';
import { addMetricsMonitors } from './metrics-monitors';
import { addSystemFoundations } from './system-foundation';

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
}

export interface SynthOptions {
  /** The dist folder. */
  readonly outdir: string;
  /**
   * Replace the whole of dist (files no longer produced disappear). When false, only the
   * folders of the charts in the app are replaced and everything else is left as it is.
   * @default true
   */
  readonly replaceAll?: boolean;
  /** Render and check, but do not write. @default false */
  readonly dryRun?: boolean;
  /** Policy rules run over every folder. @default DEFAULT_RULES */
  readonly rules?: readonly PolicyRule[];
}

/**
 * The synthesis pipeline: run every construct's validation, resolve and decorate every
 * object, lay them out as files, and only when nothing failed write dist atomically.
 * On failure it throws a SynthesisError with every problem found, and dist is untouched.
 */
export function synthesize(app: App, options: SynthOptions): SynthResult {
  completeModel(app);
  const issues: ValidationIssue[] = collectIssues(app);
  const folders: DistFolder[] = [];
  const summaries: FolderSummary[] = [];
  const allObjects: Array<RenderedObject & { folder: string }> = [];
  const waivers: Waiver[] = [];

  for (const chart of app.node.children.filter((c): c is Chart => c instanceof Chart)) {
    const folder = folderOf(chart);
    const labels =
      SystemChart.isSystemChart(chart)
        ? { partOf: chart.system, instance: chart.namespaceName, version: chart.version }
        : { partOf: 'gitops', instance: chart.node.id, version: '1.0.0' };
    // Every object carries the linter waivers derived from the exceptions its construct declared.
    const context = { ...labels, annotations: linterWaiverAnnotations };
    const unit = withFastResolution(app, () => renderChart(chart, context));
    issues.push(...unit.issues);
    const system = SystemChart.isSystemChart(chart) ? chart : undefined;
    const policy = evaluatePolicies(folder, unit.objects, options.rules ?? DEFAULT_RULES, system?.namespaceName ?? chart.namespace ?? '', system?.environment);
    issues.push(...policy.failures);
    waivers.push(...policy.waivers);
    const files = new Map(unitFiles(unit));
    if (SystemChart.isSystemChart(chart)) files.set('README.md', systemReadme(chart, unit.objects, backupReadmeSections(chart)));
    folders.push({ folder, files });
    summaries.push({ folder, objects: unit.objects.length, files: files.size });
    allObjects.push(...unit.objects.map((o) => ({ ...o, folder })));
  }

  if (issues.length > 0) throw new SynthesisError(issues);
  if (!options.dryRun) writeDist(options.outdir, folders, options.replaceAll ?? true);
  return { folders: summaries, objects: allObjects, waivers };
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
  // The architecture graph reads relationships some finalizers complete.
  for (const chart of app.node.children.filter(SystemChart.isSystemChart)) recordArchitecture(chart);
}

/** The dist folder of a chart: `<env>/<system>` or `<env>/argocd`. */
export function folderOf(chart: Chart): string {
  if (SystemChart.isSystemChart(chart)) return `${chart.environment.name}/${chart.system}`;
  if (ArgoCdApplications.isArgoCdApplications(chart)) return `${chart.environment.name}/argocd`;
  throw new Error(`${chart.node.path}: only SystemChart and ArgoCdApplications charts can be synthesized`);
}
