// `npm run mutation [-- <path or glob> ...]`: StrykerJS over src/, a part at a time.
//
// Each part is its own Stryker run in incremental mode, so the results add up to one report of
// the whole of src/ (the last run's table lists every file), and a run that is stopped loses
// only the part it was in: the next one reuses every result whose code and tests are unchanged.
// Before Stryker, one Jest run lists which tests each file holds and how long each took, for the
// sequencer that spares each mutant the files without its tests and runs the cheapest first
// (scripts/mutation-sequencer.mjs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const REPORTS = path.join(ROOT, 'reports', 'mutation');
const LISTING = path.join(REPORTS, 'test-listing.json');
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

mkdirSync(REPORTS, { recursive: true });
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

const parts = process.argv.length > 2 ? process.argv.slice(2) : PARTS;
for (const part of parts) {
  console.log(`\nmutation: ${part}`);
  run('npx', ['stryker', 'run', '--mutate', part], {
    ...process.env,
    MUTATION_TEST_LISTING: LISTING,
  });
}
