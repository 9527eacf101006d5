// HTTP outcomes as the API client builds them, for the tests of the retry policy.
import type { HttpOutcome } from '../../src/api/cloudflare-api.js';
import { parseEnvelope } from '../../src/api/envelope.js';
import type { Headers } from '../../src/api/headers.js';

/**
 * A response whose body is `body` as JSON, or the raw text when a string is given: parsed as an
 * envelope when it is one, as the client parses every body.
 */
export function response(status: number, body?: unknown, headers: Headers = {}): HttpOutcome {
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? null);
  const envelope = parseEnvelope(text);
  return envelope === undefined
    ? { kind: 'response', status, headers, bodyProblem: 'not a v4 envelope' }
    : { kind: 'response', status, headers, envelope };
}
