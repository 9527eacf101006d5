// Serves the demo scenario of the fake Cloudflare API until stopped:
//   npx tsx scripts/fake-api-cli.ts [--port 8787]
import { DEMO_ACCOUNT_ID, DEMO_TOKEN, FakeCloudflareApi } from './fake-cloudflare-api.js';
import { demoServers } from './demo-scenario.js';

const portFlag = process.argv.indexOf('--port');
const port = portFlag === -1 ? 8787 : Number(process.argv[portFlag + 1]);
const servers = demoServers();
const api = new FakeCloudflareApi({ servers });
const url = await api.start(port);
console.log(`fake Cloudflare API listening on ${url}`);
console.log(
  `account ${DEMO_ACCOUNT_ID}, token ${DEMO_TOKEN}, servers: ${servers.map((s) => s.id).join(', ')}`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void api.stop().then(() => process.exit(0)));
}
