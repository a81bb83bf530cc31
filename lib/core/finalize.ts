import { IConstruct } from 'constructs';

/**
 * Finalizers run once, when the model is complete and before validation: for objects
 * that depend on calls made after a construct was created (a PodDisruptionBudget
 * depends on a later `autoscale()`).
 */
const FINALIZERS = new WeakMap<IConstruct, Array<() => void>>();

export function addFinalizer(scope: IConstruct, finalize: () => void): void {
  const list = FINALIZERS.get(scope) ?? [];
  list.push(finalize);
  FINALIZERS.set(scope, list);
}

/** Runs every finalizer below `root`, in tree order, each at most once. */
export function runFinalizers(root: IConstruct): void {
  for (const construct of root.node.findAll()) {
    const list = FINALIZERS.get(construct);
    if (!list) continue;
    FINALIZERS.delete(construct);
    for (const finalize of list) finalize();
  }
}
