/**
 * `cdk8s-stacks/testing`: what a project's tests need, and nothing else. The same names are
 * exported by `cdk8s-stacks` itself; this entry point lets a test import them by purpose.
 *
 *   import { manifestSnapshotSerializer, synthSystem } from 'cdk8s-stacks/testing';
 */
export { synthSystem, SynthesizedSystem } from './pipeline/testing';
export type { KubernetesObject, SynthSystemOptions, SystemClass } from './pipeline/testing';
export { manifestSnapshot, manifestSnapshotSerializer } from './pipeline/snapshot-serializer';
