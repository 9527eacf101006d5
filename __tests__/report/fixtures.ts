// Hand-built fleet reports for the report layer's tests: what the fleet would hand over.
import type { FleetReport } from '../../src/fleet/fleet-report.js';
import type { Changes } from '../../src/server/capability-diff.js';
import type { ServerResult } from '../../src/server/server-result.js';

export const NO_CHANGES: Changes = {
  tools: { added: [], removed: [], changed: [] },
  prompts: { added: [], removed: [], changed: [] },
  breaking: [],
};

/** A server that synced as ready at the first attempt in 420 ms, unchanged, with one tool. */
export function result(serverId: string, fields: Partial<ServerResult> = {}): ServerResult {
  return {
    serverId,
    status: 'ready',
    attempts: 1,
    durationMs: 420,
    tools: ['search'],
    prompts: [],
    changes: NO_CHANGES,
    warnings: [],
    ...fields,
  };
}

/** A server that failed with `error` after one attempt. */
export function failed(serverId: string, error: string, fields: Partial<ServerResult> = {}) {
  return result(serverId, { status: 'error', error, retryable: false, ...fields });
}

export function changes(
  fields: { tools?: Partial<Changes['tools']>; prompts?: Partial<Changes['prompts']> } & {
    breaking?: string[];
  },
): Changes {
  return {
    tools: { ...NO_CHANGES.tools, ...fields.tools },
    prompts: { ...NO_CHANGES.prompts, ...fields.prompts },
    breaking: fields.breaking ?? [],
  };
}

export function fleet(results: ServerResult[], fields: Partial<FleetReport> = {}): FleetReport {
  return {
    results,
    warnings: [],
    announced: [],
    dryRun: false,
    onBreakingChange: 'warn',
    ...fields,
  };
}

/** `count` ids `s-001`, `s-002` …, all of one length. */
export function ids(count: number, width = 3): string[] {
  return Array.from({ length: count }, (_, i) => `s-${String(i + 1).padStart(width, '0')}`);
}

/** Tool and prompt names a hostile upstream MCP server could offer. */
export const HOSTILE_NAMES = [
  '<img src=x onerror=alert(1)>',
  '[link](javascript:x)',
  '::error::injected',
  '<script>alert(2)</script>',
  '![img](https://example.com/x.png)',
  '@admin https://evil.example',
];

/**
 * A fleet as a person would see it after a mixed run: failures with hints, a server still
 * waiting, a stale one, changes (one breaking, one long enough to fold) and hostile names.
 */
export function mixedFleet(): FleetReport {
  return fleet(
    [
      result('docs', {
        durationMs: 1234,
        tools: ['search', 'fetch', 'summarize'],
        prompts: ['explain'],
        changes: changes({ tools: { added: ['summarize'] } }),
        rayId: '8f1c2d3e4f5a6b7c-LHR',
      }),
      result('billing', {
        durationMs: 87,
        tools: ['invoice', 'refund'],
        changes: changes({
          tools: { removed: ['charge'], changed: ['refund'] },
          breaking: [
            'tool charge: no longer offered',
            'tool refund: input gained required property reason',
          ],
        }),
      }),
      failed('crm-sync', 'HTTP 403: Authentication error (10000)', {
        hint: 'give the API token the account permission MCP Portals Write (dash.cloudflare.com → My Profile → API Tokens)',
        durationMs: 310,
        tools: undefined,
        prompts: undefined,
        changes: null,
      }),
      result('search-index', { status: 'waiting', durationMs: 125_000, attempts: 1 }),
      result('hr-portal', { status: 'stale', durationMs: 640 }),
      failed('wiki', 'the MCP server needs an administrator to authenticate it', {
        authenticationStatus: 'required',
        hint: 'an administrator must log in to the upstream MCP server in the Cloudflare dashboard (Zero Trust → Access → AI controls)',
        attempts: 0,
        durationMs: 15,
        changes: null,
      }),
      failed('ticketing', 'HTTP 503: busy (gave up after 5 attempts: max-attempts (5) used up)', {
        attempts: 5,
        retryable: true,
        durationMs: 42_400,
        changes: NO_CHANGES,
      }),
      result('evil-upstream', {
        durationMs: 950,
        tools: HOSTILE_NAMES,
        prompts: ['[x](javascript:alert(3))'],
        changes: changes({
          tools: { added: HOSTILE_NAMES },
          prompts: { added: ['[x](javascript:alert(3))'] },
        }),
        warnings: ['upstream says: <b>hello</b> ::warning::x'],
      }),
    ],
    { warnings: ['the fleet needs at least 3 min under the rate limit; timeout-seconds is 300'] },
  );
}
