// Defensive readers for Cloudflare's v4 envelope and the sync result inside it (server and portal
// objects are server-object.ts's). Every field may be absent or of the wrong type; nothing here
// throws on any JSON shape.

export interface ApiMessage {
  code?: number;
  message: string;
}

export interface Envelope {
  success: boolean;
  errors: ApiMessage[];
  result: unknown;
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
  /** `authentication_status`, should the answer carry the server's. */
  authenticationStatus?: string;
}

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `value` when it is one of `values`; a value this action does not know reads as absent. */
export function memberOf<T extends string>(values: readonly T[], value: unknown): T | undefined {
  return (values as readonly unknown[]).includes(value) ? (value as T) : undefined;
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
  // Without escapes, every string in the JSON is a piece of the text as it came: when cleaning
  // leaves the whole text alone, it would leave each string alone, so a list page of thousands
  // of strings is parsed without visiting each.
  const reviver =
    text.includes('\\') || clean(text) !== text
      ? (_key: string, value: unknown): unknown =>
          typeof value === 'string' ? clean(value) : value
      : undefined;
  try {
    body = JSON.parse(text, reviver);
  } catch {
    return undefined;
  }
  if (!isObject(body) || typeof body.success !== 'boolean') return undefined;
  const envelope: Envelope = {
    success: body.success,
    errors: parseMessages(body.errors),
    result: body.result,
  };
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

/** Cloudflare's own words for a failed call: `Authentication error (10000)`. */
export function describeApiErrors(errors: ApiMessage[]): string {
  return errors
    .map(({ code, message }) => (code === undefined ? message : `${message || 'error'} (${code})`))
    .join('; ');
}

/**
 * The sync's answer, or undefined when `result` is not one: an object with a known `status` or an
 * `error`. Anything else (`{}`, a list, a string) says nothing about the sync.
 */
export function parseSyncResult(result: unknown): SyncResult | undefined {
  if (!isObject(result)) return undefined;
  const sync: SyncResult = {};
  const status = memberOf(SYNC_STATUSES, result.status);
  if (status !== undefined) sync.status = status;
  const error = stringField(result.error);
  if (error !== undefined && error.trim() !== '') sync.error = error;
  const details = parseErrorDetails(result.error_details);
  if (details !== undefined) sync.errorDetails = details;
  const authentication = stringField(result.authentication_status);
  if (authentication !== undefined) sync.authenticationStatus = authentication;
  return sync.status === undefined && sync.error === undefined ? undefined : sync;
}

export function parseErrorDetails(value: unknown): ErrorDetails | undefined {
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
