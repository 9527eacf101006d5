// ts-jest in ESM mode: run with NODE_OPTIONS=--experimental-vm-modules (see package.json).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 30000,
  // A worker a core. Jest's default leaves one core to itself, which on a two-core machine runs
  // the files one after another, while most of them wait on sockets and child processes.
  maxWorkers: '100%',
};
