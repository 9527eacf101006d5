// The bail shared by mutation-environment.cjs and mutation-runner.cjs: which mutant a test has
// already killed. Both are loaded in the test runner's own realm, outside the tests' contexts;
// the state hangs off that realm's global, so it is one state however each file is resolved.
const process = require('node:process');

const state = (globalThis[Symbol.for('cloudflare-mcp-sync.mutation-bail')] ??= {
  killed: undefined,
});

// Stryker names the mutant under test in this variable; it is unset in the initial test run,
// which must run everything.
function activeMutant() {
  return process.env.__STRYKER_ACTIVE_MUTANT__;
}

module.exports = {
  /** A test failed: the active mutant is killed, and its remaining tests can be skipped. */
  markKilled() {
    const mutant = activeMutant();
    if (mutant !== undefined) state.killed = mutant;
  },
  /** The active mutant has already been killed. */
  isKilled() {
    const mutant = activeMutant();
    return mutant !== undefined && state.killed === mutant;
  },
};
