// What a sync changed in the tools and prompts a server offers, and which of those changes could
// stop a client from working (the contract's "The sync of one server"). Pure: two readings in,
// the `changes` output out.
import { isObject } from '../api/envelope.js';
import type { Capability, Override, ServerState } from '../api/server-object.js';

export interface CapabilityChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface Changes {
  tools: CapabilityChanges;
  prompts: CapabilityChanges;
  breaking: string[];
}

/** What portal users are offered: upstream capabilities less those an override disables. */
export function offeredTools(state: ServerState): Capability[] {
  return offered(TOOLS, state);
}

export function offeredPrompts(state: ServerState): Capability[] {
  return offered(PROMPTS, state);
}

export function diffCapabilities(before: ServerState, after: ServerState): Changes {
  const tools = diffKind(TOOLS, before, after);
  const prompts = diffKind(PROMPTS, before, after);
  return {
    tools: tools.changes,
    prompts: prompts.changes,
    breaking: [...tools.breaking, ...prompts.breaking],
  };
}

/** Where tools and prompts differ: their fields in a reading, and what a client sends them. */
interface Kind {
  label: 'tool' | 'prompt';
  upstream(state: ServerState): Capability[];
  overrides(state: ServerState): Override[];
  portalOverrides(state: ServerState): Override[] | undefined;
  /** Breaking changes of the input alone; prompts' arguments are not judged by the contract. */
  inputBreaks?(before: Capability, after: Capability): string[];
}

const TOOLS: Kind = {
  label: 'tool',
  upstream: (state) => state.tools,
  overrides: (state) => state.toolOverrides,
  portalOverrides: (state) => state.portalToolOverrides,
  inputBreaks: (before, after) =>
    inputSchemaBreaks(parseTop(before.inputTop), parseTop(after.inputTop)),
};

const PROMPTS: Kind = {
  label: 'prompt',
  upstream: (state) => state.prompts,
  overrides: (state) => state.promptOverrides,
  portalOverrides: (state) => state.portalPromptOverrides,
};

function offered(kind: Kind, state: ServerState): Capability[] {
  const server = firstByName(kind.overrides(state));
  const portal = firstByName(kind.portalOverrides(state) ?? []);
  return [...firstByName(kind.upstream(state)).values()].filter((capability) => {
    if (server.get(capability.name)?.enabled === false) return false;
    const inPortal = portal.get(capability.name)?.enabled;
    return state.portalDefaultDisabled === true ? inPortal === true : inPortal !== false;
  });
}

/** By name, the first of each name: a repeated name in a reading is one capability. */
function firstByName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const item of items) if (!byName.has(item.name)) byName.set(item.name, item);
  return byName;
}

/** A breaking change, kept with the capability it is about so the list can be ordered by name. */
interface Break {
  name: string;
  message: string;
}

function diffKind(
  kind: Kind,
  before: ServerState,
  after: ServerState,
): { changes: CapabilityChanges; breaking: string[] } {
  const was = firstByName(offered(kind, before));
  const is = firstByName(offered(kind, after));
  const stillUpstream = new Set(kind.upstream(after).map((capability) => capability.name));
  const removed = [...was.keys()].filter((name) => !is.has(name)).sort(compareText);
  const changed: string[] = [];
  const breaks: Break[] = removed.map((name) => ({
    name,
    message: `${kind.label} ${name} ${stillUpstream.has(name) ? 'disabled by an override' : 'removed'}`,
  }));
  for (const [name, now] of is) {
    const old = was.get(name);
    if (old === undefined) continue;
    if (old.fingerprint === now.fingerprint) continue;
    changed.push(name);
    for (const message of kind.inputBreaks?.(old, now) ?? []) {
      breaks.push({ name, message: `${kind.label} ${name}: ${message}` });
    }
  }
  const alreadyDangling = new Set(danglingOverrides(kind, before).map((override) => override.name));
  for (const { name, alias } of danglingOverrides(kind, after)) {
    if (alreadyDangling.has(name)) continue;
    breaks.push({
      name,
      message: `${kind.label} override ${name} (alias ${alias}) names a ${kind.label} that no longer exists: Cloudflare drops the alias`,
    });
  }
  // A stable sort: a capability's removal comes before its input changes and its override.
  breaks.sort((a, b) => compareText(a.name, b.name));
  return {
    changes: {
      added: [...is.keys()].filter((name) => !was.has(name)).sort(compareText),
      removed,
      changed: changed.sort(compareText),
    },
    breaking: breaks.map((entry) => entry.message),
  };
}

/** Server overrides with an alias for a capability the upstream list lacks. */
function danglingOverrides(kind: Kind, state: ServerState): Override[] {
  const upstream = new Set(kind.upstream(state).map((capability) => capability.name));
  return [...firstByName(kind.overrides(state)).values()].filter(
    (override) => override.alias !== undefined && !upstream.has(override.name),
  );
}

/**
 * What in a tool's new input schema can reject a call the old one accepted, one message per
 * property, properties in order. Only the top level is judged, as the contract says.
 */
function inputSchemaBreaks(before: unknown, after: unknown): string[] {
  const old = schemaObject(before);
  const now = schemaObject(after);
  const oldProperties = schemaObject(old.properties);
  const newProperties = schemaObject(now.properties);
  const wasRequired = new Set(requiredNames(old));
  const newlyRequired = new Set(requiredNames(now).filter((name) => !wasRequired.has(name)));
  const names = [...new Set([...Object.keys(oldProperties), ...newlyRequired])].sort(compareText);
  const messages: string[] = [];
  for (const name of names) {
    if (Object.hasOwn(oldProperties, name)) {
      if (!Object.hasOwn(newProperties, name)) {
        messages.push(`input ${name} removed`);
      } else {
        const oldTypes = types(oldProperties[name]);
        const newTypes = types(newProperties[name]);
        if (narrows(oldTypes, newTypes)) {
          messages.push(
            `input ${name} changed type from ${typeText(oldTypes)} to ${typeText(newTypes)}`,
          );
        }
      }
    }
    if (newlyRequired.has(name)) messages.push(`input ${name} is now required`);
  }
  return messages;
}

/** A schema that is not an object (absent, `true`, malformed) is read as `{}`: anything goes. */
function schemaObject(value: unknown): Record<string, unknown> {
  return isObject(value) ? value : {};
}

function requiredNames(schema: Record<string, unknown>): string[] {
  const required = schema.required;
  return Array.isArray(required)
    ? required.filter((name): name is string => typeof name === 'string')
    : [];
}

/** The JSON types a property allows, or undefined when it allows any. */
function types(property: unknown): Set<string> | undefined {
  const type = schemaObject(property).type;
  const names = typeof type === 'string' ? [type] : Array.isArray(type) ? type : [];
  const allowed = new Set(names.filter((name): name is string => typeof name === 'string'));
  return allowed.size === 0 ? undefined : allowed;
}

/**
 * Whether a value of the old types may be refused by the new ones. Breaking is about clients that
 * stop working, so only narrowing counts: a property gaining a `type` where it had none is
 * breaking, losing it or gaining a type beside the old ones (`string` to `string|null`,
 * `integer` to `number`) is not.
 */
function narrows(old: Set<string> | undefined, now: Set<string> | undefined): boolean {
  if (now === undefined) return false;
  if (old === undefined) return true;
  return [...old].some((type) => !now.has(type) && !(type === 'integer' && now.has('number')));
}

function typeText(allowed: Set<string> | undefined): string {
  return allowed === undefined ? 'any' : [...allowed].sort(compareText).join('|');
}

/** A schema's top level as kept in a reading; none reads as `{}`: anything goes. */
function parseTop(text: string | undefined): unknown {
  return text === undefined ? {} : JSON.parse(text);
}

/** Code-unit order, the same on every machine (unlike localeCompare). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
