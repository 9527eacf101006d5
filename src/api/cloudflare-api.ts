// The Cloudflare API client: builds URLs with percent-encoded path segments, sends credentials
// with each request (never as client-wide headers, which @actions/http-client would carry across
// redirects), follows no redirect, holds each request to a time limit, caps the body it reads,
// and hands back what happened as data. It decides nothing about retrying.
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isNativeError } from 'node:util/types';
import { HttpClient } from '@actions/http-client';
import { parseEnvelope, type Envelope } from './envelope.js';
import type { Headers, RateLimitPolicy } from './headers.js';
import type { Credentials, Settings } from '../inputs/inputs.js';
import type { RateLimitGate } from './rate-limit.js';
import type { RunStop } from '../run-stop.js';
import { oneLine, redactor } from '../untrusted-text.js';
import { formatSeconds } from '../format.js';
import { USER_AGENT } from '../version.js';

/** Larger bodies are cut off unread: no MCP server object comes near this. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The list endpoint's largest page. */
export const LIST_PAGE_SIZE = 100;

/** What one HTTP exchange produced. */
export type HttpOutcome =
  | ({
      kind: 'response';
      status: number;
      headers: Headers;
      /** Cloudflare's `cf-ray`, for support requests. */
      rayId?: string;
    } & (
      | { envelope: Envelope; bodyProblem?: never }
      | {
          envelope?: never;
          /** Why the body is not a v4 envelope (HTML, truncated, too large). */
          bodyProblem: string;
        }
    ))
  | { kind: 'network'; message: string };

/** A request that was not sent: the deadline came first, or the run was stopped. */
export interface NotSent {
  kind: 'not-sent';
  why: 'deadline' | 'stopped';
}

export type ApiCall = (timeoutMs: number, deadlineMs: number) => Promise<HttpOutcome | NotSent>;

/**
 * A path segment that cannot escape its place in the URL: percent-encoded, and never `.` or `..`,
 * which URL parsing would resolve into another path.
 */
export function pathSegment(value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new Error(`refusing ${JSON.stringify(value)} as a path segment`);
  }
  return encodeURIComponent(value);
}

export class CloudflareApi {
  // Only the client's proxy-aware keep-alive agent is used, so a server's sync, retries and read
  // share a connection. Requests go through requestRaw, which neither retries nor follows
  // redirects, with this run's own headers and an abort signal.
  private readonly http = new HttpClient(USER_AGENT, [], { keepAlive: true });
  private readonly serversPath: string;
  private readonly portalsPath: string;
  private readonly authHeaders: http.OutgoingHttpHeaders;
  private readonly redact: (text: string) => string;

  constructor(
    settings: Pick<Settings, 'apiBaseUrl' | 'accountId' | 'credentials'>,
    private readonly gate: RateLimitGate,
    private readonly runStop: RunStop,
  ) {
    const mcpPath = `${settings.apiBaseUrl}/accounts/${pathSegment(settings.accountId)}/access/ai-controls/mcp`;
    this.serversPath = `${mcpPath}/servers`;
    this.portalsPath = `${mcpPath}/portals`;
    this.authHeaders = authHeaders(settings.credentials);
    const { credentials } = settings;
    this.redact = redactor(credentials.kind === 'token' ? [credentials.token] : [credentials.key]);
  }

  /** `POST …/mcp/servers/{id}/sync` */
  sync(serverId: string): ApiCall {
    return this.call('POST', `${this.serversPath}/${pathSegment(serverId)}/sync`);
  }

  /** `GET …/mcp/servers/{id}` */
  read(serverId: string): ApiCall {
    return this.call('GET', `${this.serversPath}/${pathSegment(serverId)}`);
  }

  /** `GET …/mcp/servers?page=N&per_page=100` */
  listPage(page: number): ApiCall {
    return this.call('GET', `${this.serversPath}?page=${page}&per_page=${LIST_PAGE_SIZE}`);
  }

  /** `GET …/mcp/portals/{id}`: the portal with its servers, their tools and its overrides. */
  readPortal(portalId: string): ApiCall {
    return this.call('GET', `${this.portalsPath}/${pathSegment(portalId)}`);
  }

  /** The quota the API last announced in `Ratelimit-Policy`. */
  get rateLimitPolicy(): RateLimitPolicy | undefined {
    return this.gate.policy;
  }

  /** Closes kept-alive connections so the process can exit at once. */
  dispose(): void {
    this.http.dispose();
  }

  private call(method: 'GET' | 'POST', url: string): ApiCall {
    return async (timeoutMs, deadlineMs) => {
      const stopped: NotSent = { kind: 'not-sent', why: 'stopped' };
      if (this.runStop.signal.aborted) return stopped;
      const ticket = await this.gate.acquire(deadlineMs, this.runStop.signal);
      if (this.runStop.signal.aborted) {
        if (ticket !== undefined) this.gate.settle(ticket, undefined, {});
        return stopped;
      }
      if (ticket === undefined) return { kind: 'not-sent', why: 'deadline' };
      const outcome = await this.exchange(method, new URL(url), timeoutMs);
      if (outcome.kind === 'response') this.gate.settle(ticket, outcome.status, outcome.headers);
      else this.gate.settle(ticket, undefined, {});
      return outcome;
    };
  }

  private async exchange(method: string, url: URL, timeoutMs: number): Promise<HttpOutcome> {
    // The limit covers connecting, waiting and reading the body: a server that trickles bytes
    // or never answers cannot hold the step, and aborting destroys the socket.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const cancel = (): void => abort.abort();
    this.runStop.abortSignal.addEventListener('abort', cancel, { once: true });
    try {
      const secure = url.protocol === 'https:';
      const response = await this.http.requestRaw(
        {
          parsedUrl: url,
          httpModule: secure ? https : http,
          options: {
            method,
            host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
            path: `${url.pathname}${url.search}`,
            headers: { ...this.authHeaders, 'user-agent': USER_AGENT, accept: 'application/json' },
            agent: this.http.getAgent(url.href),
            signal: abort.signal,
          },
        },
        // No body: Node sends a POST ended without one with `Content-Length: 0`.
        null,
      );
      return await readResponse(response.message, this.redact);
    } catch (error) {
      const message = this.runStop.abortSignal.aborted
        ? 'request aborted: the run was cancelled'
        : abort.signal.aborted
          ? `no response within ${formatSeconds(timeoutMs)}`
          : `network error: ${this.redact(describeNetworkError(error))}`;
      return { kind: 'network', message };
    } finally {
      clearTimeout(timer);
      this.runStop.abortSignal.removeEventListener('abort', cancel);
    }
  }
}

function authHeaders(credentials: Credentials): http.OutgoingHttpHeaders {
  return credentials.kind === 'token'
    ? { authorization: `Bearer ${credentials.token}` }
    : { 'x-auth-email': credentials.email, 'x-auth-key': credentials.key };
}

/** The response as data; every text in it that may be shown has `redact` applied. */
async function readResponse(
  message: IncomingMessage,
  redact: (text: string) => string,
): Promise<HttpOutcome> {
  const status = message.statusCode ?? 0;
  const headers = message.headers as Headers;
  const ray = message.headers['cf-ray'];
  const rayId = typeof ray === 'string' && ray !== '' ? oneLine(redact(ray), 64) : undefined;
  const base = { kind: 'response' as const, status, headers, rayId };
  const body = await readCappedBody(message, MAX_BODY_BYTES);
  if (body === undefined) {
    return {
      ...base,
      bodyProblem: `body larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB, not read`,
    };
  }
  const envelope = parseEnvelope(body, redact);
  if (envelope !== undefined) return { ...base, envelope };
  const type = oneLine(redact(String(message.headers['content-type'] ?? 'no content type')), 60);
  return { ...base, bodyProblem: `body is not a Cloudflare API response (${type})` };
}

/** The body as text, or undefined (and the connection closed) once it passes `maxBytes`. */
function readCappedBody(message: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(message.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    message.destroy();
    return Promise.resolve(undefined);
  }
  // The first of these events settles the promise; a promise ignores the later ones.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        message.destroy();
        resolve(undefined);
      } else {
        chunks.push(chunk);
      }
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', reject);
    message.on('close', () => reject(new Error('connection closed before the body was complete')));
  });
}

function describeNetworkError(error: unknown): string {
  // Node's own errors come from another realm under some loaders, where instanceof says no.
  if (!(error instanceof Error) && !isNativeError(error)) return 'request failed';
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code)
    ? `${code}: ${error.message}`
    : error.message;
}
