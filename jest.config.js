// Jest runs in ESM mode (NestJS 12 is ESM-only): see NODE_OPTIONS in package.json scripts.
const transform = {
  '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
};
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: {
    // TypeScript NodeNext imports carry `.js`; the sources are `.ts`.
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // The sample imports the package by name; tests run it against the sources.
    '^nestjs-cachex$': '<rootDir>/lib/index.ts',
    '^nestjs-cachex/health$': '<rootDir>/lib/health/index.ts',
  },
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
export default {
  reporters: ['default', '<rootDir>/test/summary.reporter.js'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'servers',
      testMatch: [
        '<rootDir>/test/contract/**/*.spec.ts',
        '<rootDir>/test/integration/**/*.spec.ts',
        '<rootDir>/test/e2e/**/*.spec.ts',
      ],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
