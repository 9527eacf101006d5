// A fake Cloudflare API on loopback for the MCP server and portal endpoints, shaped after
// Cloudflare's OpenAPI document (spec/cloudflare-openapi/mcp.json): its server, portal and sync
// objects, its paging rules, its 400 and 404 bodies, its id rule. It can be scripted per request:
// statuses, headers, bodies, delays, resets, hangs, truncated bodies. It also enforces a
// fixed-window rate limit with Cloudflare's `Ratelimit` headers and a penalty past the limit.
// Tests, `npm run demo`, `npm run bench` and the self-test workflow all use it; it never talks to
// anything but its own clients. __tests__/spec checks its answers against the document.
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

export const DEMO_ACCOUNT_ID = '0123456789abcdef0123456789abcdef';
export const DEMO_TOKEN = 'demo-token';

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is, instead of `body`. */
  rawBody?: string;
  delayMs?: number;
  /**
   * reset: close the connection without answering; hang: never answer; truncate: promise the
   * whole body, send half, then close; trickle: send the body a byte every `delayMs`.
   */
  fault?: 'reset' | 'hang' | 'truncate' | 'trickle';
}

export type ServerStatus = 'waiting' | 'ready' | 'stale' | 'error';
export type AuthenticationStatus = 'not_required' | 'required' | 'connected' | 'stale' | 'manual';

/** An MCP tool as the upstream server describes it. */
export interface FakeTool {
  name: string;
  /** Default: `<name> tool`. */
  description?: string;
  /** A JSON Schema object; default: an object without properties. */
  inputSchema?: Record<string, unknown>;
}

/** An MCP prompt as the upstream server describes it. */
export interface FakePrompt {
  name: string;
  /** Default: `<name> prompt`. */
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

/** A bare name stands for a capability with the default description (and input schema). */
export type ToolSpec = string | FakeTool;
export type PromptSpec = string | FakePrompt;

/** A server-wide override of a tool or prompt (the document's `mcp_capability_override`). */
export interface CapabilityOverride {
  name: string;
  alias?: string;
  description?: string;
  enabled?: boolean;
}

/** A portal's override of a server's tool or prompt (`mcp_portal_capability_override`). */
export interface PortalOverride {
  name: string;
  enabled?: boolean;
  portal_alias?: string;
  server_alias?: string;
}

export interface FakeServer {
  id: string;
  name?: string;
  tools?: ToolSpec[];
  prompts?: PromptSpec[];
  updatedTools?: CapabilityOverride[];
  updatedPrompts?: CapabilityOverride[];
  /** Default not_required; `required` makes every sync that is not scripted fail (ownSyncReply). */
  authenticationStatus?: AuthenticationStatus;
  /** Status before the first successful sync (default ready); `error` reads with an error. */
  status?: ServerStatus;
  /**
   * What a deploy changed: the first successful sync (answered 200 `ready` or `waiting`, scripted
   * or not) replaces the tools and prompts with these.
   */
  afterSync?: { tools?: ToolSpec[]; prompts?: PromptSpec[] };
  /**
   * The fake's own sync answer is `waiting`, and after a successful sync the server reads as
   * `waiting` for this long, then `ready` (only then with the afterSync capabilities).
   */
  readyAfterMs?: number;
  /**
   * Replies to successive syncs of this server; once used up, the fake answers itself. A scripted
   * reply changes the server only when it is a successful sync.
   */
  syncReplies?: ScriptedReply[];
  /** How long each sync takes. */
  syncDelayMs?: number;
}

export interface FakePortalServer {
  serverId: string;
  updatedTools?: PortalOverride[];
  updatedPrompts?: PortalOverride[];
  defaultDisabled?: boolean;
}

export interface FakePortal {
  id: string;
  name?: string;
  /** Each must name a server of the fake. */
  servers: FakePortalServer[];
}

export interface RateLimit {
  limit: number;
  windowMs: number;
  /** Extra block past the window for a client that went over the limit. */
  penaltyMs: number;
}

export interface FakeApiOptions {
  accountId?: string;
  token?: string;
  email?: string;
  key?: string;
  servers?: FakeServer[];
  portals?: FakePortal[];
  /** Most servers served per list page, whatever `per_page` asks (default 100). */
  pageSize?: number;
  /**
   * Adds `result_info` (page, per_page, count, total_count, total_pages) to list pages. The
   * document has none, so a page carries none by default.
   */
  resultInfo?: boolean;
  rateLimit?: RateLimit;
  /**
   * Milliseconds since the epoch (default Date.now), for what depends on time: timestamps,
   * `readyAfterMs`, the rate limit and `at`. Delays of replies are real time.
   */
  now?: () => number;
  /** Answers any request instead of the fake's own routes when it returns a reply. */
  intercept?: (request: RecordedRequest) => ScriptedReply | undefined;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The request body as received so far (all of it once the request has ended). */
  requestBody?: string;
  at: number;
  kind: 'sync' | 'read' | 'list' | 'portal' | 'other';
  /** The decoded server id of a sync or read (as received when it does not decode). */
  serverId?: string;
  /** The decoded portal id of a portal read. */
  portalId?: string;
  /** HTTP status answered, once answered. */
  status?: number;
  /** Headers of the answer, once answered. */
  responseHeaders?: Record<string, string>;
  /** Body of the answer as sent (for a truncated answer, the part sent), once answered. */
  responseBody?: string;
  /** For a sync: how many syncs the fake was handling when it arrived, itself included. */
  syncsInFlight?: number;
}

/** The most syncs the fake handled at once, among these requests. */
export function peakConcurrentSyncs(requests: readonly RecordedRequest[]): number {
  return Math.max(0, ...requests.map((request) => request.syncsInFlight ?? 0));
}

const API_PREFIX = '/client/v4';

/** The document's rule for server and portal ids. */
const ID_RULE = /^[a-z0-9_]+(?:-[a-z0-9_]+)*$/;
const MAX_PER_PAGE = 100;

/** A 200 whose body reports a failed upstream sync, as Cloudflare does. */
export function upstreamFailure(
  error: string,
  details: {
    retryable: boolean;
    cause?: string;
    is_upstream?: boolean;
    mcp_code?: number;
    status_code?: number;
  },
  headers?: Record<string, string>,
): ScriptedReply {
  return {
    ...ok({ status: 'error', error, error_details: { is_upstream: true, ...details } }),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** A v4 error envelope, shaped as the document's 404: `{"success": false, "errors": [{code, message}]}`. */
export function apiError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): ScriptedReply {
  return {
    status,
    ...(headers === undefined ? {} : { headers }),
    body: { success: false, errors: [{ code, message }] },
  };
}

/** The fake's own reply, with what answering it changes on the fake. */
interface Answer extends ScriptedReply {
  onAnswered?: () => void;
}

interface ServerState {
  server: FakeServer;
  syncReplies: ScriptedReply[];
  createdAt: number;
  /** When the first and the latest successful sync were answered. */
  firstSyncAt?: number;
  lastSyncAt?: number;
}

export class FakeCloudflareApi {
  readonly requests: RecordedRequest[] = [];
  /** 429 answers sent because a client went past the rate limit. */
  tooManyRequests = 0;
  /** Connections clients opened: a client that keeps them alive opens one for many requests. */
  connections = 0;
  private readonly options: Required<
    Pick<FakeApiOptions, 'accountId' | 'pageSize' | 'rateLimit' | 'now'>
  > &
    FakeApiOptions;
  private readonly servers = new Map<string, ServerState>();
  private readonly portals = new Map<string, FakePortal>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server: Server | undefined;
  private syncsInFlight = 0;
  private windowStart = 0;
  private windowCount = 0;
  private blockedUntil = 0;
  private url = '';

  constructor(options: FakeApiOptions = {}) {
    this.options = {
      accountId: DEMO_ACCOUNT_ID,
      pageSize: 100,
      rateLimit: { limit: 1200, windowMs: 300_000, penaltyMs: 0 },
      now: Date.now,
      ...options,
    };
    if (options.token === undefined && options.email === undefined) this.options.token = DEMO_TOKEN;
    for (const server of options.servers ?? []) this.setServer(server);
    for (const portal of options.portals ?? []) {
      const unknown = portal.servers.find(({ serverId }) => !this.servers.has(serverId));
      if (unknown !== undefined) {
        throw new Error(
          `portal ${portal.id} names ${unknown.serverId}, which the fake does not hold`,
        );
      }
      this.portals.set(portal.id, portal);
    }
  }

  /** Listens on 127.0.0.1 and resolves to the API root, e.g. `http://127.0.0.1:4123/client/v4`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((request, response) => this.handle(request, response));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, host, resolve));
    this.server = server;
    const address = server.address();
    const boundPort = typeof address === 'object' && address !== null ? address.port : port;
    this.url = `http://${host}:${boundPort}${API_PREFIX}`;
    return this.url;
  }

  get baseUrl(): string {
    return this.url;
  }

  /** Closes the listener and every connection, hung ones included. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sync requests received, for one server or all. */
  syncs(serverId?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.kind === 'sync' && (serverId === undefined || r.serverId === serverId),
    );
  }

  /** Adds a server, or replaces one with a fresh state (not yet synced, new sync replies). */
  setServer(server: FakeServer): void {
    this.servers.set(server.id, {
      server: { ...server },
      syncReplies: [...(server.syncReplies ?? [])],
      createdAt: this.options.now(),
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      headers: request.headers,
      requestBody: '',
      at: this.options.now(),
      kind: 'other',
    };
    this.requests.push(recorded);
    request.setEncoding('utf8');
    request.on(
      'data',
      (chunk: string) => (recorded.requestBody = `${recorded.requestBody ?? ''}${chunk}`),
    );
    const route = this.route(recorded);
    if (recorded.kind === 'sync') {
      this.syncsInFlight += 1;
      recorded.syncsInFlight = this.syncsInFlight;
      response.on('close', () => (this.syncsInFlight -= 1));
    }
    const reply =
      this.options.intercept?.(recorded) ??
      this.rateLimited() ??
      this.authFailure(recorded) ??
      route();
    this.send(response, recorded, reply);
  }

  /** Classifies the request and returns the handler of its route. */
  private route(recorded: RecordedRequest): () => Answer {
    const [pathname = '', query = ''] = recorded.url.split('?', 2);
    const mcp = `${API_PREFIX}/accounts/${this.options.accountId}/access/ai-controls/mcp`;
    const unrouted = (): Answer =>
      apiError(
        404,
        7003,
        `Could not route to ${pathname}, perhaps your object identifier is invalid?`,
      );
    if (pathname === `${mcp}/servers` && recorded.method === 'GET') {
      recorded.kind = 'list';
      return () => this.listPage(new URLSearchParams(query));
    }
    const segments = pathname.startsWith(`${mcp}/`)
      ? pathname.slice(mcp.length + 1).split('/')
      : [];
    const [collection, rawId = '', action] = segments;
    const id = decoded(rawId);
    if (collection === 'servers' && segments.length === 3 && action === 'sync') {
      if (recorded.method !== 'POST') return unrouted;
      recorded.kind = 'sync';
      recorded.serverId = id;
      return () => this.sync(id);
    }
    if (segments.length !== 2 || recorded.method !== 'GET') return unrouted;
    if (collection === 'servers') {
      recorded.kind = 'read';
      recorded.serverId = id;
      return () => {
        const state = this.serverState(id);
        return state === undefined ? notFound() : ok(this.serverObject(state));
      };
    }
    if (collection === 'portals') {
      recorded.kind = 'portal';
      recorded.portalId = id;
      return () => {
        const portal = validId(id) ? this.portals.get(id) : undefined;
        return portal === undefined ? notFound() : ok(this.portalObject(portal));
      };
    }
    return unrouted;
  }

  /** A server the fake holds, reachable through an id that follows the document's rule. */
  private serverState(id: string): ServerState | undefined {
    return validId(id) ? this.servers.get(id) : undefined;
  }

  private sync(id: string): Answer {
    const state = this.serverState(id);
    if (state === undefined) return notFound();
    const reply = state.syncReplies.shift() ?? ownSyncReply(state.server);
    const delayMs = (reply.delayMs ?? 0) + (state.server.syncDelayMs ?? 0);
    if (!isSuccessfulSync(reply)) return { ...reply, delayMs };
    return {
      ...reply,
      delayMs,
      onAnswered: () => {
        const now = this.options.now();
        state.firstSyncAt ??= now;
        state.lastSyncAt = now;
      },
    };
  }

  /** The server as the document's `mcp_server` object, as it reads now. */
  private serverObject(state: ServerState): Record<string, unknown> {
    const { server, createdAt, firstSyncAt, lastSyncAt } = state;
    const now = this.options.now();
    const readyAfterMs = server.readyAfterMs ?? 0;
    const deployed = firstSyncAt !== undefined && now >= firstSyncAt + readyAfterMs;
    const status: ServerStatus =
      lastSyncAt === undefined
        ? (server.status ?? 'ready')
        : now < lastSyncAt + readyAfterMs
          ? 'waiting'
          : 'ready';
    const authenticationStatus = server.authenticationStatus ?? 'not_required';
    const tools = (deployed ? server.afterSync?.tools : undefined) ?? server.tools ?? [];
    const prompts = (deployed ? server.afterSync?.prompts : undefined) ?? server.prompts ?? [];
    return {
      id: server.id,
      name: server.name ?? server.id,
      hostname: `https://${server.id}.example.com/mcp`,
      auth_type: authenticationStatus === 'not_required' ? 'unauthenticated' : 'oauth',
      authentication_status: authenticationStatus,
      status,
      tools: tools.map(toolObject),
      prompts: prompts.map(promptObject),
      updated_tools: server.updatedTools ?? [],
      updated_prompts: server.updatedPrompts ?? [],
      created_at: isoTime(createdAt),
      modified_at: isoTime(createdAt),
      ...(lastSyncAt === undefined
        ? {}
        : { last_synced: isoTime(lastSyncAt), last_successful_sync: isoTime(lastSyncAt) }),
      ...(status === 'error'
        ? {
            error: 'Could not connect to the MCP server',
            error_details: { cause: 'connect ECONNREFUSED', is_upstream: false, retryable: true },
          }
        : {}),
    };
  }

  /** The portal as the document's `mcp_portal`, each server as it reads now. */
  private portalObject(portal: FakePortal): Record<string, unknown> {
    return {
      id: portal.id,
      name: portal.name ?? portal.id,
      hostname: 'mcp.example.com',
      servers: portal.servers.flatMap((entry) => {
        const state = this.servers.get(entry.serverId);
        // Never undefined: the constructor checked each, and no server is ever removed.
        if (state === undefined) return [];
        return [
          {
            ...this.serverObject(state),
            server_id: entry.serverId,
            updated_tools: entry.updatedTools ?? [],
            updated_prompts: entry.updatedPrompts ?? [],
            default_disabled: entry.defaultDisabled ?? false,
          },
        ];
      }),
    };
  }

  private listPage(query: URLSearchParams): Answer {
    const page = pageParameter(query, 'page', 1, Infinity);
    if (page === undefined) return badRequest('page must be an integer of at least 1');
    const asked = pageParameter(query, 'per_page', 20, MAX_PER_PAGE);
    if (asked === undefined) {
      return badRequest(`per_page must be an integer from 1 to ${MAX_PER_PAGE}`);
    }
    const perPage = Math.min(asked, this.options.pageSize);
    const all = [...this.servers.values()];
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const body: Record<string, unknown> = {
      success: true,
      result: slice.map((state) => this.serverObject(state)),
    };
    if (this.options.resultInfo === true) {
      body.result_info = {
        page,
        per_page: perPage,
        count: slice.length,
        total_count: all.length,
        total_pages: Math.ceil(all.length / perPage),
      };
    }
    return { status: 200, body };
  }

  private authFailure(recorded: RecordedRequest): ScriptedReply | undefined {
    const { token, email, key } = this.options;
    const headers = recorded.headers;
    if (token !== undefined && headers.authorization === `Bearer ${token}`) return undefined;
    if (email !== undefined && headers['x-auth-email'] === email && headers['x-auth-key'] === key)
      return undefined;
    return apiError(403, 10000, 'Authentication error');
  }

  /** Counts the request against the window; a 429 past the limit, and while blocked. */
  private rateLimited(): ScriptedReply | undefined {
    const { limit, windowMs, penaltyMs } = this.options.rateLimit;
    const now = this.options.now();
    if (now < this.blockedUntil) return this.tooMany(now);
    if (now >= this.windowStart + windowMs) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    if (this.windowCount > limit) {
      this.blockedUntil = this.windowStart + windowMs + penaltyMs;
      return this.tooMany(now);
    }
    return undefined;
  }

  private tooMany(now: number): ScriptedReply {
    this.tooManyRequests += 1;
    const retryAfter = String(Math.max(1, Math.ceil((this.blockedUntil - now) / 1000)));
    return apiError(429, 10013, 'Rate limited: too many requests', { 'retry-after': retryAfter });
  }

  private rateLimitHeaders(): Record<string, string> {
    const { limit, windowMs } = this.options.rateLimit;
    const now = this.options.now();
    const end = Math.max(this.windowStart + windowMs, this.blockedUntil);
    const remaining = now < this.blockedUntil ? 0 : Math.max(0, limit - this.windowCount);
    // Whole seconds, rounded up, as Cloudflare sends them.
    const reset = Math.max(0, Math.ceil((end - now) / 1000));
    return {
      ratelimit: `"default";r=${remaining};t=${reset}`,
      'ratelimit-policy': `"default";q=${limit};w=${Math.round(windowMs / 1000)}`,
    };
  }

  private send(response: ServerResponse, recorded: RecordedRequest, reply: Answer): void {
    const respond = (): void => {
      if (reply.fault === 'reset') {
        response.socket?.destroy();
        return;
      }
      if (reply.fault === 'hang') return;
      reply.onAnswered?.();
      const status = reply.status ?? 200;
      const text = reply.rawBody ?? JSON.stringify(reply.body ?? ok({ status: 'ready' }).body);
      const bytes = Buffer.from(text, 'utf8');
      const headers: Record<string, string> = {
        'content-type': reply.rawBody === undefined ? 'application/json' : 'text/html',
        'content-length': String(bytes.length),
        'cf-ray': `${randomBytes(8).toString('hex')}-LHR`,
        ...this.rateLimitHeaders(),
        ...reply.headers,
      };
      const sent =
        reply.fault === 'truncate' ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
      recorded.status = status;
      recorded.responseHeaders = headers;
      recorded.responseBody = sent.toString('utf8');
      response.writeHead(status, headers);
      if (reply.fault === 'truncate') {
        response.write(sent, () => response.socket?.destroy());
      } else if (reply.fault === 'trickle') {
        this.trickle(response, bytes, reply.delayMs ?? 100);
      } else {
        response.end(bytes);
      }
    };
    const delay = reply.fault === 'trickle' ? 0 : (reply.delayMs ?? 0);
    if (delay > 0) this.later(respond, delay);
    else respond();
  }

  private trickle(response: ServerResponse, bytes: Buffer, everyMs: number, offset = 0): void {
    if (offset >= bytes.length) {
      response.end();
      return;
    }
    response.write(bytes.subarray(offset, offset + 1));
    this.later(() => this.trickle(response, bytes, everyMs, offset + 1), everyMs);
  }

  private later(action: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}

/** How the fake answers a sync that is not scripted. */
function ownSyncReply(server: FakeServer): ScriptedReply {
  if (server.authenticationStatus === 'required') {
    // A guess at the real API: the document shows no example of this answer, only that a sync
    // reports its outcome in a 200's result, and that such a server cannot sync until an
    // administrator authenticates it.
    return ok({
      status: 'error',
      error: 'Administrator authentication required',
      error_details: { retryable: false, is_upstream: false },
    });
  }
  return ok({ status: (server.readyAfterMs ?? 0) > 0 ? 'waiting' : 'ready' });
}

/** A 200 whose result is `ready` or `waiting` without an error, scripted or the fake's own. */
function isSuccessfulSync(reply: ScriptedReply): boolean {
  if ((reply.status ?? 200) !== 200 || reply.rawBody !== undefined) return false;
  if (reply.body === undefined) return true; // sent as the fake's own `ready`
  const { success, result } = reply.body as { success?: unknown; result?: unknown };
  if (success !== true || typeof result !== 'object' || result === null) return false;
  const { status, error } = result as { status?: unknown; error?: unknown };
  return (status === 'ready' || status === 'waiting') && error === undefined;
}

/** The document's 200 body: `{success: true, result}`, nothing else. */
function ok(result: unknown): ScriptedReply {
  return { status: 200, body: { success: true, result } };
}

/** The document's 404 (`mcp_not_found`), for an unknown server or portal, or a malformed id. */
function notFound(): ScriptedReply {
  return apiError(404, 7002, 'Not Found');
}

/** The document's 400 of a list (`mcp_bad_request`). */
function badRequest(message: string): ScriptedReply {
  return { status: 400, body: { success: false, errors: [{ message }], result: {} } };
}

function validId(id: string): boolean {
  return id.length <= 32 && ID_RULE.test(id);
}

/** A path segment decoded, or as received when it is not valid percent-encoding. */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A paging parameter: `fallback` when absent, undefined when not an integer from 1 to `max`. */
function pageParameter(
  query: URLSearchParams,
  name: string,
  fallback: number,
  max: number,
): number | undefined {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  return value >= 1 && value <= max ? value : undefined;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

function toolObject(tool: ToolSpec): Record<string, unknown> {
  const { name, description, inputSchema } = typeof tool === 'string' ? { name: tool } : tool;
  return {
    name,
    description: description ?? `${name} tool`,
    inputSchema: inputSchema ?? { type: 'object', properties: {} },
  };
}

function promptObject(prompt: PromptSpec): Record<string, unknown> {
  const {
    name,
    description,
    arguments: args,
  } = typeof prompt === 'string' ? { name: prompt } : prompt;
  return {
    name,
    description: description ?? `${name} prompt`,
    ...(args === undefined ? {} : { arguments: args }),
  };
}
