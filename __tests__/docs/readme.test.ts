// The README is the contract as users read it: its tables must say what action.yml declares.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

/** Rows of the Markdown table under `## heading`: first cell (without backticks) → second cell. */
function tableRows(heading: string): Map<string, string> {
  const section = readme.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name !== undefined) rows.set(name, cells[2] ?? '');
  }
  return rows;
}

describe('README', () => {
  it('lists every input of action.yml, and no other, with its default', () => {
    const rows = tableRows('Inputs');
    expect([...rows.keys()].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      const documented = rows.get(name) ?? '';
      if (input.default !== undefined && input.default !== '') {
        expect(documented).toBe(`\`${input.default}\``);
      }
    }
  });

  it('lists every output of action.yml, and no other', () => {
    expect([...tableRows('Outputs').keys()].sort()).toEqual(Object.keys(action.outputs).sort());
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm ci && npm test');
  });

  it('runs on node24 from the committed bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
