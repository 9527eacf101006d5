// Mutation testing of src/ (`npm run mutation`, which runs Stryker a layer at a time; not part
// of .ci/run: it takes hours). Only the in-process suites can kill a mutant: the tests of
// dist/index.js run a bundle that Stryker does not rebuild per mutant, so they cover nothing here.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: {
    configFile: 'jest.config.js',
    // Files without the mutant's tests left out, the cheapest run first, and a bail at the first
    // failure: see the three files.
    config: {
      testSequencer: '<rootDir>/scripts/mutation-sequencer.mjs',
      // Stryker loads the environment itself, from the working directory, without <rootDir>.
      testEnvironment: './scripts/mutation-environment.cjs',
      runner: '<rootDir>/scripts/mutation-runner.cjs',
    },
  },
  // ts-jest in ESM mode needs this in the test runner processes, as `npm test` sets it for jest.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  // A static mutant, in code that runs at module load (a module's constants), is covered by no
  // one test, so Stryker would run every related test for each, unfiltered. They are left out
  // of the score.
  ignoreStatic: true,
  // Results are kept between runs, so a run a layer at a time adds up to one report of src/.
  // `npm run mutation` scores each layer afresh (--force): see scripts/mutation.ts.
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
  // Four runners share two cores, so a mutant's tests can take twice as long as they took alone
  // in the initial run; Stryker's default factor of 1.5 would then count a survivor that ran
  // slowly as a timeout, which scores as killed.
  timeoutFactor: 3,
  // Each mutant costs a Jest start that loads the files of its tests, seconds on a busy machine,
  // which the default 5 s margin mistakes for an endless loop; Stryker's hit limit still stops
  // real endless loops at once.
  timeoutMS: 20_000,
};
