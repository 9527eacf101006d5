// What a deploy changed: the Before and After readings compared in `changes`, breaking changes in
// the `breaking-changes` output and the log, and on-breaking-change deciding what they do (warn,
// fail, ignore). Without a Before reading there is no verdict: `changes` is null, with a warning.
import { describe, expect, it } from '@jest/globals';
import {
  apiError,
  type FakeServer,
  type RecordedRequest,
  type ScriptedReply,
} from '../../scripts/fake-cloudflare-api.js';
import {
  NO_CHANGES,
  SERVER_ID,
  annotationMessage,
  annotations,
  baseInputs,
  logLines,
  ofKind,
  resultsOf,
  startFake,
} from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';

/** A deploy that drops fetch_page, adds list_pages and makes a new input of search_docs required. */
const DEPLOY: FakeServer = {
  id: SERVER_ID,
  tools: [
    {
      name: 'search_docs',
      inputSchema: { type: 'object', properties: { query: { type: 'string' } } },
    },
    'fetch_page',
  ],
  prompts: ['summarize'],
  afterSync: {
    tools: [
      {
        name: 'search_docs',
        inputSchema: {
          type: 'object',
          properties: { query: { type: 'string' }, limit: { type: 'integer' } },
          required: ['limit'],
        },
      },
      'list_pages',
    ],
    prompts: ['summarize'],
  },
};

const CHANGES = {
  tools: { added: ['list_pages'], removed: ['fetch_page'], changed: ['search_docs'] },
  prompts: NO_CHANGES.prompts,
  breaking: ['tool fetch_page removed', 'tool search_docs: input limit is now required'],
};

const BREAKING_OUTPUT = `${SERVER_ID}: tool fetch_page removed\n${SERVER_ID}: tool search_docs: input limit is now required`;

describe('breaking changes', () => {
  it('warn (the default): the step passes, with the changes, the output, the log and a warning', async () => {
    const fake = await startFake({ servers: [DEPLOY] });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': SERVER_ID });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      status: 'ready',
      error: '',
      'breaking-changes': BREAKING_OUTPUT,
    });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        status: 'ready',
        error: null,
        tools: ['search_docs', 'list_pages'],
        changes: CHANGES,
      }),
    ]);
    expect(logLines(run)).toEqual(
      expect.arrayContaining([
        `${SERVER_ID}: tools +list_pages -fetch_page ~search_docs`,
        `${SERVER_ID}: breaking: tool fetch_page removed`,
        `${SERVER_ID}: breaking: tool search_docs: input limit is now required`,
      ]),
    );
    expect(annotations(run, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::breaking changes: tool fetch_page removed; tool search_docs: input limit is now required`,
    ]);
    expect(annotations(run, 'error')).toEqual([]);
  });

  it('fail: the server fails on its breaking changes', async () => {
    const fake = await startFake({ servers: [DEPLOY] });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': SERVER_ID,
      'on-breaking-change': 'fail',
    });

    const error =
      'breaking changes (on-breaking-change: fail): tool fetch_page removed; tool search_docs: input limit is now required';
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({
      status: 'error',
      error,
      retryable: 'false',
      attempts: '1',
      'breaking-changes': BREAKING_OUTPUT,
    });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({ status: 'error', error, changes: CHANGES }),
    ]);
    expect(annotations(run, 'error').map(annotationMessage)).toEqual([
      `1 of 1 MCP server failed to sync: ${SERVER_ID}`,
      `${error} → if ${SERVER_ID}'s clients are ready for it, rerun with on-breaking-change: warn`,
    ]);
  });

  it('ignore: no warning, the step passes, and the changes are still reported', async () => {
    const fake = await startFake({ servers: [DEPLOY] });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': SERVER_ID,
      'on-breaking-change': 'ignore',
    });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', 'breaking-changes': BREAKING_OUTPUT });
    expect(resultsOf(run)).toEqual([expect.objectContaining({ changes: CHANGES })]);
    expect(annotations(run, 'warning')).toEqual([]);
    expect(annotations(run, 'error')).toEqual([]);
  });

  it('non-breaking changes never fail: an added tool and a new optional input', async () => {
    const fake = await startFake({
      servers: [
        {
          id: SERVER_ID,
          tools: [{ name: 'search_docs', inputSchema: { type: 'object', properties: {} } }],
          afterSync: {
            tools: [
              {
                name: 'search_docs',
                inputSchema: { type: 'object', properties: { limit: { type: 'integer' } } },
              },
              'list_pages',
            ],
          },
        },
      ],
    });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': SERVER_ID,
      'on-breaking-change': 'fail',
    });

    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', 'breaking-changes': '' });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        changes: {
          tools: { added: ['list_pages'], removed: [], changed: ['search_docs'] },
          prompts: NO_CHANGES.prompts,
          breaking: [],
        },
      }),
    ]);
    expect(annotations(run, 'warning')).toEqual([]);
  });

  it('a server override left naming a removed tool is breaking: Cloudflare drops its alias', async () => {
    const fake = await startFake({
      servers: [
        {
          id: SERVER_ID,
          tools: ['search_docs', 'fetch_page'],
          updatedTools: [{ name: 'fetch_page', alias: 'get_page' }],
          afterSync: { tools: ['search_docs'] },
        },
      ],
    });

    const run = await runInProcess({ ...baseInputs(fake), 'server-id': SERVER_ID });

    expect(run.exitCode).toBe(0);
    expect(run.outputs['breaking-changes']).toBe(
      `${SERVER_ID}: tool fetch_page removed\n${SERVER_ID}: tool override fetch_page (alias get_page) names a tool that no longer exists: Cloudflare drops the alias`,
    );
  });

  it('a server whose Before reading failed gets changes null and a warning, never a verdict', async () => {
    let reads = 0;
    const beforeFails = (request: RecordedRequest): ScriptedReply | undefined => {
      if (request.kind !== 'read') return undefined;
      reads += 1;
      return reads <= 5 ? apiError(500, 10_500, 'Internal server error') : undefined;
    };
    const fake = await startFake({ servers: [DEPLOY], intercept: beforeFails });

    const run = await runInProcess({
      ...baseInputs(fake),
      'server-id': SERVER_ID,
      'on-breaking-change': 'fail',
    });

    // Five reads (max-attempts) for Before, the sync, one read for After.
    expect(fake.requests.map((request) => request.kind)).toEqual([
      'read',
      'read',
      'read',
      'read',
      'read',
      'sync',
      'read',
    ]);
    expect(ofKind(fake, 'read').map((request) => request.status)).toEqual([
      500, 500, 500, 500, 500, 200,
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ status: 'ready', error: '', 'breaking-changes': '' });
    expect(resultsOf(run)).toEqual([
      expect.objectContaining({
        status: 'ready',
        tools: ['search_docs', 'list_pages'],
        changes: null,
      }),
    ]);
    expect(annotations(run, 'warning')).toEqual([
      `::warning title=MCP server ${SERVER_ID}::changes unknown: the server could not be read before the sync (HTTP 500: Internal server error (10500) (gave up after 5 attempts: max-attempts (5) used up))`,
    ]);
  });
});
