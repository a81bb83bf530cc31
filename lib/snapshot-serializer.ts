/**
 * `cdk8s-stacks/snapshot-serializer`: the manifest snapshot serializer as a module of its own,
 * the form jest's configuration takes (`snapshotSerializers: ['cdk8s-stacks/snapshot-serializer']`).
 * The same serializer is exported as `manifestSnapshotSerializer` for `expect.addSnapshotSerializer`.
 */
import { manifestSnapshotSerializer } from './pipeline/snapshot-serializer';

export const test = manifestSnapshotSerializer.test;
export const serialize = manifestSnapshotSerializer.serialize;
