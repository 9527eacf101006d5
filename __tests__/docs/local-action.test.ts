// `npm run local-action` as the README tells a developer to run it: @github/local-action runs
// src/main.ts with the inputs of .env.example against the fake Cloudflare API, with its own
// stand-in for @actions/core. Only the fake's port differs from what the developer gets.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { demoServers } from '../../scripts/demo-scenario.js';
import {
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  FakeCloudflareApi,
} from '../../scripts/fake-cloudflare-api.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCAL_ACTION_BIN = join(ROOT, 'node_modules/@github/local-action/bin/local-action.js');
/** Where `npm run fake-api` listens, as .env.example says. */
const FAKE_API_URL = 'http://127.0.0.1:8787/client/v4';
/** A safety net against a hung run, not a measure: npm ls alone takes seconds. */
const KILL_AFTER_MS = 150_000;

const repoFile = (name: string): string => readFileSync(join(ROOT, name), 'utf8');
const example = repoFile('.env.example');

/** `NAME=value` lines of a dotenv file, comments and blank lines left out. */
function dotenvEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/.exec(line);
    if (match !== null) entries.set(match[1] ?? '', match[2] ?? '');
  }
  return entries;
}

/** The command line of the `local-action` script, its dotenv file replaced by `dotenv`. */
function scriptArguments(dotenv: string): string[] {
  const scripts = (JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> })
    .scripts;
  const [command, ...args] = (scripts['local-action'] ?? '').split(' ');
  expect(command).toBe('local-action');
  expect(args.at(-1)).toBe('.env');
  return [...args.slice(0, -1), dotenv];
}

/**
 * The parent's environment without what a runner or the developer's shell may have set for an
 * action (a CI job's own summary file, say), so that only the dotenv file speaks.
 */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { FORCE_COLOR: '0' };
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(INPUT_|GITHUB_|RUNNER_|ACTIONS_|CLOUDFLARE_|NODE_OPTIONS$|FORCE_COLOR$)/.test(name))
      env[name] = value;
  }
  return env;
}

interface Finished {
  exitCode: number | null;
  output: string;
}

/** Runs local-action in its own process group, so the kill timer also ends npm and tsx under it. */
function runLocalAction(args: readonly string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOCAL_ACTION_BIN, ...args], {
      cwd: ROOT,
      env: cleanEnvironment(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const killer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(killer);
      resolve({ exitCode, output });
    });
  });
}

describe('.env.example', () => {
  it('sets only inputs that action.yml declares, spelled as a runner spells them', () => {
    const declared = Object.keys(
      (parse(repoFile('action.yml')) as { inputs: Record<string, unknown> }).inputs,
    );
    const inputs = [...dotenvEntries(example).keys()]
      .filter((name) => name.startsWith('INPUT_'))
      .map((name) => name.slice('INPUT_'.length));
    expect(
      inputs.map((name) => name.toLowerCase()).filter((name) => !declared.includes(name)),
    ).toEqual([]);
    expect(inputs.filter((name) => name !== name.toUpperCase())).toEqual([]);
  });

  it("holds the fake API's credentials, a server it serves and its address", () => {
    const entries = dotenvEntries(example);
    expect(entries.get('INPUT_API-TOKEN')).toBe(DEMO_TOKEN);
    expect(entries.get('INPUT_ACCOUNT-ID')).toBe(DEMO_ACCOUNT_ID);
    expect(entries.get('INPUT_SERVER-ID')).toBe('docs-ready');
    expect(demoServers().map((server) => server.id)).toContain('docs-ready');
    expect(entries.get('INPUT_API-BASE-URL')).toBe(FAKE_API_URL);
  });

  it('is copied to .env, which git ignores', () => {
    expect(repoFile('.gitignore').split('\n')).toContain('.env');
  });
});

describe('npm run local-action', () => {
  const fake = new FakeCloudflareApi({ servers: demoServers() });
  let dir = '';
  let run: Finished;

  beforeAll(async () => {
    const url = await fake.start(0);
    dir = mkdtempSync(join(tmpdir(), 'mcp-sync-local-action-'));
    const dotenv = join(dir, '.env');
    writeFileSync(dotenv, example.replaceAll(FAKE_API_URL, url));
    run = await runLocalAction(scriptArguments(dotenv));
  }, KILL_AFTER_MS + 10_000);

  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the server of .env.example against the fake API', () => {
    expect(run.exitCode).toBe(0);
    expect(fake.syncs().map(({ method, url, status }) => ({ method, url, status }))).toEqual([
      {
        method: 'POST',
        url: `/client/v4/accounts/${DEMO_ACCOUNT_ID}/access/ai-controls/mcp/servers/docs-ready/sync`,
        status: 200,
      },
    ]);
  });

  it("reports status ready through local-action's stand-in for @actions/core", () => {
    const lines = run.output.split('\n');
    expect(lines).toContain('::set-output name=status::ready');
    expect(lines.filter((line) => line.startsWith('::error'))).toEqual([]);
    // The outputs table is filled only when the stand-in, not the real @actions/core, ran.
    expect(run.output).toMatch(/│ *'status' *│ *'ready' *│/);
    // The real @actions/core would also have printed `::add-mask::` with the token.
    expect(run.output).not.toContain(DEMO_TOKEN);
  });
});
