import * as crypto from 'crypto';
import { IConstruct } from 'constructs';
import { SystemChart } from './system-chart';

/**
 * Files of the user's that constructs read while the synth builds them (a store's init
 * scripts): the system's output depends on their content, which the bundle's input list
 * (lib/pipeline/synth-cache.ts) does not know. The incremental synth adds their digest to
 * the system's key, so a changed file renders its system again.
 */
const FILES = new WeakMap<SystemChart, Map<string, string>>();

/** Records that the system of `scope` read `file` (an absolute path) with this content. @internal */
export function recordSynthInput(scope: IConstruct, file: string, content: string | Buffer): void {
  const chart = SystemChart.of(scope);
  let files = FILES.get(chart);
  if (!files) FILES.set(chart, (files = new Map()));
  files.set(file, crypto.createHash('sha256').update(content).digest('hex'));
}

/** A digest of the files the chart's constructs read, or undefined when they read none. @internal */
export function synthInputsDigest(chart: SystemChart): string | undefined {
  const files = FILES.get(chart);
  if (!files || files.size === 0) return undefined;
  const lines = [...files].map(([file, digest]) => `${file}\0${digest}`).sort();
  return crypto.createHash('sha256').update(lines.join('\n')).digest('hex');
}
