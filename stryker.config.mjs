// Mutation testing of src/ (`npm run mutation`, which runs Stryker a layer at a time; not part of
// .ci/run: it takes hours). Only the in-process suites can kill a mutant: the tests of dist/index.js run a bundle
// that Stryker does not rebuild per mutant, so they cover nothing here.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    configFile: 'jest.config.js',
    // Files without the mutant's tests left out, the cheapest run first, and a bail at the first
    // failure: see the three files.
    config: {
      testSequencer: '<rootDir>/scripts/mutation-sequencer.mjs',
      testEnvironment: './scripts/mutation-environment.cjs',
      runner: '<rootDir>/scripts/mutation-runner.cjs',
    },
  },
  // ts-jest in ESM mode needs this in the test runner processes, as `npm test` sets it for jest.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  // A mutant in code that runs once, at module load, would need a fresh Jest per mutant.
  ignoreStatic: true,
  // Results are kept between runs, so a run a layer at a time adds up to one report of src/.
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  mutate: ['src/**/*.ts', '!src/index.ts'],
  reporters: ['html', 'clear-text', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // Two test runners per core (the machines that run this have two): many mutants of the API
  // client and the fleet wait on sockets and timers rather than the CPU.
  concurrency: 4,
  // Each mutant costs a Jest start that loads the files of its tests, seconds on a busy machine,
  // which the default 5 s margin mistakes for an endless loop; Stryker's hit limit still stops
  // real endless loops at once.
  timeoutMS: 20_000,
};
