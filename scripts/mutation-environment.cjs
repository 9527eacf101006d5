// Jest's test environment for mutation runs only (`npm run mutation`): Node's, plus the bail
// that Stryker asks for and cannot give Jest. Stryker counts a mutant killed by its first
// failing test, but Jest, driven through its API, runs every covering test to the end. Once a
// test has failed under the active mutant, this skips the rest of that mutant's tests, in this
// file and in the files after it (the module stays loaded in the runner process between files).
const process = require('node:process');
const { TestEnvironment } = require('jest-environment-node');

// Stryker names the mutant under test in this variable; it is unset in the initial test run,
// which must run everything.
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
let killed;

class MutationEnvironment extends TestEnvironment {
  handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_start' && killed === mutant) event.test.mode = 'skip';
    if (event.name === 'test_done' && event.test.errors.length > 0) killed = mutant;
  }
}

module.exports = MutationEnvironment;
