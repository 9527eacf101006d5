import { it } from '@jest/globals';
import { apiError } from '../../scripts/fake-cloudflare-api.js';
import { runInProcess } from '../support/fleet-checks.js';
import { startFake, replyTo } from '../support/harness.js';

const show = (fake: any, run: any) => console.log(JSON.stringify({ exit: run.exitCode, stdout: run.stdout, outputs: run.outputs, summary: run.summary, requests: fake.requests.map((r: any) => `${r.method} ${r.url.replace(/.*mcp/, '')} ${r.status}`) }, null, 1));

it('list 500 always', async () => {
  const fake = await startFake({ servers: [{ id: 'a', tools: ['t1'] }, { id: 'b' }], intercept: replyTo('list', apiError(500, 1000, 'list down')) });
  show(fake, await runInProcess(fake, { 'server-id': 'a,b', 'max-attempts': '2' }));
});
it('list 403', async () => {
  const fake = await startFake({ servers: [{ id: 'a', tools: ['t1'] }, { id: 'b' }], intercept: replyTo('list', apiError(403, 10000, 'Authentication error')) });
  show(fake, await runInProcess(fake, { 'server-id': 'a,b', 'max-attempts': '2' }));
});
it('read 500 single', async () => {
  const fake = await startFake({ servers: [{ id: 'a', tools: ['t1'] }, { id: 'b' }], intercept: replyTo('read', apiError(500, 1000, 'read down')) });
  show(fake, await runInProcess(fake, { 'server-id': 'a', 'max-attempts': '2' }));
});
