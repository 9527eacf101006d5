// The servers of `npm run demo` and of the self-test workflow: one ready; one just deployed, which
// connects for two seconds after its sync and comes back with a tool added and one removed; one
// that fails twice with retryable errors and then syncs; one that fails for good.
import { type FakeServer, upstreamFailure } from './fake-cloudflare-api.js';

export function demoServers(): FakeServer[] {
  return [
    { id: 'docs-ready', tools: ['search_docs', 'fetch_page'], prompts: ['summarize'] },
    {
      id: 'tickets-deploy',
      tools: ['create_ticket', 'list_tickets', 'close_ticket'],
      prompts: ['triage'],
      // The deploy this workflow just shipped: close_ticket gave way to resolve_ticket.
      afterSync: {
        tools: ['create_ticket', 'list_tickets', 'resolve_ticket'],
        prompts: ['triage'],
      },
      readyAfterMs: 2000,
    },
    {
      id: 'flaky-upstream',
      tools: ['get_weather'],
      prompts: [],
      syncReplies: [
        upstreamFailure('Upstream MCP server timed out', {
          retryable: true,
          cause: 'timeout after 10s waiting for tools/list',
          status_code: 504,
        }),
        upstreamFailure('Upstream MCP server returned 503', {
          retryable: true,
          cause: 'Service Unavailable',
          status_code: 503,
        }),
      ],
    },
    {
      id: 'broken-upstream',
      tools: [],
      syncReplies: Array.from({ length: 50 }, () =>
        upstreamFailure('Upstream MCP server rejected the credentials', {
          retryable: false,
          cause: '401 Unauthorized: invalid bearer token',
          mcp_code: -32001,
          status_code: 401,
        }),
      ),
    },
  ];
}
