import { it } from '@jest/globals';
import { annotations, baseInputs, startFake } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
it('dbg', async () => {
  const fake = await startFake({ servers: [{ id: 'slow-mcp', tools: ['a'], status: 'waiting' }, { id: 'stale-mcp', tools: ['a'], status: 'stale', authenticationStatus: 'stale' }] });
  const run = await runInProcess({ ...baseInputs(fake), 'server-id': 'slow-mcp,stale-mcp', 'dry-run': 'true' });
  console.log(run.exitCode, annotations(run, 'warning'), run.outputs);
});
