/**
 * Health probes. Timing defaults are deliberately conservative: a startup probe absorbs
 * slow starts so the liveness probe can stay strict without restart loops.
 */
export interface ProbeTiming {
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 3 (startup probes: 30, i.e. up to 2.5 minutes with a 5 s period) */
  readonly failureThreshold?: number;
  /** @default 0 */
  readonly initialDelaySeconds?: number;
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

  /** The Kubernetes probe object; `defaultPort` is the workload's first port name. */
  public render(kind: 'liveness' | 'readiness' | 'startup', defaultPort: string | number | undefined): Record<string, unknown> {
    const timing = {
      periodSeconds: this.timing.periodSeconds ?? (kind === 'startup' ? 5 : 10),
      timeoutSeconds: this.timing.timeoutSeconds ?? 3,
      failureThreshold: this.timing.failureThreshold ?? (kind === 'startup' ? 30 : 3),
      successThreshold: 1,
      initialDelaySeconds: this.timing.initialDelaySeconds ?? 0,
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
