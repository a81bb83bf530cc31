import type { ValidationReport } from '../core/validation';
import type { EngineShape, IBoundEngine, IStoreEngine, EngineHost, OwnServer, ShapeInput } from './store-engine';

/** What an operator's pods are, decided before the store is built. */
export interface OperatorPodsShape {
  /** The labels the operator puts on the pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Why the pods are the operator's, for the linters. @default - ManagedPods' reason */
  readonly reason?: string;
  /** Members when the options give no usable count. */
  readonly fallbackMembers: number;
  /** The server image the model carries. */
  readonly image: string;
  /** uid of the operator's images. @default - the store's */
  readonly uid?: number;
  /** Where the operator mounts the data. @default - the store's */
  readonly dataPath?: string;
}

/**
 * What the operator engines share: options given by the user (never trusted at run time),
 * the member count they name, the pods the operator makes in place of the store's own.
 */
export abstract class OperatorEngine<O extends object, S> implements IStoreEngine<S> {
  public abstract readonly kind: string;
  public abstract readonly family: string;

  constructor(public readonly options: O) {}

  /** The options as given, or none when they are not an object (then `checkOptions` reports it). */
  protected get given(): Partial<O> {
    return (typeof this.options === 'object' && this.options !== null ? this.options : {}) as Partial<O>;
  }

  /** Reports options that are not an object (`call` names the factory and what it needs); true when they are one. */
  protected checkOptions(report: ValidationReport, call: string): boolean {
    if (typeof this.options === 'object' && this.options !== null) return true;
    report.error('operator-engine.engine', 'engine', `${call} needs its options`);
    return false;
  }

  /** The member count the options name. */
  protected abstract members(options: Partial<O>): unknown;

  /** The operator's pods for store `input`. */
  protected abstract pods(input: ShapeInput): OperatorPodsShape;

  public shape(input: ShapeInput): EngineShape {
    const pods = this.pods(input);
    const members = this.members(this.given);
    return {
      managed: { selectorLabels: pods.labels, ...(pods.reason ? { reason: pods.reason } : {}) },
      replicas: typeof members === 'number' && Number.isInteger(members) && members > 0 ? members : pods.fallbackMembers,
      container: { image: pods.image },
      ...(pods.uid !== undefined ? { uid: pods.uid } : {}),
      ...(pods.dataPath !== undefined ? { dataPath: pods.dataPath } : {}),
    };
  }

  public abstract bind(host: EngineHost, own: OwnServer, settings: S): IBoundEngine;
}
