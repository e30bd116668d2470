/**
 * Two projects: unit specs beside the code (pure logic, no database) and end-to-end specs in test/
 * (the real Nest app over HTTP against a real PostgreSQL: TEST_DATABASE_URL, else embedded PGlite).
 *
 * Set up as `nest new` sets up a NestJS 12 project: ts-jest compiles our TypeScript, and Jest, run
 * with `--experimental-vm-modules` on Node 22.22+ or 24, loads NestJS's ES-module packages as they are.
 */
const common = {
  testEnvironment: 'node',
  rootDir: '.',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  // a global option: Jest ignores it inside a project. End-to-end hooks start apps and databases.
  testTimeout: 60000,
};
