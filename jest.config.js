/** Unit tests: fast, no servers. Integration suites live in test/integration and have their own config. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/integration/'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // The systems import the library by its package name, as a user would.
  moduleNameMapper: { '^cdk8s-stacks$': '<rootDir>/lib/index.ts' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test/support/cleanup.ts'],
};
