// Jest's test sequencer for mutation runs only (`npm run mutation`). Stryker runs each mutant's
// covering tests by name, but Jest still loads every related test file to find them, and loading
// a file costs more than running the few tests a mutant needs. This sequencer drops the files
// that hold none of those tests, and runs the cheapest first: with the bail of
// mutation-environment.cjs, a mutant ends at its first failing test. Which tests a file holds,
// and how long each took, come from a listing written before the run (scripts/mutation.ts). A
// file missing from it or changed since is always kept, and a name missing from it (a name made
// from a helper that changed) keeps every file: a stale listing costs time, never a test.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import Sequencer from '@jest/test-sequencer';

const listing = process.env.MUTATION_TEST_LISTING;
/**
 * Tests by file, relative to the root, with the hash of the file they were listed from.
 * @type {Record<string, { sha1: string, tests: [name: string, ms: number][] }>}
 */
const testsByFile = listing === undefined ? {} : JSON.parse(readFileSync(listing, 'utf8'));
const listedNames = new Set(
  Object.values(testsByFile).flatMap(({ tests }) => tests.map(([name]) => name)),
);
// What loading a test file costs, in the units of the listing's durations.
const LOAD_MS = 200;

/** @type {Map<string, string>} the hash of each test file, read once: a run does not change them */
const hashes = new Map();
/** @param {string} file */
function sha1(file) {
  let hash = hashes.get(file);
  if (hash === undefined) {
    hash = createHash('sha1').update(readFileSync(file)).digest('hex');
    hashes.set(file, hash);
  }
  return hash;
}

/**
 * The names in a pattern as Stryker writes one: each name with RegExp's special characters
 * escaped, in parentheses, joined by `|`. An escaped name holds no `)|(`, so the split is exact;
 * any other pattern gives names the listing does not have.
 * @param {string} pattern
 */
function namesOf(pattern) {
  return pattern
    .slice(1, -1)
    .split(')|(')
    .map((name) => name.replace(/\\(.)/g, '$1'));
}

export default class MutationSequencer extends Sequencer {
  /** @param {{ globalConfig: { testNamePattern?: string } }} options */
  constructor(options) {
    super(options);
    const pattern = options.globalConfig.testNamePattern;
    // Jest matches the pattern the same way: case-insensitive, against each test's full name.
    this.wanted =
      pattern && namesOf(pattern).every((name) => listedNames.has(name))
        ? new RegExp(pattern, 'i')
        : undefined;
  }

  // Jest's cache of test durations orders its own runs; these runs are ordered by the listing,
  // and four runner processes rewriting one cache file after every mutant would only race.
  cacheResults() {}

  /** @param {{ path: string, context: { config: { rootDir: string } } }[]} tests */
  sort(tests) {
    const { wanted } = this;
    if (wanted === undefined) return super.sort(tests);
    /** @type {Map<string, number>} */
    const cost = new Map();
    for (const test of tests) {
      const listed = testsByFile[path.relative(test.context.config.rootDir, test.path)];
      if (listed === undefined || listed.sha1 !== sha1(test.path)) {
        cost.set(test.path, Infinity);
        continue;
      }
      const chosen = listed.tests.filter(([name]) => wanted.test(name));
      if (chosen.length > 0)
        cost.set(
          test.path,
          chosen.reduce((sum, [, ms]) => sum + ms, LOAD_MS),
        );
    }
    return tests
      .filter((test) => cost.has(test.path))
      .sort((a, b) => Number(cost.get(a.path)) - Number(cost.get(b.path)));
  }
}
