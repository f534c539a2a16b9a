/** Jest runs TypeScript through ts-jest, which (unlike esbuild/tsx) emits the
 *  decorator metadata type-graphql and TypeORM rely on. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/subgraphs', '<rootDir>/shared', '<rootDir>/gateway'],
  testMatch: ['**/*.test.ts'],
  // JEST_TYPECHECK=0 skips ts-jest's type check (quick local runs while other files are mid-edit); CI keeps it.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: process.env.JEST_TYPECHECK === '0' ? false : { ignoreCodes: [151002] } }] },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
};
