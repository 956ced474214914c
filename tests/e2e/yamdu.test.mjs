// End to end: a real n8n (2.8.4; 2.41.1 with E2E_N8N=latest) runs one workflow whose Webgate Yamdu node creates an order and waits until
// the stateful mock has packed it (pending → packing → packed). The pauses between the reads are taken by
// n8n's own sleep helper (the shim hands it to the runtime as the host's sleep).
// Run: `npm run build` (repo root), then `node --test tests/e2e/yamdu.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runWorkflow, chainWorkflow, customType, nodeDescription } from './n8n-harness.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { yamduOrder } from '../support/fixtures.mjs';

const YAMDU_CRED = { id: 'e2eYamduCredent1', name: 'Yamdu (e2e)' };
const TOKEN = 'yamdu-e2e-Token-6Hj3Xc9Vb';
const ADMIN = 'adm-e2e-Token-2Fg7Qz4Np';
const NODE = 'Create and Wait';

const PARAMETERS = yamduOrder({
  additionalFields: { adminAccessToken: ADMIN },
  waitUntilPacked: true,
  maxWaitSeconds: 60,
  needHuman: 'error',
  pollIntervalMs: 200,
});

let mock;
let run; // { result, requests, orders }

before(
  async () => {
    const yamdu = nodeDescription('yamdu');
    for (const name of Object.keys(PARAMETERS)) {
      assert.ok(yamdu.properties.some((p) => p.name === name), `the yamdu node declares "${name}" (n8n drops undeclared parameters)`);
    }
    mock = await startMockMarketplace({ yamduToken: TOKEN });
    const workflow = chainWorkflow({
      id: 'e2eYamduWaitPack',
      name: 'e2e: Yamdu create and wait until packed',
      nodes: [{ name: NODE, type: customType('yamdu'), parameters: PARAMETERS, credentials: { yamduApi: YAMDU_CRED } }],
    });
    const credentials = [{ ...YAMDU_CRED, type: 'yamduApi', data: { ...mock.credentials.yamdu } }];
    const result = await runWorkflow({ workflow, credentials, beforeExecute: () => mock.reset() });
    run = { result, requests: mock.requests.slice(), orders: structuredClone(mock.yamdu.orders) };
  },
  { timeout: 10 * 60_000 },
);

after(async () => {
  if (mock) await mock.close();
});

test('n8n runs Create Order with Wait Until Packed to a packed order', () => {
  const { result, orders } = run;
  assert.equal(result.code, 0, `n8n exited with ${result.code}: ${result.error?.message ?? ''}\n${result.stdout.slice(-3000)}`);
  assert.equal(result.status, 'success');
  const items = result.items(NODE);
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].pairedItem, { item: 0 });
  const order = items[0].json;
  assert.equal(orders.length, 1);
  assert.equal(order.order_hash, orders[0].order_hash);
  assert.match(order.order_hash, /^[0-9a-f]{32}$/);
  assert.equal(order.state, 'packed');
  assert.equal(order.product, 's');
  assert.equal(order.client_name, 'Constantin Film');
  assert.equal(order.admin_user_access_token, '[redacted]');
  assert.ok(!('data' in order) && !('status_message' in order), 'the envelope is unwrapped');
});

test('one POST with the order, then reads of it until packed, paused by n8n in between', () => {
  const { requests, orders } = run;
  assert.deepEqual(
    requests.map((r) => `${r.method} ${r.path}`),
    ['POST /api/orders', ...[1, 2, 3].map(() => `GET /api/orders/${orders[0].order_hash}`)],
  );
  for (const r of requests) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
  assert.match(requests[0].headers['content-type'], /^application\/json/);
  assert.deepEqual(requests[0].body, {
    order: {
      product: 's',
      client_name: 'Constantin Film',
      project_name: 'OSD Yamdu Free',
      user_email: 'nicecustomer@gmx.com',
      user_login: 'custy1',
      admin_user_access_token: ADMIN,
    },
  });
  const gaps = [requests[2].time - requests[1].time, requests[3].time - requests[2].time];
  assert.ok(gaps[0] >= 190 && gaps[1] >= 290, `pauses of ≈ 200 ms and 300 ms between the reads, were ${gaps.join(' / ')} ms`);
  assert.ok(gaps[0] < 1500, `the First Pause setting reached the node (default would be 2 s), was ${gaps[0]} ms`);
});

test('neither the access token nor the admin token appears in the node output', () => {
  const output = JSON.stringify(run.result.items(NODE));
  for (const secret of [TOKEN, ADMIN]) assert.ok(!output.includes(secret), `${secret.slice(0, 4)}… leaked into the output`);
  assert.ok(!run.result.stdout.includes(TOKEN), 'the access token is not in n8n\'s output');
});
