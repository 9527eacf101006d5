// `npm run demo`: the action against the fake Cloudflare API on loopback, as a runner would run
// it, right after a deploy. Four servers: one ready; one just deployed, which is `waiting` after
// its sync and comes back with a tool added and one removed (a breaking change, warned); one that
// fails twice with retryable errors and then syncs; one that fails for good, so the step fails,
// as designed. Needs no account and no network.
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, FakeCloudflareApi } from './fake-cloudflare-api.js';
import { demoServers } from './demo-scenario.js';
import { parseResults, runAction } from './run-action.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };

/** The job summary's verdict and table as aligned text rows. */
function summaryAsText(html: string): string {
  const decode = (text: string): string =>
    text
      .replace(/<br>/g, ' · ')
      .replace(/<[^>]+>/g, '')
      .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
      .replace(/&(\w+);/g, (entity, name: string) => ENTITIES[name] ?? entity);
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((cell) =>
      decode(cell[1] ?? ''),
    ),
  );
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  const heading = decode(/<h2>(.*?)<\/h2>/.exec(html)?.[1] ?? '');
  const verdict = decode(/<p>(.*?)<\/p>/s.exec(html)?.[1] ?? '');
  return [
    heading,
    verdict,
    ...rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')),
  ]
    .map((line) => `  ${line}`)
    .join('\n');
}

// Colour only for a person at a terminal; a pipe or a CI log gets plain text.
const bold = process.stdout.isTTY ? (text: string): string => `\x1b[1m${text}\x1b[0m` : String;

function section(title: string): void {
  console.log(`\n${bold(`── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}`)}`);
}

const servers = demoServers();
const api = new FakeCloudflareApi({ servers });
const url = await api.start();
const inputs = {
  'api-token': DEMO_TOKEN,
  'account-id': DEMO_ACCOUNT_ID,
  'server-id': servers.map((server) => server.id).join('\n'),
  'api-base-url': url,
  'base-delay-seconds': '0.5',
};
try {
  section('What the workflow step says');
  console.log(
    [
      '- uses: ./   # cloudflare-mcp-sync-action',
      '  with:',
      ...Object.entries(inputs).map(([name, value]) => `    ${name}: ${JSON.stringify(value)}`),
    ].join('\n'),
  );
  console.log(`\n(fake Cloudflare API on ${url}: nothing leaves this machine)`);
  console.log(
    'Several ids are read through the server list (a hundred servers a request) before the syncs and again after them: the two readings give each server its capability diff.',
  );

  const run = await runAction({ inputs });

  section('Step log (node dist/index.js)');
  console.log(run.stdout.trimEnd());
  if (run.stderr.trim() !== '') console.log(run.stderr.trimEnd());
  console.log(
    `\nexit code ${run.exitCode} (${Math.round(run.durationMs)} ms)${run.exitCode === 1 ? ': the step fails, as it should, because broken-upstream cannot sync' : ''}`,
  );

  section('Step outputs');
  for (const [name, value] of Object.entries(run.outputs)) {
    const shown = name === 'results' ? JSON.stringify(JSON.parse(value), null, 2) : value;
    console.log(`${name}:${shown.includes('\n') ? '\n' : ' '}${shown}`);
  }

  section('Job summary');
  console.log(summaryAsText(run.summary));

  const results = parseResults(run.outputs);
  const byId = new Map(results.map((result) => [result.server_id, result]));
  const expectations: [string, boolean][] = [
    [
      'docs-ready is ready after 1 attempt',
      byId.get('docs-ready')?.status === 'ready' && byId.get('docs-ready')?.attempts === 1,
    ],
    [
      'tickets-deploy was waiting after its sync, and the watch saw it become ready',
      byId.get('tickets-deploy')?.status === 'ready' &&
        /sync tickets-deploy: attempt 1\/5: .*, waiting$/m.test(run.stdout),
    ],
    [
      'its diff shows resolve_ticket added and close_ticket removed, warned as breaking',
      JSON.stringify(byId.get('tickets-deploy')?.changes?.tools) ===
        JSON.stringify({ added: ['resolve_ticket'], removed: ['close_ticket'], changed: [] }) &&
        run.outputs['breaking-changes'] === 'tickets-deploy: tool close_ticket removed' &&
        /^::warning .*close_ticket removed/m.test(run.stdout),
    ],
    [
      'flaky-upstream is ready after 3 attempts',
      byId.get('flaky-upstream')?.status === 'ready' && byId.get('flaky-upstream')?.attempts === 3,
    ],
    [
      'broken-upstream failed at once (not retryable)',
      byId.get('broken-upstream')?.status === 'error' &&
        byId.get('broken-upstream')?.attempts === 1,
    ],
    ['the step failed because broken-upstream did', run.exitCode === 1],
    [
      'the token never appeared outside ::add-mask::',
      !run.stdout
        .split('\n')
        .some((line) => line.includes(DEMO_TOKEN) && line !== `::add-mask::${DEMO_TOKEN}`) &&
        !run.stderr.includes(DEMO_TOKEN),
    ],
  ];
  section('Did the action behave as designed?');
  for (const [what, ok] of expectations) console.log(`${ok ? '✔' : '✘'} ${what}`);
  process.exitCode = expectations.every(([, ok]) => ok) ? 0 : 1;
} finally {
  await api.stop();
}
