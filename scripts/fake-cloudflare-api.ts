// A fake Cloudflare API on loopback that speaks the v4 envelope for the MCP server endpoints, and
// can be scripted per request: statuses, headers, bodies, delays, resets, hangs, truncated
// bodies. It also enforces a fixed-window rate limit with Cloudflare's `Ratelimit` headers and
// a penalty past the limit. Tests, `npm run demo`, `npm run bench` and the self-test workflow
// all use it; it never talks to anything but its own clients.
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

export interface FakeServer {
  id: string;
  name?: string;
  tools?: string[];
  prompts?: string[];
  /** Replies to successive syncs of this server; once used up, syncs succeed as `ready`. */
  syncReplies?: ScriptedReply[];
  /** How long each sync takes. */
  syncDelayMs?: number;
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
  /** Most servers served per list page, whatever `per_page` asks (default 100). */
  pageSize?: number;
  /** Leave `result_info` out of list pages. */
  omitResultInfo?: boolean;
  rateLimit?: RateLimit;
  /** Answers any request instead of the fake's own routes when it returns a reply. */
  intercept?: (request: RecordedRequest) => ScriptedReply | undefined;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  at: number;
  kind: 'sync' | 'read' | 'list' | 'other';
  /** The decoded server id of a sync or read. */
  serverId?: string;
  /** HTTP status answered, once answered. */
  status?: number;
  /** For a sync: how many syncs the fake was handling when it arrived, itself included. */
  syncsInFlight?: number;
}

/** The most syncs the fake handled at once, among these requests. */
export function peakConcurrentSyncs(requests: readonly RecordedRequest[]): number {
  return Math.max(0, ...requests.map((request) => request.syncsInFlight ?? 0));
}

const API_PREFIX = '/client/v4';

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
    status: 200,
    ...(headers === undefined ? {} : { headers }),
    body: {
      success: true,
      errors: [],
      messages: [],
      result: { status: 'error', error, error_details: { is_upstream: true, ...details } },
    },
  };
}

/** A v4 error envelope: `{"success": false, "errors": [{code, message}]}`. */
export function apiError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): ScriptedReply {
  return {
    status,
    ...(headers === undefined ? {} : { headers }),
    body: { success: false, errors: [{ code, message }], messages: [], result: null },
  };
}

export class FakeCloudflareApi {
  readonly requests: RecordedRequest[] = [];
  /** 429 answers sent because a client went past the rate limit. */
  tooManyRequests = 0;
  private readonly options: Required<Pick<FakeApiOptions, 'accountId' | 'pageSize' | 'rateLimit'>> &
    FakeApiOptions;
  private readonly servers = new Map<string, FakeServer>();
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
      ...options,
    };
    if (options.token === undefined && options.email === undefined) this.options.token = DEMO_TOKEN;
    for (const server of options.servers ?? []) this.servers.set(server.id, { ...server });
  }

  /** Listens on 127.0.0.1 and resolves to the API root, e.g. `http://127.0.0.1:4123/client/v4`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const server = createServer((request, response) => this.handle(request, response));
    server.on('connection', (socket) => {
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

  /** Adds or replaces a server, or scripts more sync replies for it. */
  setServer(server: FakeServer): void {
    this.servers.set(server.id, { ...server });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = request.url ?? '/';
    const recorded: RecordedRequest = {
      method: request.method ?? 'GET',
      url,
      headers: request.headers,
      at: Date.now(),
      kind: 'other',
    };
    this.requests.push(recorded);
    request.resume();
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
  private route(recorded: RecordedRequest): () => ScriptedReply {
    const [pathname = '', query = ''] = recorded.url.split('?', 2);
    const prefix = `${API_PREFIX}/accounts/${this.options.accountId}/access/ai-controls/mcp/servers`;
    const notFound = (): ScriptedReply =>
      apiError(
        404,
        7003,
        `Could not route to ${pathname}, perhaps your object identifier is invalid?`,
      );
    if (!pathname.startsWith(`${API_PREFIX}/accounts/`)) return notFound;
    if (pathname === prefix && recorded.method === 'GET') {
      recorded.kind = 'list';
      return () => this.listPage(new URLSearchParams(query));
    }
    const rest = pathname.startsWith(`${prefix}/`)
      ? pathname.slice(prefix.length + 1).split('/')
      : [];
    let id: string;
    try {
      id = decodeURIComponent(rest[0] ?? '');
    } catch {
      return notFound;
    }
    if (rest.length === 2 && rest[1] === 'sync' && recorded.method === 'POST') {
      recorded.kind = 'sync';
      recorded.serverId = id;
      return () => this.sync(id);
    }
    if (rest.length === 1 && recorded.method === 'GET') {
      recorded.kind = 'read';
      recorded.serverId = id;
      return () => {
        const server = this.servers.get(id);
        return server === undefined
          ? apiError(404, 404, 'MCP server not found')
          : ok(serverObject(server));
      };
    }
    return notFound;
  }

  private sync(id: string): ScriptedReply {
    const server = this.servers.get(id);
    if (server === undefined) return apiError(404, 404, 'MCP server not found');
    const scripted = server.syncReplies?.shift();
    const reply = scripted ?? ok({ status: 'ready' });
    const delayMs = (reply.delayMs ?? 0) + (server.syncDelayMs ?? 0);
    return { ...reply, delayMs };
  }

  private listPage(query: URLSearchParams): ScriptedReply {
    const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
    const asked = Math.max(1, Number(query.get('per_page') ?? '20') || 20);
    const perPage = Math.min(asked, this.options.pageSize);
    const all = [...this.servers.values()];
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const body: Record<string, unknown> = {
      success: true,
      errors: [],
      messages: [],
      result: slice.map(serverObject),
    };
    if (!this.options.omitResultInfo) {
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
    const now = Date.now();
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
    const now = Date.now();
    const end = Math.max(this.windowStart + windowMs, this.blockedUntil);
    const remaining = now < this.blockedUntil ? 0 : Math.max(0, limit - this.windowCount);
    // Whole seconds, rounded up, as Cloudflare sends them.
    const reset = Math.max(0, Math.ceil((end - now) / 1000));
    return {
      ratelimit: `"default";r=${remaining};t=${reset}`,
      'ratelimit-policy': `"default";q=${limit};w=${Math.round(windowMs / 1000)}`,
    };
  }

  private send(response: ServerResponse, recorded: RecordedRequest, reply: ScriptedReply): void {
    const respond = (): void => {
      if (reply.fault === 'reset') {
        response.socket?.destroy();
        return;
      }
      if (reply.fault === 'hang') return;
      const status = reply.status ?? 200;
      recorded.status = status;
      const text = reply.rawBody ?? JSON.stringify(reply.body ?? ok({ status: 'ready' }).body);
      const bytes = Buffer.from(text, 'utf8');
      const headers: Record<string, string> = {
        'content-type': reply.rawBody === undefined ? 'application/json' : 'text/html',
        'content-length': String(bytes.length),
        'cf-ray': `${randomBytes(8).toString('hex')}-LHR`,
        ...this.rateLimitHeaders(),
        ...reply.headers,
      };
      response.writeHead(status, headers);
      if (reply.fault === 'truncate') {
        response.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () =>
          response.socket?.destroy(),
        );
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

function ok(result: unknown): ScriptedReply {
  return { status: 200, body: { success: true, errors: [], messages: [], result } };
}

function serverObject(server: FakeServer): Record<string, unknown> {
  return {
    id: server.id,
    name: server.name ?? server.id,
    hostname: `https://${server.id}.example.com/mcp`,
    auth_type: 'unauthenticated',
    status: 'ready',
    tools: (server.tools ?? []).map((name) => ({ name, description: `${name} tool` })),
    prompts: (server.prompts ?? []).map((name) => ({ name, description: `${name} prompt` })),
  };
}
