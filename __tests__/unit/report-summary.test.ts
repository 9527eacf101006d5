// The job summary, from hand-built fleet reports: exact HTML, escaping, and the size limit.
import { describe, expect, it } from '@jest/globals';
import { SUMMARY_LIMIT, utf8Bytes } from '../../src/report/limits.js';
import { fatalSummaryHtml, formatDuration, summaryHtml } from '../../src/report/summary.js';
import { HOSTILE_NAMES, changes, failed, fleet, ids, result } from '../report/fixtures.js';

const HEAD =
  '<tr><th>Server</th><th>Status</th><th>Attempts</th><th>Time</th><th>Tools</th><th>Prompts</th><th>Changes</th><th>What to do</th></tr>';

/** The lines of the summary that are not table rows: the verdict. */
const verdictOf = (html: string): string[] =>
  html.split('\n').filter((line) => !/^<\/?t(able|r)/.test(line) && line !== '');

/** The summary's rows as the ids they start with. */
const rowIds = (html: string): string[] =>
  [...html.matchAll(/<tr><td nowrap><code>(.*?)<\/code>/g)].map((match) => match[1] ?? '');

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [7.4, '7 ms'],
    [420, '420 ms'],
    [999, '999 ms'],
    [999.6, '1.0 s'],
    [1234, '1.2 s'],
    [9949, '9.9 s'],
    [9950, '10 s'],
    [42_400, '42 s'],
    [59_499, '59 s'],
    [59_500, '1 min 0 s'],
    [125_000, '2 min 5 s'],
    [3_599_000, '59 min 59 s'],
    [3_599_500, '1 h 0 min'],
    [3_600_000, '1 h 0 min'],
    [3_780_000, '1 h 3 min'],
  ])('shows %d ms as %s', (ms, shown) => {
    expect(formatDuration(ms)).toBe(shown);
  });
});

describe('summaryHtml', () => {
  it('puts the verdict first, then failed and not-ready servers, with what to do', () => {
    const report = fleet([
      result('docs', {
        changes: changes({
          tools: { added: ['summarize'], removed: ['old'] },
          breaking: ['tool old: no longer offered'],
        }),
      }),
      failed('crm', 'HTTP 404: not found', {
        hint: 'did you mean crm-2?',
        tools: undefined,
        prompts: undefined,
        changes: null,
        durationMs: 1500,
      }),
      result('wiki', { status: 'stale', prompts: ['ask'] }),
    ]);
    expect(summaryHtml(report)).toBe(
      [
        '<h2>Cloudflare MCP server sync</h2>',
        '<p><strong>❌ 1 of 3 MCP servers failed to sync</strong><br>❌ 1 error · ⚠️ 1 stale · ✅ 1 ready — capabilities changed on 1 server, ⚠ 1 breaking change, 1 not compared</p>',
        '<p><strong>Next:</strong> <code>crm</code>: did you mean crm-2?</p>',
        '<table>',
        HEAD,
        '<tr><td nowrap><code>crm</code></td><td nowrap>❌ error</td><td>1</td><td nowrap>1.5 s</td><td>–</td><td>–</td><td>–</td><td><strong>did you mean crm-2?</strong><br>HTTP 404&#58; not found</td></tr>',
        '<tr><td nowrap><code>wiki</code></td><td nowrap>⚠️ stale</td><td>1</td><td nowrap>420 ms</td><td>1</td><td>1</td><td></td><td>the administrator&#39;s authorization has expired&#58; re-authenticate the server in the Cloudflare dashboard</td></tr>',
        '<tr><td nowrap><code>docs</code></td><td nowrap>✅ ready</td><td>1</td><td nowrap>420 ms</td><td>1</td><td>0</td><td>⚠ tool old&#58; no longer offered<br>+ tool <code>summarize</code><br>− tool <code>old</code></td><td></td></tr>',
        '</table>',
        '',
      ].join('\n'),
    );
  });

  it('has no blank line, so GitHub reads it as one HTML block and no Markdown', () => {
    expect(
      summaryHtml(fleet([failed('a', 'x\n\ny'), result('b', { warnings: ['p\n\nq'] })])),
    ).not.toContain('\n\n');
  });

  it('says when all is well, and when servers are not ready', () => {
    expect(verdictOf(summaryHtml(fleet([result('a'), result('b')])))).toEqual([
      '<h2>Cloudflare MCP server sync</h2>',
      '<p><strong>✅ all 2 MCP servers synced and ready</strong><br>✅ 2 ready — no capability changes, no breaking change</p>',
    ]);
    expect(
      verdictOf(summaryHtml(fleet([result('a', { status: 'waiting' }), result('b')]))),
    ).toEqual([
      '<h2>Cloudflare MCP server sync</h2>',
      '<p><strong>⚠️ 2 MCP servers synced, 1 not ready</strong><br>⏳ 1 waiting · ✅ 1 ready — no capability changes, no breaking change</p>',
    ]);
    // No table at all.
    expect(summaryHtml(fleet([]))).toBe(
      '<h2>Cloudflare MCP server sync</h2>\n<p><strong>✅ no MCP server was selected</strong></p>\n',
    );
  });

  it('says when no capabilities could be compared', () => {
    expect(verdictOf(summaryHtml(fleet([result('a', { changes: null })])))).toEqual([
      '<h2>Cloudflare MCP server sync</h2>',
      '<p><strong>✅ the MCP server synced and ready</strong><br>✅ 1 ready — capabilities not compared (a reading before or after the sync is missing)</p>',
    ]);
  });

  it('lists failed servers first, then those not ready, each group in selection order', () => {
    const html = summaryHtml(
      fleet([
        result('r1'),
        result('w1', { status: 'waiting' }),
        failed('f1', 'boom', { status: 'waiting' }),
        result('s1', { status: 'stale' }),
        failed('f2', 'boom'),
        result('r2'),
      ]),
    );
    expect(rowIds(html)).toEqual(['f1', 'f2', 'w1', 's1', 'r1', 'r2']);
  });

  it('puts each note of a server on its own line of What to do', () => {
    const html = summaryHtml(
      fleet([result('a', { status: 'waiting', warnings: ['no reading before the sync'] })]),
    );
    expect(html.split('\n')[4]).toBe(
      '<tr><td nowrap><code>a</code></td><td nowrap>⏳ waiting</td><td>1</td><td nowrap>420 ms</td><td>1</td><td>0</td><td></td><td>still connecting to its upstream MCP server when the step ended&#58; its tools may change once it is ready<br>no reading before the sync</td></tr>',
    );
  });

  it('says "dry run" in the heading and the verdict', () => {
    const report = fleet(
      [result('a', { attempts: 0, changes: null }), failed('b', 'lacks tool x', { changes: null })],
      {
        dryRun: true,
      },
    );
    expect(verdictOf(summaryHtml(report))).toEqual([
      '<h2>Cloudflare MCP server sync (dry run)</h2>',
      '<p><strong>❌ Dry run, no sync sent: 1 of 2 MCP servers failed</strong><br>❌ 1 error · ✅ 1 ready</p>',
      '<p><strong>Next:</strong> <code>b</code>: lacks tool x</p>',
    ]);
  });

  it('says first why a run stopped, then lists run warnings', () => {
    const results = [
      failed('a', 'the run was cancelled'),
      failed('b', 'the run was cancelled'),
      result('c'),
    ];
    const warnings = Array.from({ length: 12 }, (_, i) => `warning ${i + 1}`);
    const html = summaryHtml(
      fleet(results, { stopped: { kind: 'cancelled', message: 'SIGTERM received' }, warnings }),
    );
    expect(verdictOf(html)).toEqual([
      '<h2>Cloudflare MCP server sync</h2>',
      '<p>⛔ <strong>SIGTERM received</strong></p>',
      '<p><strong>❌ 2 of 3 MCP servers failed to sync</strong><br>❌ 2 error · ✅ 1 ready — no capability changes, no breaking change</p>',
      '<p><strong>Next:</strong> <code>a</code>: the run was cancelled (1 more failed server below)</p>',
      `<ul>${warnings
        .slice(0, 10)
        .map((warning) => `<li>⚠️ ${warning}</li>`)
        .join('')}<li>⚠️ … and 2 more warnings</li></ul>`,
    ]);
    const ten = warnings.slice(0, 10);
    expect(verdictOf(summaryHtml(fleet([result('c')], { warnings: ten })))[2]).toBe(
      `<ul>${ten.map((warning) => `<li>⚠️ ${warning}</li>`).join('')}</ul>`,
    );
    const denied = summaryHtml(
      fleet([failed('a', 'HTTP 403')], {
        stopped: { kind: 'credentials', message: 'HTTP 403: needs MCP Portals Write' },
      }),
    );
    expect(verdictOf(denied)[1]).toBe(
      '<p>⛔ <strong>The run stopped:</strong> HTTP 403&#58; needs MCP Portals Write</p>',
    );
  });

  it('shows a short diff open, folds a longer one into <details>, and caps it at 30 lines', () => {
    const cell = (tools: string[]): string =>
      /<td>([^<]*(?:<(?!\/td>)[^<]*)*)<\/td><td><\/td><\/tr>/.exec(
        summaryHtml(fleet([result('a', { changes: changes({ tools: { added: tools } }) })])),
      )?.[1] ?? '';
    expect(cell(['a', 'b', 'c', 'd'])).toBe(
      '+ tool <code>a</code><br>+ tool <code>b</code><br>+ tool <code>c</code><br>+ tool <code>d</code>',
    );
    expect(cell(['a', 'b', 'c', 'd', 'e'])).toBe(
      '<details><summary>+5 added</summary>+ tool <code>a</code><br>+ tool <code>b</code><br>+ tool <code>c</code><br>+ tool <code>d</code><br>+ tool <code>e</code></details>',
    );
    const added = (count: number): string =>
      ids(count)
        .map((id) => `+ tool <code>${id}</code>`)
        .join('<br>');
    expect(cell(ids(31))).toBe(
      `<details><summary>+31 added</summary>${added(29)}<br>… and 2 more</details>`,
    );
    // Thirty lines are all shown.
    expect(cell(ids(30))).toBe(`<details><summary>+30 added</summary>${added(30)}</details>`);
    const mixed = summaryHtml(
      fleet([
        result('a', {
          changes: changes({
            tools: { added: ['n1', 'n2'], removed: ['r'], changed: ['c'] },
            prompts: { changed: ['p'] },
            breaking: ['tool r: no longer offered'],
          }),
        }),
      ]),
    );
    expect(mixed).toContain(
      '<details><summary>+2 added · −1 removed · ~2 changed · ⚠ 1 breaking</summary>⚠ tool r&#58; no longer offered<br>+ tool <code>n1</code><br>+ tool <code>n2</code><br>− tool <code>r</code><br>~ tool <code>c</code><br>~ prompt <code>p</code></details>',
    );
  });

  it('escapes every piece of network text', () => {
    const hostile = '<img src=x onerror=alert(1)> [l](javascript:x) ::error:: @admin www.x.io';
    const html = summaryHtml(
      fleet(
        [
          failed(hostile, hostile, {
            hint: hostile,
            errorDetails: { cause: hostile },
            changes: changes({ tools: { added: HOSTILE_NAMES }, breaking: [hostile] }),
          }),
          result('b', { status: 'stale', warnings: [hostile] }),
        ],
        { warnings: [hostile], stopped: { kind: 'credentials', message: hostile } },
      ),
    );
    const tags = new Set([...html.matchAll(/<\/?([a-z0-9]+)/gi)].map((match) => match[1]));
    expect([...tags].sort()).toEqual([
      'br',
      'code',
      'details',
      'h2',
      'li',
      'p',
      'strong',
      'summary',
      'table',
      'td',
      'th',
      'tr',
      'ul',
    ]);
    for (const raw of ['<img', '](', 'javascript:', '::error', '@admin', 'www.', 'https:']) {
      expect(html).not.toContain(raw);
    }
  });

  it('stays under 512 KiB: the verdict always, then rows in table order, then how many are left', () => {
    const error = `upstream failed: ${'x'.repeat(480)}`;
    const results = ids(3000, 4).map((id, i) => (i % 2 === 0 ? result(id) : failed(id, error)));
    const html = summaryHtml(fleet(results));
    expect(utf8Bytes(html)).toBeLessThan(SUMMARY_LIMIT);
    const lines = html.split('\n');
    expect(lines[1]).toBe(
      '<p><strong>❌ 1500 of 3000 MCP servers failed to sync</strong><br>❌ 1500 error · ✅ 1500 ready — no capability changes, no breaking change</p>',
    );
    const shown = rowIds(html);
    expect(shown).toHaveLength(816);
    expect(shown).toEqual(
      ids(3000, 4)
        .filter((_, i) => i % 2 === 1)
        .slice(0, shown.length),
    );
    expect(lines.at(-3)).toBe(
      `<tr><td colspan="8">… and ${3000 - shown.length} more servers: the results-file output lists them all</td></tr>`,
    );
    // As many rows as fit: one more would not.
    const row = lines.find((line) => line.startsWith('<tr><td nowrap>')) ?? '';
    expect(utf8Bytes(html) + utf8Bytes(row) + 1).toBeGreaterThanOrEqual(SUMMARY_LIMIT);
  });
});

describe('fatalSummaryHtml', () => {
  it('says why the run could not start, escaped', () => {
    expect(fatalSummaryHtml('server-id: expected an id, got "<b>"')).toBe(
      '<h2>Cloudflare MCP server sync</h2>\n<p><strong>❌ server-id&#58; expected an id, got &quot;&lt;b&gt;&quot;</strong></p>\n',
    );
  });
});
