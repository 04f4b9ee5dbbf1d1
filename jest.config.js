/** Tests run from TypeScript sources through swc; end-to-end tests spawn the compiled parties in dist/
 *  (`npm test` builds first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }] },
  testTimeout: 120000,
  // Tests parse scenarios as the runner does: with the built-in moves registered.
  setupFiles: ['<rootDir>/test/helpers/registerMoves.ts'],
};
