// Defensive readers for the MCP server and portal objects of Cloudflare's API (`mcp_server`,
// `mcp_portal`, `mcp_portal_server` in its OpenAPI document). Tools and prompts are free-form
// objects there: a capability is whatever carries a string `name`; the rest is skipped, never
// thrown on.
import { SYNC_STATUSES, isObject, memberOf, parseErrorDetails, stringField } from './envelope.js';
import { canonicalJson, hashJson, intern, textByHash } from './fingerprint.js';
import type { ErrorDetails, SyncStatus } from './envelope.js';

export const AUTHENTICATION_STATUSES = [
  'not_required',
  'required',
  'connected',
  'stale',
  'manual',
] as const;
export type AuthenticationStatus = (typeof AUTHENTICATION_STATUSES)[number];

/** Said wherever `authentication_status: required` shows: no API call can do this for us. */
export const ADMIN_LOGIN_NEEDED =
  'an administrator must authenticate this MCP server in the Cloudflare dashboard (Zero Trust → Access → AI controls → MCP servers → the server → Authenticate) before it can sync';

/**
 * A tool or prompt as the upstream MCP server describes it, reduced to what the action asks of
 * it: its name, whether it changed, and for a tool, what a breaking change is judged by.
 */
export interface Capability {
  name: string;
  /** Hash of its description and its input (a tool's `inputSchema`, a prompt's `arguments`). */
  fingerprint: number;
  /**
   * The top level of a tool's input schema as canonical JSON: `type`, `required`, and each
   * property's `type`. Undefined when the schema is not an object.
   */
  inputTop?: string;
}

/** An override of one capability, by the server (`updated_tools`) or a portal. */
export interface Override {
  name: string;
  alias?: string;
  enabled?: boolean;
}

/** What one reading of a server says of it. */
export interface ServerState {
  id: string;
  status?: SyncStatus;
  authenticationStatus?: AuthenticationStatus;
  /** The server's last sync error, as the object reports it. */
  error?: string;
  errorDetails?: ErrorDetails;
  tools: Capability[];
  prompts: Capability[];
  /** Server-wide overrides; a portal reading adds that portal's on top (see `portalOverrides`). */
  toolOverrides: Override[];
  promptOverrides: Override[];
  /** A portal reading's own overrides of this server's capabilities. */
  portalToolOverrides?: Override[];
  portalPromptOverrides?: Override[];
  /** A portal reading: capabilities are off in the portal unless its override enables them. */
  portalDefaultDisabled?: boolean;
}

/** The id of a server object from a read, list or portal. */
export function serverIdOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  // A portal's entry names the server as `server_id`; its own `id` is the same id elsewhere.
  return stringField(value.server_id) ?? stringField(value.id);
}

/** A server object from a read, list or portal, or undefined without a usable id. */
export function parseServerState(value: unknown): ServerState | undefined {
  const id = serverIdOf(value);
  if (id === undefined || !isObject(value)) return undefined;
  // mcp_portal_server: `updated_tools` are the portal's, with the server's alias beside.
  const inPortal = stringField(value.server_id) !== undefined;
  const serverOverrides = (list: unknown): Override[] =>
    inPortal ? overrides(list, 'server_alias').filter(hasAlias) : overrides(list, 'alias');
  const state: ServerState = {
    id,
    tools: capabilities(value.tools, 'inputSchema'),
    prompts: capabilities(value.prompts, 'arguments'),
    toolOverrides: serverOverrides(value.updated_tools),
    promptOverrides: serverOverrides(value.updated_prompts),
  };
  const status = memberOf(SYNC_STATUSES, value.status);
  if (status !== undefined) state.status = status;
  const authentication = authenticationStatus(value.authentication_status);
  if (authentication !== undefined) state.authenticationStatus = authentication;
  const error = stringField(value.error);
  if (error !== undefined && error.trim() !== '') state.error = error;
  const details = parseErrorDetails(value.error_details);
  if (details !== undefined) state.errorDetails = details;
  if (inPortal) {
    state.portalToolOverrides = overrides(value.updated_tools, 'portal_alias');
    state.portalPromptOverrides = overrides(value.updated_prompts, 'portal_alias');
    if (value.default_disabled === true) state.portalDefaultDisabled = true;
  }
  return state;
}

export function authenticationStatus(value: unknown): AuthenticationStatus | undefined {
  return memberOf(AUTHENTICATION_STATUSES, value);
}

function hasAlias(override: Override): boolean {
  return override.alias !== undefined;
}

/** Where a capability's input is described: a tool's `inputSchema`, a prompt's `arguments`. */
export type InputField = 'inputSchema' | 'arguments';

function capabilities(value: unknown, inputField: InputField): Capability[] {
  if (!Array.isArray(value)) return [];
  const found: Capability[] = [];
  for (const item of value) {
    const capability = capabilityOf(item, inputField);
    if (capability !== undefined) found.push(capability);
  }
  return found;
}

/** A tool or prompt object as the API gives it, or undefined without a string `name`. */
export function capabilityOf(item: unknown, inputField: InputField): Capability | undefined {
  if (!isObject(item)) return undefined;
  const name = stringField(item.name);
  if (name === undefined || name === '') return undefined;
  const description = stringField(item.description);
  const input = item[inputField];
  const schema = inputField === 'inputSchema' ? input : undefined;
  const inputHash = hashJson(input);
  // Built whole in one literal: a field added later would move every capability's fields out
  // of the object into a separate array, a fifth more memory across a large fleet.
  return {
    name: intern(name),
    // Absent and null hash apart: `undefined` and `null` are different values to the hash.
    fingerprint: hashJson(description, inputHash),
    inputTop: isObject(schema)
      ? textByHash(inputHash, () => canonicalJson(inputTop(schema)))
      : undefined,
  };
}

/** What of a schema's top level a breaking change is judged by. */
function inputTop(schema: Record<string, unknown>): Record<string, unknown> {
  const top: Record<string, unknown> = {};
  if (schema.type !== undefined) top.type = schema.type;
  if (schema.required !== undefined) top.required = schema.required;
  if (isObject(schema.properties)) {
    // fromEntries, not assignment: a property named `__proto__` is a property like any other.
    top.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [
        name,
        isObject(property) && property.type !== undefined ? { type: property.type } : {},
      ]),
    );
  }
  return top;
}

function overrides(value: unknown, aliasField: string): Override[] {
  if (!Array.isArray(value)) return [];
  const found: Override[] = [];
  for (const item of value) {
    if (!isObject(item)) continue;
    const name = stringField(item.name);
    if (name === undefined || name === '') continue;
    const override: Override = { name };
    const alias = stringField(item[aliasField]);
    if (alias !== undefined && alias !== '') override.alias = alias;
    if (typeof item.enabled === 'boolean') override.enabled = item.enabled;
    found.push(override);
  }
  return found;
}

/** A portal object's id and its servers; undefined when it is not one. */
export function parsePortal(value: unknown): { id: string; servers: ServerState[] } | undefined {
  if (!isObject(value)) return undefined;
  const id = stringField(value.id);
  if (id === undefined || !Array.isArray(value.servers)) return undefined;
  const servers: ServerState[] = [];
  for (const item of value.servers as unknown[]) {
    const server = parseServerState(item);
    if (server !== undefined) servers.push(server);
  }
  return { id, servers };
}
