// The job summary the way a person sees it (issue 11): a mixed fleet's summary rendered by a GFM
// Markdown renderer as GitHub renders job summaries, checked element by element so that nothing
// from the network became markup, then photographed in headless Chromium. The PNG is kept in
// reports/summary-screenshot.png for CI to upload.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { Marked } from 'marked';
import { summaryHtml } from '../../src/report/summary.js';
import { HOSTILE_NAMES, mixedFleet } from './fixtures.js';

/** Debian's chromium; CHROMIUM names another build (Google Chrome on GitHub's Ubuntu runners). */
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const IN_CI = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';
const REPORTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'reports');
const SCREENSHOT = join(REPORTS, 'summary-screenshot.png');

/** What the report itself writes into this summary (no row is cut, so no `colspan`). */
const EMITTED_ELEMENTS = [
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
];

/** Job summaries are GitHub Flavored Markdown, raw HTML allowed. */
function renderLikeGitHub(markdown: string): string {
  return new Marked({ gfm: true }).parse(markdown, { async: false });
}

interface Tag {
  name: string;
  closing: boolean;
  attributes: string[];
}

/**
 * Every tag of `html`, in order, found by walking it: outside a tag a `<` can only start one,
 * since text carries `<` as `&lt;`. Comments and declarations count as tags named `!`.
 */
function tagsOf(html: string): Tag[] {
  const tags: Tag[] = [];
  for (let at = html.indexOf('<'); at !== -1; at = html.indexOf('<', at + 1)) {
    const end = html.indexOf('>', at);
    const inside = html.slice(at + 1, end === -1 ? undefined : end);
    if (inside.startsWith('!')) {
      tags.push({ name: '!', closing: false, attributes: [] });
      continue;
    }
    const match = /^(\/?)([A-Za-z][A-Za-z0-9-]*)(.*)$/s.exec(inside);
    if (match === null) continue;
    const [, slash = '', name = '', rest = ''] = match;
    const attributes = [
      ...rest.matchAll(/([^\s"'=/>]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?/g),
    ].map(([, attribute = '']) => attribute.toLowerCase());
    tags.push({ name: name.toLowerCase(), closing: slash === '/', attributes });
  }
  return tags;
}

/** The text a reader sees: tags dropped, entities decoded. */
function visibleText(html: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: '\u00a0' };
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&(\w+);/g, (entity, name: string) => named[name] ?? entity);
}

/**
 * A page that looks like GitHub's job summary pane (its markdown-body styles, in short), with
 * every `<details>` opened so that the photograph shows the names inside them too.
 */
function page(body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 24px; background: #fff; }
.markdown-body { max-width: 1012px; color: #1f2328; font-size: 14px; line-height: 1.5;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif, "Noto Color Emoji"; }
h2 { font-size: 1.5em; font-weight: 600; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0b3; margin: 0 0 16px; }
p, ul, table, details { margin: 0 0 16px; }
table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { padding: 6px 13px; border: 1px solid #d1d9e0; vertical-align: top; }
th { font-weight: 600; }
tr:nth-child(2n) { background: #f6f8fa; }
td details { margin: 0; }
summary { cursor: pointer; }
code { padding: .2em .4em; font-size: 85%; background: #818b981f; border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "DejaVu Sans Mono", Menlo, monospace; }
</style></head><body><article class="markdown-body">
${body}
</article><script>for (const details of document.querySelectorAll('details')) details.open = true;</script></body></html>
`;
}

const run = promisify(execFile);

/** Photographs `html` with headless Chromium; the PNG's bytes. */
async function screenshot(html: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'summary-screenshot-'));
  try {
    const file = join(dir, 'summary.html');
    const png = join(dir, 'summary.png');
    writeFileSync(file, html);
    await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--screenshot=${png}`,
        '--window-size=1200,1600',
        `file://${file}`,
      ],
      { timeout: 60_000 },
    );
    return readFileSync(png);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const summary = summaryHtml(mixedFleet());
const rendered = renderLikeGitHub(summary);

describe('the summary as GitHub renders it', () => {
  it('holds exactly the elements the report wrote, and no attribute but its own', () => {
    const tags = tagsOf(rendered);
    expect(tags.map((tag) => tag.name)).toEqual(tagsOf(summary).map((tag) => tag.name));
    expect([...new Set(tags.map((tag) => tag.name))].sort()).toEqual(EMITTED_ELEMENTS);
    expect([...new Set(tags.flatMap((tag) => tag.attributes))].sort()).toEqual(['nowrap']);
  });

  it('shows every hostile name as text', () => {
    const text = visibleText(rendered);
    for (const name of HOSTILE_NAMES) expect(text).toContain(name);
    expect(text).toContain('[x](javascript:alert(3))');
    expect(text).toContain('upstream says: <b>hello</b> ::warning::x');
  });

  it('would catch markup from the network: the same names unescaped become elements', () => {
    const names = tagsOf(renderLikeGitHub(HOSTILE_NAMES.join('\n\n'))).map((tag) => tag.name);
    expect(names).toEqual(expect.arrayContaining(['img', 'script', 'a']));
  });
});

const MISSING = `${CHROMIUM} is missing: install Debian's chromium and fonts-noto-color-emoji (.ci/run does), or set CHROMIUM`;
const canPhotograph = existsSync(CHROMIUM) || IN_CI;
if (!canPhotograph) console.warn(`summary screenshot skipped outside CI: ${MISSING}`);

describe('the summary in a browser', () => {
  (canPhotograph ? it : it.skip)(
    'renders to a screenshot kept in reports/summary-screenshot.png',
    async () => {
      if (!existsSync(CHROMIUM)) throw new Error(MISSING);
      const png = await screenshot(page(rendered));
      expect(png.subarray(0, 8)).toEqual(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]));
      // IHDR: the window's size.
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 1600]);
      // A page with one word on it is about 10 KB at this size; the summary is well over 100 KB.
      expect(png.length).toBeGreaterThan(40_000);
      mkdirSync(REPORTS, { recursive: true });
      writeFileSync(join(REPORTS, 'summary-page.html'), page(rendered));
      writeFileSync(SCREENSHOT, png);
    },
    90_000,
  );
});
