// Defensive readers for Cloudflare's v4 envelope and the MCP server objects inside it. Every field
// may be absent or of the wrong type; nothing here throws on any JSON shape.

export interface ApiMessage {
  code?: number;
  message: string;
}

/** What a list page says of the whole list; paging trusts these when present. */
export interface ResultInfo {
  perPage?: number;
  totalCount?: number;
  totalPages?: number;
}

export interface Envelope {
  success: boolean;
  errors: ApiMessage[];
  result: unknown;
  resultInfo?: ResultInfo;
}

export const SYNC_STATUSES = ['ready', 'waiting', 'stale', 'error'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export interface ErrorDetails {
  cause?: string;
  is_upstream?: boolean;
  mcp_code?: number;
  retryable?: boolean;
  status_code?: number;
}

export interface SyncResult {
  status?: SyncStatus;
  error?: string;
  errorDetails?: ErrorDetails;
}

export interface ServerSummary {
  id: string;
  tools?: string[];
  prompts?: string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numberField(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function booleanField(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * The v4 envelope in `text`, or undefined when the body is not one (HTML, truncated, other JSON).
 * `clean` is applied to every string in it, once JSON escapes are undone.
 */
export function parseEnvelope(
  text: string,
  clean: (value: string) => string = (value) => value,
): Envelope | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text, (_key, value: unknown) =>
      typeof value === 'string' ? clean(value) : value,
    );
  } catch {
    return undefined;
  }
  if (!isObject(body) || typeof body.success !== 'boolean') return undefined;
  const envelope: Envelope = {
    success: body.success,
    errors: parseMessages(body.errors),
    result: body.result,
  };
  if (isObject(body.result_info)) envelope.resultInfo = parseResultInfo(body.result_info);
  return envelope;
}

function parseMessages(value: unknown): ApiMessage[] {
  if (!Array.isArray(value)) return [];
  const messages: ApiMessage[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const message = stringField(item.message) ?? '';
    const code = numberField(item.code);
    if (message === '' && code === undefined) continue;
    messages.push(code === undefined ? { message } : { code, message });
  }
  return messages;
}

function parseResultInfo(info: Json): ResultInfo {
  return {
    perPage: numberField(info.per_page),
    totalCount: numberField(info.total_count),
    totalPages: numberField(info.total_pages),
  };
}

/** Cloudflare's own words for a failed call: `Authentication error (10000)`. */
export function describeApiErrors(errors: ApiMessage[]): string {
  return errors
    .map(({ code, message }) => (code === undefined ? message : `${message || 'error'} (${code})`))
    .join('; ');
}

export function parseSyncResult(result: unknown): SyncResult {
  if (!isObject(result)) return {};
  const sync: SyncResult = {};
  const status = stringField(result.status);
  if (status !== undefined && (SYNC_STATUSES as readonly string[]).includes(status)) {
    sync.status = status as SyncStatus;
  }
  const error = stringField(result.error);
  if (error !== undefined && error.trim() !== '') sync.error = error;
  const details = parseErrorDetails(result.error_details);
  if (details !== undefined) sync.errorDetails = details;
  return sync;
}

function parseErrorDetails(value: unknown): ErrorDetails | undefined {
  if (!isObject(value)) return undefined;
  const details: ErrorDetails = {};
  const cause = stringField(value.cause);
  if (cause !== undefined) details.cause = cause;
  const isUpstream = booleanField(value.is_upstream);
  if (isUpstream !== undefined) details.is_upstream = isUpstream;
  const mcpCode = numberField(value.mcp_code);
  if (mcpCode !== undefined) details.mcp_code = mcpCode;
  const retryable = booleanField(value.retryable);
  if (retryable !== undefined) details.retryable = retryable;
  const statusCode = numberField(value.status_code);
  if (statusCode !== undefined) details.status_code = statusCode;
  return Object.keys(details).length > 0 ? details : undefined;
}

/** An MCP server object as the read and list endpoints return it; undefined without a string id. */
export function parseServer(value: unknown): ServerSummary | undefined {
  if (!isObject(value)) return undefined;
  const id = stringField(value.id);
  if (id === undefined) return undefined;
  const server: ServerSummary = { id };
  const tools = capabilityNames(value.tools);
  if (tools !== undefined) server.tools = tools;
  const prompts = capabilityNames(value.prompts);
  if (prompts !== undefined) server.prompts = prompts;
  return server;
}

function capabilityNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names: string[] = [];
  for (const item of value) {
    const name =
      typeof item === 'string' ? item : isObject(item) ? stringField(item.name) : undefined;
    if (name !== undefined) names.push(name);
  }
  return names;
}
