import { it } from '@jest/globals';
import { runInProcess } from '../support/fleet-checks.js';
import { startFake } from '../support/harness.js';

it('explore', async () => {
  const fake = await startFake({ servers: [{ id: 'a', tools: ['t1'] }, { id: 'b' }, { id: 'c' }] });
  const run = await runInProcess(fake, { 'server-id': 'a,b,c' });
  console.log(JSON.stringify({ ...run, requests: fake.requests.map((r) => `${r.method} ${r.url} ${r.status}`) }, null, 1));
});
