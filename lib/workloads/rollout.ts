/**
 * Progressive delivery of a WebService with Argo Rollouts (installed by the platform layer):
 * the options, their checks and the `strategy` of the `argoproj.io/v1alpha1` Rollout that
 * replaces the workload's Deployment. The Rollout carries its own pod template (no
 * `workloadRef`): one object owns the pods, so there is never a Deployment and a Rollout
 * running the same workload, and the HPA, VPA and PDB point at (or select the pods of) the
 * Rollout. What the release is checked against (an AnalysisTemplate querying the platform's
 * Prometheus) is rendered by the observability layer (lib/observability/rollout-analysis.ts).
 */
import { checkDurationProp, Duration, durationSeconds, goDuration, secondsOr } from '../core/duration';
import type { Json } from '../core/json';
import type { ValidationReport } from '../core/validation';

/** The Rollout's API version and kind (Argo Rollouts' CRDs, imports/crds/argoproj.io_rollouts.yaml). */
export const ROLLOUT_GVK = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as const;

/** The label Argo Rollouts puts on each revision's ReplicaSet and pods (and on the Services it points). */
export const ROLLOUT_REVISION_LABEL = 'rollouts-pod-template-hash';

/** One step of a canary release. */
export type CanaryStep =
  /** Sends this percent of the pods' share to the new version (replica-weighted: no traffic router). */
  | { readonly setWeight: number }
  /** Waits this long, or until promoted by hand (`kubectl argo rollouts promote`) when 'indefinite'. */
  | { readonly pause: Duration | 'indefinite' };

/**
 * Automatic rollback on the workload's HTTP error ratio, measured by the platform's
 * Prometheus from the workload's own metrics (`exposeMetrics()`: `http_requests_total` with a
 * status label, as the system alerts read it).
 */
export interface RolloutAnalysis {
  /** Ratio (0 to 1) of 5xx answers above which a measurement fails. */
  readonly maxErrorRatio: number;
  /** Time between measurements, and the window of the rate: whole seconds, at least 30 s. @default Duration.minutes(1) */
  readonly interval?: Duration;
  /** Failed measurements tolerated; one more aborts the release and rolls back. @default 1 */
  readonly failureLimit?: number;
  /** Measurements of a blue-green release after the switch (the canary's run for the whole release). @default 5 */
  readonly measurements?: number;
  /** Label of `http_requests_total` holding the status code. @default 'status' */
  readonly statusLabel?: string;
}

/** Blue-green: the new version runs beside the old behind a preview Service, then takes the active Service at once. */
export interface BlueGreenRollout {
  readonly strategy: 'blueGreen';
  /**
   * Switch the active Service to the new version as soon as it is ready. Off, a person promotes
   * it (`kubectl argo rollouts promote <name>`) after checking the preview: what prod wants.
   * @default false
   */
  readonly autoPromotion?: boolean;
  /**
   * How long the old version keeps running after the switch (kube-proxy rules everywhere must
   * follow first; an abort switches back to it meanwhile): whole seconds, at least 30 s.
   * @default Duration.seconds(30), or the analysis' whole duration plus 30 s when there is one
   */
  readonly scaleDownDelay?: Duration;
  /** Checked after the switch (`postPromotionAnalysis`); a failure switches back. @default - none */
  readonly analysis?: RolloutAnalysis;
}

/** Canary: the new version's share of the pods grows step by step. */
export interface CanaryRollout {
  readonly strategy: 'canary';
  /** The steps, in order; after the last the new version takes every pod. */
  readonly steps: readonly CanaryStep[];
  /** Checked in the background from the first step on; a failure aborts and rolls back. @default - none */
  readonly analysis?: RolloutAnalysis;
}

/** How a WebService releases a new version with Argo Rollouts. */
export type RolloutOptions = BlueGreenRollout | CanaryRollout;

/** Names of the objects a rollout uses, derived from the workload's name. */
export interface RolloutNames {
  /** The workload's Service: the active one of a blue-green release, the stable one of a canary. */
  readonly service: string;
  /** The preview Service of a blue-green release. */
  readonly preview: string;
  /** The AnalysisTemplate. */
  readonly analysis: string;
}

export function rolloutNames(workload: string): RolloutNames {
  return { service: workload, preview: `${workload}-preview`, analysis: `${workload}-error-ratio` };
}

const DEFAULT_INTERVAL = 60;
const DEFAULT_MEASUREMENTS = 5;
const SCALE_DOWN_MARGIN = 30;

/** Seconds between measurements. */
export function analysisIntervalSeconds(a: RolloutAnalysis): number {
  return secondsOr(a.interval, DEFAULT_INTERVAL);
}

/** Measurements of a blue-green analysis (a canary's runs until the release ends). */
export function analysisMeasurements(a: RolloutAnalysis): number {
  return a.measurements ?? DEFAULT_MEASUREMENTS;
}

/** The scale-down delay of a blue-green release, in seconds: given, or long enough for the analysis to finish. */
export function scaleDownDelaySeconds(o: BlueGreenRollout): number {
  const analysis = o.analysis ? analysisIntervalSeconds(o.analysis) * analysisMeasurements(o.analysis) + SCALE_DOWN_MARGIN : 30;
  return secondsOr(o.scaleDownDelay, analysis);
}

/** The Rollout's `spec.strategy`. */
export function rolloutStrategy(o: RolloutOptions, names: RolloutNames): Json {
  const analysis = (a: RolloutAnalysis | undefined) => (a ? { templates: [{ templateName: names.analysis }] } : undefined);
  if (o.strategy === 'blueGreen') {
    return {
      blueGreen: {
        activeService: names.service,
        previewService: names.preview,
        autoPromotionEnabled: o.autoPromotion ?? false,
        scaleDownDelaySeconds: scaleDownDelaySeconds(o),
        postPromotionAnalysis: analysis(o.analysis),
      },
    };
  }
  return {
    canary: {
      // As the Deployment rolls: never below the wanted capacity.
      maxSurge: '25%',
      maxUnavailable: 0,
      // Rendered after the checks; shapes they reject are skipped rather than trusted.
      steps: (Array.isArray(o.steps) ? o.steps : [])
        .filter((s): s is CanaryStep => typeof s === 'object' && s !== null)
        .map((s) =>
          'setWeight' in s ? { setWeight: s.setWeight } : { pause: s.pause === 'indefinite' ? {} : { duration: goDuration(secondsOr(s.pause, 0)) } },
        ),
      // From the first step on, so the measurements see the canary's share of the requests.
      analysis: o.analysis ? { ...analysis(o.analysis), startingStep: 1 } : undefined,
    },
  };
}

/** Checks options given at run time (JavaScript callers: nothing is trusted). */
export function checkRollout(report: ValidationReport, o: unknown, hasHttpMetrics: boolean): void {
  if (typeof o !== 'object' || o === null) {
    report.error(
      'rollout.options',
      'rollout',
      `must be { strategy: 'blueGreen', ... } or { strategy: 'canary', steps: [...] } (is ${o === null ? 'null' : typeof o})`,
    );
    return;
  }
  const r = o as Record<string, unknown>;
  if (r.strategy === 'blueGreen') {
    if (r.autoPromotion !== undefined && typeof r.autoPromotion !== 'boolean')
      report.error('rollout.auto-promotion', 'rollout.autoPromotion', `must be true or false (is ${typeof r.autoPromotion})`);
    checkDurationProp(report, 'rollout.scale-down-delay', 'rollout.scaleDownDelay', r.scaleDownDelay, 30, 'Duration.seconds(30)');
    if (r.steps !== undefined)
      report.error(
        'rollout.steps.blue-green',
        'rollout.steps',
        "steps belong to a canary release; a blue-green release has none (strategy: 'canary')",
      );
  } else if (r.strategy === 'canary') {
    checkSteps(report, r.steps);
  } else {
    report.error('rollout.strategy', 'rollout.strategy', `${JSON.stringify(r.strategy)} is not a strategy: 'blueGreen' or 'canary'`);
    return;
  }
  if (r.analysis !== undefined) checkAnalysis(report, r.analysis, hasHttpMetrics);
  const bg = r as unknown as BlueGreenRollout;
  if (bg.strategy === 'blueGreen' && bg.analysis && bg.scaleDownDelay instanceof Duration && isAnalysisValid(bg.analysis)) {
    // The controller cancels the post-promotion analysis when the delay ends (bluegreen.md).
    const needed = analysisIntervalSeconds(bg.analysis) * analysisMeasurements(bg.analysis);
    const given = durationSeconds(bg.scaleDownDelay);
    if (typeof given === 'number' && given < needed)
      report.error(
        'rollout.scale-down-delay.shorter-than-analysis',
        'rollout.scaleDownDelay',
        `${given} s ends before the analysis does (${analysisMeasurements(bg.analysis)} measurements every ${analysisIntervalSeconds(bg.analysis)} s = ${needed} s): Argo Rollouts would cancel it; use at least ${needed} s, or leave it out`,
      );
  }
}

function checkSteps(report: ValidationReport, steps: unknown): void {
  if (!Array.isArray(steps) || steps.length === 0) {
    report.error(
      'rollout.steps',
      'rollout.steps',
      'a canary release needs at least one step: { setWeight: 1..100 } or { pause: Duration | "indefinite" }',
    );
    return;
  }
  let last = 0;
  steps.forEach((s: unknown, i) => {
    const field = `rollout.steps[${i}]`;
    const step = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
    const keys = Object.keys(step);
    if (keys.length !== 1 || !['setWeight', 'pause'].includes(keys[0])) {
      report.error('rollout.steps.shape', field, 'must be exactly one of { setWeight: 1..100 } or { pause: Duration | "indefinite" }');
      return;
    }
    if ('setWeight' in step) {
      const w = step.setWeight;
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 1 || w > 100)
        report.error('rollout.steps.weight', `${field}.setWeight`, `${String(w)} must be a whole percent from 1 to 100`);
      else if (w < last)
        report.error('rollout.steps.weight-order', `${field}.setWeight`, `${w} is below the earlier step's ${last}: weights only grow`);
      else last = w;
    } else if (step.pause !== 'indefinite') {
      checkDurationProp(report, 'rollout.steps.pause', `${field}.pause`, step.pause ?? null, 1, "Duration.minutes(5), or 'indefinite'");
    }
  });
  if (!steps.some((s) => typeof s === 'object' && s !== null && 'setWeight' in s))
    report.error(
      'rollout.steps.no-weight',
      'rollout.steps',
      'no step sets a weight: the canary would take every pod at once; add { setWeight: 1..100 }',
    );
}

function isAnalysisValid(a: RolloutAnalysis): boolean {
  return a.interval === undefined || a.interval instanceof Duration;
}

function checkAnalysis(report: ValidationReport, a: unknown, hasHttpMetrics: boolean): void {
  if (typeof a !== 'object' || a === null) {
    report.error('rollout.analysis', 'rollout.analysis', 'must be { maxErrorRatio: 0..1, ... }');
    return;
  }
  const r = a as Record<string, unknown>;
  if (typeof r.maxErrorRatio !== 'number' || !(r.maxErrorRatio > 0 && r.maxErrorRatio < 1))
    report.error(
      'rollout.analysis.max-error-ratio',
      'rollout.analysis.maxErrorRatio',
      `${String(r.maxErrorRatio)} must be a ratio above 0 and below 1 (0.01 is 1 %)`,
    );
  checkDurationProp(report, 'rollout.analysis.interval', 'rollout.analysis.interval', r.interval, 30, 'Duration.minutes(1)');
  const wholeNumber = (v: unknown, min: number) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= 100);
  if (!wholeNumber(r.failureLimit, 0))
    report.error('rollout.analysis.failure-limit', 'rollout.analysis.failureLimit', `${String(r.failureLimit)} must be a whole number from 0 to 100`);
  if (!wholeNumber(r.measurements, 1))
    report.error('rollout.analysis.measurements', 'rollout.analysis.measurements', `${String(r.measurements)} must be a whole number from 1 to 100`);
  if (r.statusLabel !== undefined && (typeof r.statusLabel !== 'string' || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(r.statusLabel)))
    report.error('rollout.analysis.status-label', 'rollout.analysis.statusLabel', `${JSON.stringify(r.statusLabel)} is not a Prometheus label name`);
  if (!hasHttpMetrics)
    report.error(
      'rollout.analysis.no-metrics',
      'rollout.analysis',
      "the error ratio is read from the workload's own metrics, and it serves none: call exposeMetrics({ port, path }) on its main container, or drop analysis",
    );
}
