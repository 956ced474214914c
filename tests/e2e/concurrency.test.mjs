// End to end: items run concurrently under a real, headless n8n (2.8.4, or 2.41.1 with E2E_N8N=latest; the engine contract of issue 9).
// A Code node makes 30 items; the mittwald node (Get Article, Order Extension) runs them against paced
// loopback servers (tests/support/paced-server.mjs, 127.0.0.1) that answer after a latency, count the
// requests in flight and check every request. Each scenario has its own server, so every count belongs to
// exactly one node. All workflows run in ONE n8n user folder (one credentials import, one workflow import,
// one `execute` per workflow), as tests/e2e/transport.test.mjs does.
// Run: `npm run build` (repo root), then `node --test tests/e2e/concurrency.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { declaredNode, runWorkflows, chainWorkflow, itemsNode, nodeDescription, outcomeOf, shown, textOf } from './n8n-harness.mjs';
import { startPacedServer, articleIds, customerIds, countBy, ORDER_PATH, PACED_TOKEN } from '../support/paced-server.mjs';
import { order, get, EXT } from '../support/fixtures.mjs';

const N = 30;
const LATENCY = 20;
const CONCURRENCY = 4;
/** The contract's default `concurrency`. */
const DEFAULT_CONCURRENCY = 32;
const K429 = 10;

const ARTICLES = articleIds(N);
const CUSTOMERS = customerIds(N);
const FAILING = new Map([
  [4, 500],
  [20, 404],
]);

const servers = {};
const outcomes = new Map(); // workflow id → { result, requests, stats }
let descriptor;

const WF = {
  concurrency4: 'e2eConcGetConc04',
  shuffled: 'e2eConcGetShuffl',
  continueOnFail: 'e2eConcGetCof001',
  pause429: 'e2eConcOrder4291',
};

function credentialFor(key) {
  return { id: `e2eConc${key.padEnd(9, '0')}`.slice(0, 16), name: `mittwald concurrency ${key} (e2e)` };
}

const mittwaldNode = (name, serverKey, parameters, extra = {}) =>
  declaredNode(descriptor, name, parameters, { mittwaldApi: credentialFor(serverKey) }, extra);

async function startServers() {
  servers.c4 = await startPacedServer({ latency: LATENCY });
  servers.shuffled = await startPacedServer({ latency: [1, 60], seed: 5 });
  servers.cof = await startPacedServer({
    latency: [5, 40],
    seed: 9,
    fail: Object.fromEntries([...FAILING].map(([i, status]) => [`/v2/articles/${ARTICLES[i]}`, status])),
  });
  servers.pause = await startPacedServer({ latency: LATENCY, once429At: K429, once429RetryAfter: 1 });
}

function workflows() {
  const articles = () => itemsNode('Articles', ARTICLES.map((articleId) => ({ articleId })));
  const getEach = get('={{ $json.articleId }}');
  return [
    chainWorkflow({
      id: WF.concurrency4,
      name: `e2e concurrency: ${N} Get Article items, Request Options → Concurrency ${CONCURRENCY}`,
      nodes: [articles(), mittwaldNode('Get Articles', 'c4', { ...getEach, requestOptions: { concurrency: CONCURRENCY } })],
    }),
    chainWorkflow({
      id: WF.shuffled,
      name: `e2e concurrency: ${N} Get Article items, default concurrency, answers in shuffled order`,
      nodes: [articles(), mittwaldNode('Get Articles', 'shuffled', getEach)],
    }),
    chainWorkflow({
      id: WF.continueOnFail,
      name: `e2e concurrency: ${N} Get Article items, two fail, continue on fail`,
      nodes: [articles(), mittwaldNode('Get Articles', 'cof', getEach, { onError: 'continueRegularOutput' })],
    }),
    chainWorkflow({
      id: WF.pause429,
      name: `e2e concurrency: ${N} orders, the server answers request #${K429} with 429 Retry-After: 1`,
      nodes: [
        itemsNode('Customers', CUSTOMERS.map((customerId) => ({ customerId }))),
        mittwaldNode('Order Each', 'pause', order({ customerId: '={{ $json.customerId }}' })),
      ],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------

before(
  async () => {
    descriptor = nodeDescription('mittwald');
    assert.ok(descriptor, 'the package has a mittwald node');

    await startServers();
    const credentials = Object.entries(servers).map(([key, srv]) => ({
      ...credentialFor(key),
      type: 'mittwaldApi',
      data: { apiToken: PACED_TOKEN, baseUrl: srv.url },
    }));

    await runWorkflows({
      workflows: workflows(),
      credentials,
      timeoutMs: 90_000,
      beforeExecute: () => {
        for (const srv of Object.values(servers)) srv.reset();
      },
      afterExecute: (result, wf) => {
        const requests = {};
        const stats = {};
        for (const [key, srv] of Object.entries(servers)) {
          requests[key] = srv.requests.slice();
          stats[key] = srv.stats();
        }
        outcomes.set(wf.id, { result, requests, stats });
      },
    });
  },
  { timeout: 10 * 60_000 },
);

after(async () => {
  await Promise.all(Object.values(servers).map((srv) => srv.close()));
});

const outcome = (id) => outcomeOf(outcomes, id);
const articleOf = (r) => r.articleId ?? decodeURIComponent(r.path.split('/').pop());
const customerOf = (r) => r.json?.customerId;

function assertSucceeded(result, nodeName) {
  assert.equal(
    result.code,
    0,
    `n8n exited with ${result.code}: ${textOf(result.error)}${nodeName && result.runData?.[nodeName] ? `\nnode: ${shown(result.nodeError(nodeName))}` : ''}\n${result.stdout.slice(-2000)}`,
  );
  assert.equal(result.status, 'success');
}

/** Output k is item k's answer (json[key] === ids[k]) and is paired with item k. */
function assertInInputOrder(items, ids, key) {
  assert.equal(items.length, ids.length, `one output per item, got ${items.length}`);
  assert.deepEqual(
    items.map((i) => i.pairedItem?.item),
    ids.map((_, k) => k),
    'pairedItem.item is the input index, in input order',
  );
  assert.deepEqual(
    items.map((i) => i.json[key]),
    ids,
    `output k carries item k's ${key}`,
  );
}

function assertOncePerItem(requests, ids, keyOf) {
  const counts = countBy(requests, keyOf);
  for (const id of ids) assert.equal(counts.get(id)?.all ?? 0, 1, `${id}: exactly one request, got ${shown(counts.get(id))}`);
  assert.equal(requests.length, ids.length, `no other requests: ${requests.length} for ${ids.length} items`);
}

// ---------------------------------------------------------------------------------------------------

test('the mittwald node offers Request Options → Concurrency, Items per Batch and Batch Interval (ms)', () => {
  const requestOptions = descriptor.properties.find((p) => p.name === 'requestOptions');
  assert.ok(requestOptions, 'the node declares "Request Options"');
  const byName = Object.fromEntries((requestOptions.options ?? []).map((o) => [o.name, o]));
  assert.equal(byName.concurrency?.displayName, 'Concurrency', shown(byName.concurrency));
  assert.equal(byName.batchSize?.displayName, 'Items per Batch', shown(byName.batchSize));
  assert.equal(byName.batchInterval?.displayName, 'Batch Interval (ms)', shown(byName.batchInterval));
  for (const o of [byName.concurrency, byName.batchSize, byName.batchInterval]) assert.equal(o.type, 'number', shown(o));
});

test(`Request Options → Concurrency ${CONCURRENCY}: more than 1 and at most ${CONCURRENCY} requests in flight, outputs in input order`, (t) => {
  const { result, requests, stats } = outcome(WF.concurrency4);
  assertSucceeded(result, 'Get Articles');
  const items = result.items('Get Articles');
  t.diagnostic(`max in flight ${stats.c4.maxInFlight}; n8n execute ${result.durationMs} ms`);
  assertInInputOrder(items, ARTICLES, 'articleId');
  assert.deepEqual(items[3].json, { articleId: ARTICLES[3], name: `Article ${ARTICLES[3]}` });
  assertOncePerItem(requests.c4, ARTICLES, articleOf);
  for (const r of requests.c4) assert.equal(r.headers['x-access-token'], PACED_TOKEN, 'n8n applied the credential');
  assert.ok(stats.c4.maxInFlight > 1, `requests overlap: max in flight ${stats.c4.maxInFlight}`);
  assert.ok(stats.c4.maxInFlight <= CONCURRENCY, `never above the node's Concurrency ${CONCURRENCY}: ${stats.c4.maxInFlight}`);
});

test('default concurrency, answers in shuffled order: outputs and pairedItem follow the input order', (t) => {
  const { result, requests, stats } = outcome(WF.shuffled);
  assertSucceeded(result, 'Get Articles');
  const items = result.items('Get Articles');
  const answered = [...requests.shuffled].sort((a, b) => a.answeredAt - b.answeredAt).map(articleOf);
  t.diagnostic(`max in flight ${stats.shuffled.maxInFlight}; answer order ${answered.slice(0, 10).join(' ')} …`);
  assert.ok(stats.shuffled.maxInFlight > 1, `requests overlap: max in flight ${stats.shuffled.maxInFlight}`);
  assert.ok(stats.shuffled.maxInFlight <= DEFAULT_CONCURRENCY, `at most ${DEFAULT_CONCURRENCY}: ${stats.shuffled.maxInFlight}`);
  assert.ok(answered.some((id, k) => id !== ARTICLES[k]), 'precondition: the server answered out of input order');
  assertInInputOrder(items, ARTICLES, 'articleId');
  assertOncePerItem(requests.shuffled, ARTICLES, articleOf);
});

test('continue on fail under concurrency: one output per item, the error items at their own index', () => {
  const { result, requests, stats } = outcome(WF.continueOnFail);
  assertSucceeded(result, 'Get Articles');
  assert.equal(result.nodeError('Get Articles'), null, 'the node itself did not fail');
  const items = result.items('Get Articles');
  assert.equal(items.length, N, `one output per item: ${items.length}`);
  items.forEach((item, i) => {
    assert.equal(item.pairedItem?.item, i, `output ${i} is paired with item ${i}`);
    if (FAILING.has(i)) {
      assert.equal(typeof item.json.error, 'string', `output ${i} is an error item: ${shown(item.json)}`);
      assert.equal(String(item.json.httpCode), String(FAILING.get(i)), `output ${i}: ${shown(item.json)}`);
      assert.ok(!('articleId' in item.json), `output ${i} carries no article`);
    } else {
      assert.equal(item.json.error, undefined, `output ${i}: ${shown(item.json)}`);
      assert.equal(item.json.articleId, ARTICLES[i], `output ${i} is item ${i}'s article`);
    }
  });
  assertOncePerItem(requests.cof, ARTICLES, articleOf);
  assert.ok(stats.cof.maxInFlight > 1, `ran concurrently: max in flight ${stats.cof.maxInFlight}`);
});

test(`a 429 (Retry-After: 1) at request #${K429} pauses the run; every order completes exactly once`, (t) => {
  const { result, requests, stats } = outcome(WF.pause429);
  assertSucceeded(result, 'Order Each');
  const items = result.items('Order Each');
  assertInInputOrder(items, CUSTOMERS, 'customerId');
  for (const item of items) {
    assert.equal(item.json.ordered, true, shown(item.json));
    assert.equal(item.json.extensionId, EXT);
  }

  const [limited] = stats.pause.rateLimited;
  assert.ok(limited, 'precondition: the server answered a 429');
  const posts = requests.pause;
  for (const r of posts) assert.equal(`${r.method} ${r.path}`, `POST ${ORDER_PATH}`);
  const limitedCustomer = customerOf(posts[K429 - 1]);
  const at = limited.at;
  const during = posts.filter((r) => r.arrival > at + 50 && r.arrival < at + 1000 - 50);
  const afterPause = posts.filter((r) => r.arrival >= at + 1000 - 50);
  t.diagnostic(`max in flight ${stats.pause.maxInFlight}; arrivals during the pause ${during.length}; first after +${(afterPause[0]?.arrival - at).toFixed(0)} ms`);
  assert.deepEqual(
    during.map((r) => `#${r.index} +${(r.arrival - at).toFixed(0)} ms`),
    [],
    'no order arrives while the run is paused (50 ms slack each side)',
  );
  assert.ok(afterPause.some((r) => customerOf(r) === limitedCustomer), 'the 429 order is sent again after the pause');

  const perCustomer = countBy(posts, customerOf);
  CUSTOMERS.forEach((id, i) => {
    const c = perCustomer.get(id);
    assert.equal(c?.ok, 1, `item ${i}: exactly one order accepted, got ${shown(c)}`);
    assert.equal(c.all, id === limitedCustomer ? 2 : 1, `item ${i}: POSTs ${shown(c.status)}`);
  });
  assert.ok(stats.pause.maxInFlight > 1, `ran concurrently: max in flight ${stats.pause.maxInFlight}`);
});
