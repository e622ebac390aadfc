/**
 * Tests run on the tsc output (dist/test), so decorator metadata is exactly what production
 * gets. `npm test` compiles first. Embedded PostgreSQL is started once for the run by
 * globalSetup; each test file gets its own database.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.test.js'],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  maxWorkers: 2,
  testTimeout: 30000,
};
