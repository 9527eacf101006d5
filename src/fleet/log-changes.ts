// One log line per server whose capabilities changed, and one per breaking change, so that the
// log of a deploy says what portal users now see without opening the summary.
import type { CapabilityChanges } from '../server/capability-diff.js';
import type { ServerResult } from '../server/server-result.js';

export function logChanges(result: ServerResult, log: (line: string) => void): void {
  const { changes } = result;
  if (changes === null) return;
  const parts = [describe('tools', changes.tools), describe('prompts', changes.prompts)].filter(
    (part) => part !== '',
  );
  if (parts.length > 0) log(`${result.serverId}: ${parts.join('; ')}`);
  for (const change of changes.breaking) log(`${result.serverId}: breaking: ${change}`);
}

function describe(kind: string, changes: CapabilityChanges): string {
  const items = [
    ...changes.added.map((name) => `+${name}`),
    ...changes.removed.map((name) => `-${name}`),
    ...changes.changed.map((name) => `~${name}`),
  ];
  return items.length === 0 ? '' : `${kind} ${items.join(' ')}`;
}
