// The fake Cloudflare API as the spec tests start and call it: on 127.0.0.1, with the fake's own
// account and token, stopped after each test. Kept apart from __tests__/support/harness.ts, which
// reaches into src/, so that these tests check the fake and the document whatever state the
// action is in.
import { afterEach } from '@jest/globals';
import {
  DEMO_ACCOUNT_ID,
  DEMO_TOKEN,
  FakeCloudflareApi,
  type FakeApiOptions,
} from '../../scripts/fake-cloudflare-api.js';

export const MCP_PATH = `/client/v4/accounts/${DEMO_ACCOUNT_ID}/access/ai-controls/mcp`;
export const SERVERS_PATH = `${MCP_PATH}/servers`;
export const PORTALS_PATH = `${MCP_PATH}/portals`;
export const BEARER: Readonly<Record<string, string>> = { authorization: `Bearer ${DEMO_TOKEN}` };

const started: FakeCloudflareApi[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((fake) => fake.stop()));
});

export async function startFake(options: FakeApiOptions = {}): Promise<FakeCloudflareApi> {
  const fake = new FakeCloudflareApi(options);
  started.push(fake);
  await fake.start();
  return fake;
}

export interface Exchange {
  status: number;
  text: string;
}

/** Sends `method path` (a path under /client/v4, as the fake records it) and reads the answer. */
export async function send(
  fake: FakeCloudflareApi,
  method: 'GET' | 'POST',
  path: string,
  { headers = BEARER, body }: { headers?: Record<string, string>; body?: string } = {},
): Promise<Exchange> {
  const root = new URL(fake.baseUrl);
  const response = await fetch(new URL(path, root.origin), {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}
