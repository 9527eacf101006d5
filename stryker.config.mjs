// Mutation testing of src/ (`npm run mutation`; not part of .ci/run: it takes an hour, not a
// minute). Only the in-process suites can kill a mutant: the tests of dist/index.js run a bundle
// that Stryker does not rebuild per mutant, so they cover nothing here.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  jest: { configFile: 'jest.config.js' },
  // ts-jest in ESM mode needs this in the test runner processes, as `npm test` sets it for jest.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  mutate: ['src/**/*.ts', '!src/index.ts'],
  reporters: ['html', 'clear-text', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  // One test runner per core: the machines that run this have two.
  concurrency: 2,
  // Each mutant costs a Jest start that loads every related test file, seconds on a busy machine,
  // which the default 5 s margin mistakes for an endless loop; Stryker's hit limit still stops
  // real endless loops at once.
  timeoutMS: 20_000,
};
