// Jest's runner for mutation runs only (`npm run mutation`): Jest's own, which no longer loads
// the next test file once the active mutant is killed (see mutation-environment.cjs). Loading
// a file is most of what a test file costs a mutant.
const JestRunner = require('jest-runner').default;
const bail = require('./mutation-bail.cjs');

class MutationRunner extends JestRunner {
  async runTests(tests, watcher, options) {
    // Stryker runs Jest in band; anything else is left to Jest.
    if (!options.serial) return super.runTests(tests, watcher, options);
    for (const test of tests) {
      if (bail.isKilled()) return;
      await super.runTests([test], watcher, options);
    }
  }
}

module.exports = MutationRunner;
