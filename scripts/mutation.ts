// `npm run mutation [-- <path or glob> ...]`: StrykerJS over src/, a part at a time.
//
// Each part is its own Stryker run, and every run scores all of its part's mutants afresh
// (`--force`): Stryker's incremental mode would reuse a result whose test looks unchanged, and
// a table-driven test looks unchanged when only its table changed. The incremental file still
// gathers the parts into one report of the whole of src/ (the last run's table lists every file).
// A run that is stopped loses only the part it was in: run again on the same tree (every file git
// does not ignore, as it is on disk), it skips the parts already scored on it.
// Before Stryker, one Jest run lists which tests each file holds and how long each took, for the
// sequencer that spares each mutant the files without its tests and runs the cheapest first
// (scripts/mutation-sequencer.mjs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORTS = path.join(ROOT, 'reports', 'mutation');
const LISTING = path.join(REPORTS, 'test-listing.json');
/** The tree the parts in `done` were scored on. */
const STATE = path.join(REPORTS, 'run-state.json');
const PARTS = [
  'src/inputs/**/*.ts',
  'src/api/**/*.ts',
  'src/retry/**/*.ts',
  'src/readings/**/*.ts',
  'src/server/**/*.ts',
  'src/fleet/**/*.ts',
  'src/report/**/*.ts',
  // What sits at the top of src/, except index.ts, which only calls run().
  'src/*.ts,!src/index.ts',
];

interface JestJson {
  testResults: {
    name: string;
    assertionResults: { fullName: string; duration?: number | null }[];
  }[];
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const { status } = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (status !== 0) {
    console.error(`${command} ${args.join(' ')} ended with exit code ${String(status)}`);
    process.exit(status ?? 1);
  }
}

/** A hash of the working tree: every file that git does not ignore, as it is on disk. */
function treeHash(): string {
  const listed = spawnSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  const files = (listed.stdout ?? '').split('\0').filter((name) => name !== '');
  // Without a list of files every tree would hash alike, and stale scores would pass for fresh.
  if (listed.status !== 0 || files.length === 0) {
    throw new Error(`cannot hash the working tree: git ls-files failed (${String(listed.status)})`);
  }
  const hash = createHash('sha1');
  for (const file of files.sort()) {
    const full = path.join(ROOT, file);
    hash
      .update(`${file}\0`)
      .update(existsSync(full) ? readFileSync(full) : '')
      .update('\0');
  }
  return hash.digest('hex');
}

interface RunState {
  tree: string;
  done: string[];
}

mkdirSync(REPORTS, { recursive: true });
const tree = treeHash();
const saved = (
  existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : {}
) as Partial<RunState>;
// The scores of the parts done are in Stryker's incremental file: without it, nothing is done.
const kept = saved.tree === tree && existsSync(path.join(REPORTS, 'incremental.json'));
const state: RunState = { tree, done: kept ? (saved.done ?? []) : [] };
const parts = process.argv.length > 2 ? process.argv.slice(2) : PARTS;
const pending = parts.filter((part) => !state.done.includes(part));
for (const part of parts.filter((part) => state.done.includes(part))) {
  console.log(`mutation: ${part}: already scored on this tree`);
}
if (pending.length === 0) {
  console.log(`to score them again, delete ${path.relative(ROOT, STATE)}`);
  process.exit(0);
}

const results = path.join(REPORTS, 'test-results.json');
run('npx', ['jest', '--silent', '--json', `--outputFile=${results}`], {
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim(),
});
const { testResults } = JSON.parse(readFileSync(results, 'utf8')) as JestJson;
const listing = Object.fromEntries(
  testResults.map((file) => [
    path.relative(ROOT, file.name),
    {
      sha1: createHash('sha1').update(readFileSync(file.name)).digest('hex'),
      tests: file.assertionResults.map((test) => [test.fullName, test.duration ?? 0]),
    },
  ]),
);
writeFileSync(LISTING, JSON.stringify(listing));

for (const part of pending) {
  console.log(`\nmutation: ${part}`);
  run('npx', ['stryker', 'run', '--force', '--mutate', part], {
    ...process.env,
    MUTATION_TEST_LISTING: LISTING,
  });
  // Once the tree has changed, what this run scores is not the scores of the tree it started on.
  if (treeHash() !== tree) {
    console.log(`mutation: the tree changed while ${part} was scored; it is not kept as done`);
    continue;
  }
  state.done.push(part);
  writeFileSync(STATE, JSON.stringify(state));
}
