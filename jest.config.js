/**
 * Two projects: unit specs beside the code (pure logic, no database) and end-to-end specs in test/
 * (the real Nest app over HTTP against a real PostgreSQL: TEST_DATABASE_URL, else embedded PGlite).
 *
 * NestJS 12 ships as ECMAScript modules. Node 20 can require() them, but Jest's module loader on
 * Node 20 cannot, so Jest compiles those packages to CommonJS like our own TypeScript (cached).
 */
const ESM_PACKAGES = ['@nestjs', 'uid', 'path-to-regexp'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  '^.+\\.js$': 'babel-jest',
};
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`];

const common = { testEnvironment: 'node', rootDir: '.', moduleFileExtensions: ['ts', 'js', 'json'], transform, transformIgnorePatterns };

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
