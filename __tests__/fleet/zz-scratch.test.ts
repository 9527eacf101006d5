import { it } from '@jest/globals';
import { runFleet } from '../support/fleet-checks.js';
import { runAgainst, serverIds, startFake } from '../support/harness.js';

const ids = serverIds(800);
const tools = Array.from({ length: 30 }, (_, i) => `capability_number_${i + 1}`);
it('in-process', async () => {
  const fake = await startFake({ servers: ids.map((id) => ({ id, tools })) });
  const t0 = performance.now();
  await runFleet(fake, { 'server-id': '*', concurrency: '32' });
  console.log('IN-PROCESS', performance.now() - t0);
}, 60000);
it('bundle', async () => {
  const fake = await startFake({ servers: ids.map((id) => ({ id, tools })) });
  const t0 = performance.now();
  await runAgainst(fake, { 'server-id': '*', concurrency: '32' });
  console.log('BUNDLE', performance.now() - t0);
}, 60000);
