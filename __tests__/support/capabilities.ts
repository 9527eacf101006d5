// Capabilities as a reading holds them, built from the tool or prompt objects the API gives, the
// only way the action builds them.
import { capabilityOf, type Capability, type InputField } from '../../src/api/server-object.js';

function read(raw: { name: string; [field: string]: unknown }, field: InputField): Capability {
  const capability = capabilityOf(raw, field);
  if (capability === undefined) throw new Error(`not a capability: ${JSON.stringify(raw)}`);
  return capability;
}

/** A tool: its `inputSchema` is its input. */
export const toolOf = (raw: { name: string; [field: string]: unknown }): Capability =>
  read(raw, 'inputSchema');

/** A prompt: its `arguments` are its input. */
export const promptOf = (raw: { name: string; [field: string]: unknown }): Capability =>
  read(raw, 'arguments');
