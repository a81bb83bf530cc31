import type { Json } from '../core/json';
import type { FieldChange } from './diff';

/** An object on one side of the plan. */
export interface PlanObject {
  readonly folder: string;
  readonly file: string;
  /** `group/Kind/namespace/name`: what the API server identifies it by. */
  readonly key: string;
  readonly kind: string;
  readonly name: string;
  readonly object: Json;
  /** The construct that rendered it (current side only). */
  readonly constructPath?: string;
  /** Applied by Argo CD / kustomize (false for `restore/` files, which people apply by hand). */
  readonly applied: boolean;
}

/** An object present on both sides (or renamed), with its field changes. */
export interface ObjectChange {
  readonly before: PlanObject;
  readonly after: PlanObject;
  readonly fields: readonly FieldChange[];
  /** For a rename: `before` as it reads with the new name (what the content rules compare). */
  readonly beforeRenamed?: Json;
}

export interface FolderPlan {
  readonly folder: string;
  /** The environment: the folder's first segment. */
  readonly environment: string;
  readonly added: readonly PlanObject[];
  readonly removed: readonly PlanObject[];
  readonly changed: readonly ObjectChange[];
  /** Removed + added pairs that are the same object under a new name. */
  readonly renamed: readonly ObjectChange[];
  /** Every object before the change, by key (unchanged ones included). */
  readonly beforeObjects: ReadonlyMap<string, PlanObject>;
  /** Every object after the change, by key. */
  readonly afterObjects: ReadonlyMap<string, PlanObject>;
}

/** What a folder holds after the change: rendered objects with their text (for the fast comparison). */
export interface CurrentFolder {
  readonly folder: string;
  readonly objects: ReadonlyArray<{ readonly file: string; readonly text: string; readonly object: Json; readonly constructPath?: string }>;
}
