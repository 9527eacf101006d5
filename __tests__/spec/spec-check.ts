// Checks the requests a client sent to the fake Cloudflare API, and the fake's answers, against
// Cloudflare's OpenAPI document (spec/cloudflare-openapi/mcp.json). openapi-backend does the
// checking: it matches each request to an operation of the document, runs the operation's
// security requirements, validates path and query parameters, and validates an answer's JSON
// body against the schema the document gives for that operation and status.
import { readFileSync } from 'node:fs';
import { expect } from '@jest/globals';
import {
  OpenAPIBackend,
  type Context,
  type Document,
  type Request,
  type ValidationResult,
} from 'openapi-backend';
import type { RecordedRequest } from '../../scripts/fake-cloudflare-api.js';

const DOCUMENT = JSON.parse(
  readFileSync(new URL('../../spec/cloudflare-openapi/mcp.json', import.meta.url), 'utf8'),
) as Document;

export interface SpecReport {
  /** What breaks the document, one line each: `GET /client/v4/…: response 200: /result must be object`. */
  problems: string[];
  /** Answers the document says nothing about, so nothing could be checked: `GET …: response 429`. */
  unchecked: string[];
}

/** Asserts that every request, and every answer the document describes, follows the document. */
export async function expectConformsToSpec(requests: readonly RecordedRequest[]): Promise<void> {
  expect((await checkAgainstSpec(requests)).problems).toEqual([]);
}

export async function checkAgainstSpec(requests: readonly RecordedRequest[]): Promise<SpecReport> {
  const api = await specBackend();
  const report: SpecReport = { problems: [], unchecked: [] };
  for (const recorded of requests) {
    const where = `${recorded.method} ${recorded.url}`;
    const found = (await api.handleRequest(asRequest(recorded), recorded)) as SpecReport;
    report.problems.push(...found.problems.map((problem) => `${where}: ${problem}`));
    report.unchecked.push(...found.unchecked.map((what) => `${where}: ${what}`));
  }
  return report;
}

let backend: Promise<OpenAPIBackend> | undefined;

function specBackend(): Promise<OpenAPIBackend> {
  backend ??= new OpenAPIBackend({
    definition: DOCUMENT,
    // Paths of the document are relative to its server, `https://api.cloudflare.com/client/v4`.
    apiRoot: new URL(DOCUMENT.servers?.[0]?.url ?? '/', 'http://root').pathname,
    // Throws when the document itself is not valid OpenAPI.
    strict: true,
    // Every problem of a body, not only the first.
    ajvOpts: { allErrors: true },
    // openapi-backend ignores formats it does not know; these are the two the document uses.
    customizeAjv: (ajv) =>
      ajv
        .addFormat('date-time', isDateTime)
        .addFormat('uri', (value: string) => URL.canParse(value)),
    securityHandlers: Object.fromEntries(
      Object.entries(DOCUMENT.components?.securitySchemes ?? {}).map(([name, scheme]) => [
        name,
        credentialCheck(scheme as SecurityScheme),
      ]),
    ),
    handlers: {
      notFound: (): SpecReport => ({
        problems: ['no operation of the document takes this method and path'],
        unchecked: [],
      }),
      unauthorizedHandler: (context: Context, recorded: RecordedRequest): SpecReport => {
        const report = exchange(context, recorded);
        report.problems.unshift("request: no credentials that the operation's security accepts");
        return report;
      },
      validationFail: exchange,
      notImplemented: exchange,
    },
  }).init();
  return backend;
}

/** The request as openapi-backend takes it: the path with its query, as received. */
function asRequest(recorded: RecordedRequest): Request {
  return {
    method: recorded.method,
    path: recorded.url,
    headers: recorded.headers as Request['headers'],
    ...(recorded.requestBody ? { body: recorded.requestBody } : {}),
  };
}

type SecurityScheme =
  | { type: 'http'; scheme: string }
  | { type: 'apiKey'; in: string; name: string }
  | { type: string };

/** Whether a request carries the credential that a security scheme of the document names. */
function credentialCheck(scheme: SecurityScheme): (context: Context) => boolean {
  if (scheme.type === 'http' && 'scheme' in scheme && scheme.scheme.toLowerCase() === 'bearer') {
    return (context) => /^Bearer \S+$/.test(header(context, 'authorization'));
  }
  if (scheme.type === 'apiKey' && 'in' in scheme && scheme.in === 'header') {
    return (context) => header(context, scheme.name) !== '';
  }
  throw new Error(`security scheme of type ${scheme.type} is not checked here`);
}

function header(context: Context, name: string): string {
  const headers = context.request.headers as Record<string, unknown>;
  const value = headers[name.toLowerCase()];
  return typeof value === 'string' ? value : '';
}

/** Problems of a request that matched an operation, and of its answer. */
function exchange(context: Context, recorded: RecordedRequest): SpecReport {
  const { api, operation } = context;
  const report: SpecReport = { problems: [], unchecked: [] };
  // openapi-backend validates a request only once its credentials pass.
  const validation =
    (context.validation as ValidationResult | undefined) ??
    api.validateRequest(asRequest(recorded), operation);
  for (const error of validation.errors ?? []) {
    report.problems.push(`request: ${schemaError(error)}`);
  }
  // An operation without a requestBody takes none: the sync is a POST with no body.
  if (recorded.requestBody && operation.requestBody === undefined) {
    report.problems.push('request: a body, but the operation takes none');
  }
  const status = recorded.status;
  if (status === undefined) {
    report.unchecked.push('no answer');
    return report;
  }
  // The document describes only some statuses of each operation, all as JSON: no 401, 403, 429
  // or 5xx, and no HTML page. Other answers are beyond it, so they are listed, not checked.
  const documented = operation.responses?.[String(status)] as
    { content?: Record<string, unknown> } | undefined;
  const mediaType = (recorded.responseHeaders?.['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (documented?.content?.[mediaType] === undefined) {
    report.unchecked.push(`response ${status} ${mediaType}`);
    return report;
  }
  let body: unknown;
  try {
    body = JSON.parse(recorded.responseBody ?? '');
  } catch {
    report.problems.push(`response ${status}: the body is not JSON`);
    return report;
  }
  for (const error of api.validateResponse(body, operation, status).errors ?? []) {
    report.problems.push(`response ${status}: ${schemaError(error)}`);
  }
  return report;
}

/** `/result/status must be equal to one of the allowed values ["waiting","ready","stale","error"]` */
function schemaError(error: NonNullable<ValidationResult['errors']>[number]): string {
  const allowed: unknown = error.params.allowedValues;
  return [error.instancePath || '/', error.message ?? error.keyword]
    .concat(allowed === undefined ? [] : [JSON.stringify(allowed)])
    .join(' ');
}

/** RFC 3339 `date-time`, as OpenAPI 3.0 defines the format. */
function isDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}
