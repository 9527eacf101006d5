// Jest's test environment for mutation runs only (`npm run mutation`): Node's, plus the bail
// that Stryker asks for and cannot give Jest. Stryker counts a mutant killed by its first
// failing test, but Jest, driven through its API, runs every covering test to the end. Once a
// test has failed under the active mutant, this skips the rest of the file's tests and blocks,
// and mutation-runner.cjs the files after it. Stryker's disableBail option is not read: no
// configuration here sets it.
const { TestEnvironment } = require('jest-environment-node');
const bail = require('./mutation-bail.cjs');

class MutationEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    // A skipped describe block runs none of its hooks: beforeAll may start servers.
    if (event.name === 'run_describe_start' && bail.isKilled()) event.describeBlock.mode = 'skip';
    if (event.name === 'test_start' && bail.isKilled()) event.test.mode = 'skip';
    if (event.name === 'test_done' && event.test.errors.length > 0) bail.markKilled();
  }
}

module.exports = MutationEnvironment;
