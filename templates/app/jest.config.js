/**
 * The tests: TypeScript run as is (swc strips the types; `npm test` type-checks with tsc first).
 * Snapshots of manifests are YAML, one document per object, sorted (the library's serializer).
 * `npm test` runs jest with --ci: a snapshot that is missing or no longer used fails the run;
 * `npm run test:update` records them after a deliberate change (commit test/__snapshots__/).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  snapshotSerializers: ['cdk8s-stacks/snapshot-serializer'],
};
