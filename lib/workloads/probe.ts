import { checkDurationProp, Duration, secondsOr } from '../core/duration';
import { describeValue } from '../core/describe-value';
import { ValidationReport } from '../core/validation';

/**
 * Health probes. Timing defaults are deliberately conservative: a startup probe absorbs
 * slow starts so the liveness probe can stay strict without restart loops.
 */
export interface ProbeTiming {
  /** How often the probe runs: whole seconds, at least 1. @default Duration.seconds(10) (startup probes: Duration.seconds(5)) */
  readonly period?: Duration;
  /** How long one attempt may take: whole seconds, at least 1. @default Duration.seconds(3) */
  readonly timeout?: Duration;
  /** Failed attempts in a row before the probe fails. @default 3 (startup probes: 30, i.e. up to 2.5 minutes with a 5 s period) */
  readonly failureThreshold?: number;
  /** Wait before the first attempt. @default Duration.seconds(0) */
  readonly initialDelay?: Duration;
}

type ProbeAction =
  | { readonly type: 'http'; readonly path: string; readonly port?: string | number }
  | { readonly type: 'tcp'; readonly port?: string | number }
  | { readonly type: 'exec'; readonly command: readonly string[] };

/** @sealed subclassing is not supported; its protected members are not API */
export class Probe {
  /** HTTP GET on `path`; the port defaults to the workload's first port. */
  public static http(path: string, options: ProbeTiming & { readonly port?: string | number } = {}): Probe {
    return new Probe({ type: 'http', path, port: options.port }, options);
  }

  /** A TCP connection; the port defaults to the workload's first port. */
  public static tcp(options: ProbeTiming & { readonly port?: string | number } = {}): Probe {
    return new Probe({ type: 'tcp', port: options.port }, options);
  }

  /** A command run in the container; exit 0 means healthy. */
  public static exec(command: readonly string[], options: ProbeTiming = {}): Probe {
    return new Probe({ type: 'exec', command }, options);
  }

  private constructor(
    public readonly action: ProbeAction,
    public readonly timing: ProbeTiming,
  ) {}

  /** The port the probe targets, if it targets one. */
  public get port(): string | number | undefined {
    return this.action.type === 'exec' ? undefined : this.action.port;
  }

  /** Reports timing that Kubernetes cannot take (`field`: the probe's prop, e.g. `liveness`). */
  public validate(report: ValidationReport, field: string): void {
    const t = this.timing ?? {};
    checkDurationProp(report, 'probe.period', `${field}.period`, t.period, 1, 'Duration.seconds(10)');
    checkDurationProp(report, 'probe.timeout', `${field}.timeout`, t.timeout, 1, 'Duration.seconds(3)');
    checkDurationProp(report, 'probe.initial-delay', `${field}.initialDelay`, t.initialDelay, 0, 'Duration.seconds(10)');
    const threshold: unknown = t.failureThreshold;
    if (threshold !== undefined && (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1))
      report.error('probe.failure-threshold', `${field}.failureThreshold`, `${describeValue(threshold)} must be a whole number of at least 1`);
  }

  /** The Kubernetes probe object; `defaultPort` is the workload's first port name. */
  public render(kind: 'liveness' | 'readiness' | 'startup', defaultPort: string | number | undefined): Record<string, unknown> {
    const timing = {
      periodSeconds: secondsOr(this.timing.period, kind === 'startup' ? 5 : 10),
      timeoutSeconds: secondsOr(this.timing.timeout, 3),
      failureThreshold: this.timing.failureThreshold ?? (kind === 'startup' ? 30 : 3),
      successThreshold: 1,
      initialDelaySeconds: secondsOr(this.timing.initialDelay, 0),
    };
    const a = this.action;
    switch (a.type) {
      case 'http':
        return { httpGet: { path: a.path, port: a.port ?? defaultPort, scheme: 'HTTP' }, ...timing };
      case 'tcp':
        return { tcpSocket: { port: a.port ?? defaultPort }, ...timing };
      case 'exec':
        return { exec: { command: [...a.command] }, ...timing };
    }
  }
}
