// Items run concurrently (the engine contract of issue 9): the built package against paced loopback
// servers (tests/support/paced-server.mjs) that answer after a latency, count the requests in flight,
// rate-limit like an API gateway and check every request they get. Every test drives the package's real
// mittwald operations (Get Article, Order Extension) through the plain-JS `execute`.
// Run: `npm run build`, then `node --test --test-concurrency=1 tests/js/concurrency.test.mjs`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { loadPackage, rejection } from '../support/harness.mjs';
import {
  startPacedServer,
  articleIds,
  customerIds,
  getArticleParams,
  orderParams,
  countBy,
  ORDER_PATH,
} from '../support/paced-server.mjs';
import { EXT } from '../support/fixtures.mjs';

const LATENCY = 20;
/** The contract's default `concurrency`. */
const DEFAULT_CONCURRENCY = 32;

let mp;
before(async () => {
  mp = await loadPackage();
  // the first call instantiates the module: keep that out of the timings below
  const srv = await startPacedServer();
  try {
    await mp.execute({ node: 'mittwald', parameters: getArticleParams(['WARM-UP']), credentials: srv.credentials() });
  } finally {
    await srv.close();
  }
});

async function server(t, options) {
  const srv = await startPacedServer(options);
  t.after(() => srv.close());
  return srv;
}

/** execute() for the mittwald node against `srv`, one parameter set per item. */
function run(srv, parameters, extra = {}) {
  return mp.execute({
    node: 'mittwald',
    parameters,
    items: parameters.map((p, i) => ({ json: { n: i } })),
    credentials: srv.credentials(),
    ...extra,
  });
}

async function timed(promise) {
  const t0 = performance.now();
  const value = await promise;
  return { value, ms: performance.now() - t0 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const shown = (v) => JSON.stringify(v)?.slice(0, 600);

/** Output k is item k's answer: `key` of its json equals ids[k], pairedItem.item = k. */
function assertInInputOrder(out, ids, key) {
  assert.ok(Array.isArray(out), `execute resolves to an array, got ${shown(out)}`);
  assert.equal(out.length, ids.length, `one output per item, got ${out.length}`);
  assert.deepEqual(
    out.map((o) => o.pairedItem),
    ids.map((_, i) => ({ item: i })),
    'pairedItem.item is the input index, in input order',
  );
  assert.deepEqual(
    out.map((o) => o.json[key]),
    ids,
    `output k carries item k's ${key}`,
  );
}

/** Every id was asked for exactly once. */
function assertOncePerItem(srv, ids, keyOf) {
  const counts = countBy(srv.requests, keyOf);
  for (const id of ids) assert.equal(counts.get(id)?.all ?? 0, 1, `${id}: exactly one request, got ${shown(counts.get(id))}`);
  assert.equal(srv.requests.length, ids.length, `no other requests: ${srv.requests.length} for ${ids.length} items`);
}

const articleOf = (r) => r.articleId ?? decodeURIComponent(r.path.split('/').pop());
const customerOf = (r) => r.json?.customerId;

// ---------------------------------------------------------------------------------------------------
// parallelism within the limit

test('default: 40 items at 20 ms run in parallel (>1, <= 32 in flight) in less than the sequential time', async (t) => {
  const srv = await server(t, { latency: LATENCY });
  const ids = articleIds(40);
  const { value: out, ms } = await timed(run(srv, getArticleParams(ids)));
  const sequential = ids.length * LATENCY;
  const { maxInFlight } = srv.stats();
  t.diagnostic(`40 items: ${ms.toFixed(0)} ms (sequential would take >= ${sequential} ms), max in flight ${maxInFlight}`);

  assertInInputOrder(out, ids, 'articleId');
  assert.deepEqual(out[7].json, { articleId: ids[7], name: `Article ${ids[7]}` });
  assertOncePerItem(srv, ids, articleOf);
  assert.ok(maxInFlight > 1, `requests overlap: max in flight ${maxInFlight}`);
  assert.ok(maxInFlight <= DEFAULT_CONCURRENCY, `at most the default concurrency (${DEFAULT_CONCURRENCY}) in flight, got ${maxInFlight}`);
  // The overlap above is the proof; the time only has to show it (a busy machine stretches both).
  assert.ok(ms < sequential, `took ${ms.toFixed(0)} ms, should be under the sequential ${sequential} ms`);
});

test('concurrency 5: more than 1 and never more than 5 requests in flight', async (t) => {
  const srv = await server(t, { latency: LATENCY });
  const ids = articleIds(40);
  const out = await run(srv, getArticleParams(ids), { concurrency: 5 });
  const { maxInFlight } = srv.stats();
  t.diagnostic(`max in flight ${maxInFlight}; in flight at each arrival: ${srv.requests.map((r) => r.inFlightAtArrival).join(',')}`);
  assertInInputOrder(out, ids, 'articleId');
  assertOncePerItem(srv, ids, articleOf);
  assert.ok(maxInFlight > 1, `requests overlap: max in flight ${maxInFlight}`);
  assert.ok(maxInFlight <= 5, `never above concurrency 5, got ${maxInFlight}`);
});

test('concurrency 5 with uneven latencies: a freed slot is refilled at once, not in waves of 5', async (t) => {
  const srv = await server(t, { latency: [1, 60], seed: 3 });
  const ids = articleIds(40);
  const out = await run(srv, getArticleParams(ids), { concurrency: 5 });
  assertInInputOrder(out, ids, 'articleId');
  const inFlight = srv.requests.map((r) => r.inFlightAtArrival);
  t.diagnostic(`in flight at each arrival: ${inFlight.join(',')}`);
  assert.ok(Math.max(...inFlight) <= 5, 'never above 5');
  // in waves, every 5th request would find the server idle (all of the previous wave answered)
  const idleStarts = inFlight.slice(5).filter((n) => n === 1).length;
  assert.ok(idleStarts <= 3, `after the start, a request should rarely find nothing else in flight: ${idleStarts} of ${inFlight.length - 5}`);
});

test('concurrency 1: strictly one request at a time, still every item in order', async (t) => {
  const srv = await server(t, { latency: 5 });
  const ids = articleIds(12);
  const out = await run(srv, getArticleParams(ids), { concurrency: 1 });
  assertInInputOrder(out, ids, 'articleId');
  assert.equal(srv.stats().maxInFlight, 1);
  assert.deepEqual(srv.requests.map(articleOf), ids, 'one after the other, in input order');
});

test('concurrency 100 is accepted (the top of the range)', async (t) => {
  const srv = await server(t, { latency: 5 });
  const ids = articleIds(10);
  const out = await run(srv, getArticleParams(ids), { concurrency: 100 });
  assertInInputOrder(out, ids, 'articleId');
});

// ---------------------------------------------------------------------------------------------------
// order

test('answers in shuffled order: outputs and pairedItem still follow the input order', async (t) => {
  const srv = await server(t, { latency: [1, 60], seed: 7 });
  const ids = articleIds(40);
  const out = await run(srv, getArticleParams(ids));
  const arrived = srv.requests.map(articleOf);
  const answered = [...srv.requests].sort((a, b) => a.answeredAt - b.answeredAt).map(articleOf);
  t.diagnostic(`answer order: ${answered.slice(0, 12).join(' ')} …`);
  assert.ok(!isDeepStrictEqual(answered, arrived), 'precondition: the server answered in another order than the requests came (they overlapped)');
  assert.ok(!isDeepStrictEqual(answered, ids), 'precondition: answers came out of input order');
  assertInInputOrder(out, ids, 'articleId');
  out.forEach((o, i) => assert.deepEqual(o.json, { articleId: ids[i], name: `Article ${ids[i]}` }, `output ${i}`));
  assertOncePerItem(srv, ids, articleOf);
});

// ---------------------------------------------------------------------------------------------------
// failures

test('continueOnFail under concurrency: exactly one output per item, each error item at its own index', async (t) => {
  const ids = articleIds(40);
  const failing = new Map([
    [3, 500],
    [17, 404],
    [31, 500],
  ]);
  const srv = await server(t, {
    latency: [5, 40],
    seed: 3,
    fail: Object.fromEntries([...failing].map(([i, status]) => [`/v2/articles/${ids[i]}`, status])),
  });
  const out = await run(srv, getArticleParams(ids), { continueOnFail: true });
  assert.equal(out.length, ids.length, `one output per item: ${out.length}`);
  out.forEach((o, i) => {
    assert.deepEqual(o.pairedItem, { item: i }, `output ${i} is paired with item ${i}`);
    if (failing.has(i)) {
      assert.equal(typeof o.json.error, 'string', `output ${i} is an error item: ${shown(o.json)}`);
      assert.equal(String(o.json.httpCode), String(failing.get(i)), `output ${i}: httpCode ${shown(o.json)}`);
      assert.ok(!('articleId' in o.json), `output ${i} carries no article: ${shown(o.json)}`);
    } else {
      assert.equal(o.json.error, undefined, `output ${i} is not an error: ${shown(o.json)}`);
      assert.equal(o.json.articleId, ids[i], `output ${i} is item ${i}'s article`);
    }
  });
  assertOncePerItem(srv, ids, articleOf); // 404 and 500 are not retried
  assert.ok(srv.stats().maxInFlight > 1, `ran concurrently: max in flight ${srv.stats().maxInFlight}`);
});

test('without continueOnFail a failure stops new items: far fewer than all are sent, the error names the item', async (t) => {
  const ids = articleIds(40);
  const srv = await server(t, { latency: LATENCY, fail: { [`/v2/articles/${ids[2]}`]: 500 } });
  const err = await rejection(run(srv, getArticleParams(ids)), 'a run with a failing item');
  const sentAtRejection = srv.requests.length;
  await sleep(150);
  t.diagnostic(`requests sent: ${sentAtRejection} of ${ids.length}: ${srv.requests.map(articleOf).join(' ')}`);
  assert.equal(Number(err.itemIndex), 2, `itemIndex: ${err.message}`);
  assert.equal(String(err.httpCode), '500');
  assert.ok(srv.requests.some((r) => articleOf(r) === ids[2]), 'the failing item was sent');
  assert.ok(sentAtRejection < ids.length / 2, `far fewer than all items were sent: ${sentAtRejection} of ${ids.length}`);
  assert.equal(srv.requests.length, sentAtRejection, 'nothing is sent after the run rejected');
  const perItem = countBy(srv.requests, articleOf);
  for (const [id, c] of perItem) assert.equal(c.all, 1, `${id} sent once`);
  assert.ok(!(Array.isArray(err.carriedOut) && err.carriedOut.length > 0), `reads are no side effects: carriedOut ${shown(err.carriedOut)}`);
});

test('without continueOnFail: the orders other items completed meanwhile are on the error (carriedOut)', async (t) => {
  const ids = customerIds(30);
  const FAIL = 6;
  const srv = await server(t, {
    latency: [10, 40],
    seed: 11,
    fail: (r) => (r.json?.customerId === ids[FAIL] ? 500 : null),
  });
  const err = await rejection(run(srv, orderParams(ids)), 'an order run with a failing item');
  await sleep(150);
  const posts = srv.requests.filter((r) => r.method === 'POST' && r.path === ORDER_PATH);
  assert.equal(posts.length, srv.requests.length, 'only orders were sent');
  const failed = posts.find((r) => customerOf(r) === ids[FAIL]);
  assert.ok(failed, 'the failing order was sent');
  assert.equal(failed.status, 500);
  const perCustomer = countBy(posts, customerOf);
  for (const [id, c] of perCustomer) assert.equal(c.all, 1, `customer ${id}: one POST, never repeated (${shown(c)})`);
  const orderedItems = posts.filter((r) => r.status === 201).map((r) => ids.indexOf(customerOf(r))).sort((a, b) => a - b);
  t.diagnostic(`orders sent ${posts.length}, done ${orderedItems.join(',')}; error: ${err.message} — ${err.description}`);

  assert.equal(Number(err.itemIndex), FAIL);
  assert.equal(String(err.httpCode), '500');
  assert.ok(posts.length < ids.length, `not every order was sent: ${posts.length}`);
  assert.ok(orderedItems.length >= 1, 'precondition: other orders completed before the failure');
  assert.ok(Array.isArray(err.carriedOut), `carriedOut is an array, got ${shown(err.carriedOut)}`);
  assert.deepEqual(
    err.carriedOut.map((c) => c.item).sort((a, b) => a - b),
    orderedItems,
    'carriedOut names exactly the items whose order the server accepted',
  );
  for (const c of err.carriedOut) {
    assert.equal(c.json?.ordered, true, `carried-out item ${c.item}: ${shown(c)}`);
    assert.equal(c.json?.customerId, ids[c.item], `carried-out item ${c.item} is that item's order`);
    assert.equal(c.json?.extensionId, EXT);
  }
  assert.match(err.description ?? '', /carried out before the run stopped/, `description: ${err.description}`);
  assert.match(err.description ?? '', new RegExp(`\\b${orderedItems[0]}\\b`), `the description names item ${orderedItems[0]}`);
  // no order goes out once the failure is known (allow for requests already on the wire)
  const lateArrivals = posts.filter((r) => r.arrival > failed.answeredAt + 50);
  assert.deepEqual(lateArrivals.map(customerOf), [], 'no order arrives after the failure was answered');
});

test('an invalid item (25 of 40) rejects the run before any request, also under concurrency', async (t) => {
  const srv = await server(t, { latency: LATENCY });
  const params = getArticleParams(articleIds(40));
  params[25] = { ...params[25], articleId: '' };
  const err = await rejection(run(srv, params));
  await sleep(100);
  assert.equal(srv.requests.length, 0, 'nothing was sent');
  assert.equal(err.kind, 'input');
  assert.equal(Number(err.itemIndex), 25);
});

// ---------------------------------------------------------------------------------------------------
// rate limits

test('a 429 with Retry-After: 1 mid-run pauses every item; every order then completes exactly once', async (t) => {
  const ids = customerIds(30);
  const K = 10;
  const srv = await server(t, { latency: LATENCY, once429At: K, once429RetryAfter: 1 });
  const { value: out, ms } = await timed(run(srv, orderParams(ids)));
  const [limited] = srv.stats().rateLimited;
  assert.ok(limited, 'precondition: the server answered a 429');
  const limitedRecord = srv.requests[K - 1];
  const limitedCustomer = customerOf(limitedRecord);
  const at = limited.at;
  const during = srv.requests.filter((r) => r.arrival > at + 50 && r.arrival < at + 1000 - 50);
  const afterPause = srv.requests.filter((r) => r.arrival >= at + 1000 - 50);
  t.diagnostic(
    `429 at ${at.toFixed(0)} ms (request #${K}, item ${ids.indexOf(limitedCustomer)}); ` +
      `arrivals during the pause: ${during.length}; first after: +${(afterPause[0]?.arrival - at).toFixed(0)} ms; run ${ms.toFixed(0)} ms`,
  );

  assertInInputOrder(out, ids, 'customerId');
  for (const o of out) assert.equal(o.json.ordered, true, shown(o.json));
  assert.deepEqual(
    during.map((r) => `#${r.index} +${(r.arrival - at).toFixed(0)} ms`),
    [],
    'no request arrives while the run is paused (Retry-After: 1, 50 ms slack each side)',
  );
  assert.ok(afterPause.length > 0, 'requests resume after the pause');
  // the request that got the 429 goes again first: before anything sent after the pause is answered
  const retry = afterPause.find((r) => customerOf(r) === limitedCustomer);
  assert.ok(retry, 'the 429 request is sent again after the pause');
  const firstAnswerAfter = Math.min(...afterPause.map((r) => r.answeredAt));
  assert.ok(retry.arrival <= firstAnswerAfter, `the 429 request is retried first (arrived +${(retry.arrival - at).toFixed(0)} ms)`);

  const perCustomer = countBy(srv.requests, customerOf);
  for (const [i, id] of ids.entries()) {
    const c = perCustomer.get(id);
    assert.equal(c?.ok, 1, `item ${i}: exactly one order accepted, got ${shown(c)}`);
    assert.equal(c.all, id === limitedCustomer ? 2 : 1, `item ${i}: POSTs ${shown(c.status)}`);
  }
  assert.ok(srv.stats().maxInFlight > 1, 'ran concurrently before and after the pause');
});

test('a leaky-bucket limit (burst 20, 4/s): 40 orders all complete, none fails, none is repeated', async (t) => {
  const ids = customerIds(40);
  const srv = await server(t, { latency: LATENCY, rateLimit: { burst: 20, perSecond: 4 } });
  const { value: out, ms } = await timed(run(srv, orderParams(ids)));
  const st = srv.stats();
  t.diagnostic(`40 orders in ${ms.toFixed(0)} ms, ${st.count429} answered 429, max in flight ${st.maxInFlight}, ${st.total} requests`);
  assert.ok(st.count429 > 0, 'precondition: the limit was hit');
  assertInInputOrder(out, ids, 'customerId');
  for (const o of out) {
    assert.equal(o.json.error, undefined, `no failed item: ${shown(o.json)}`);
    assert.equal(o.json.ordered, true);
  }
  const perCustomer = countBy(srv.requests, customerOf);
  for (const id of ids) assert.equal(perCustomer.get(id)?.ok, 1, `customer ${id}: exactly one order accepted (${shown(perCustomer.get(id))})`);
  assert.equal(st.byStatus[201], ids.length);
  assert.ok(st.maxInFlight <= DEFAULT_CONCURRENCY);
});

// ---------------------------------------------------------------------------------------------------
// batching

test('batchSize 5, batchInterval 200: requests come in groups of at most 5, >= 200 ms apart', async (t) => {
  const srv = await server(t, { latency: LATENCY });
  const ids = articleIds(20);
  const { value: out, ms } = await timed(run(srv, getArticleParams(ids), { batchSize: 5, batchInterval: 200 }));
  assertInInputOrder(out, ids, 'articleId');
  assertOncePerItem(srv, ids, articleOf);
  // Batches by the items they hold (arrival gaps alone split a batch when the machine is busy).
  const groups = [0, 1, 2, 3].map((k) => srv.requests.filter((r) => Math.floor(ids.indexOf(articleOf(r)) / 5) === k));
  t.diagnostic(`run ${ms.toFixed(0)} ms; groups: ${groups.map((g) => `[${g.map((r) => ids.indexOf(articleOf(r))).join(',')}] @${g[0].arrival.toFixed(0)}`).join(' ')}`);
  assert.deepEqual(groups.map((g) => g.length), [5, 5, 5, 5], 'four batches of five');
  groups.forEach((g, k) => {
    assert.ok(g.length <= 5, `batch ${k}: ${g.length} requests`);
    assert.deepEqual(
      g.map((r) => ids.indexOf(articleOf(r))).sort((a, b) => a - b),
      [0, 1, 2, 3, 4].map((j) => 5 * k + j),
      `batch ${k} holds items ${5 * k}..${5 * k + 4}`,
    );
  });
  for (let k = 1; k < groups.length; k++) {
    const prevDone = Math.max(...groups[k - 1].map((r) => r.answeredAt));
    const next = Math.min(...groups[k].map((r) => r.arrival));
    assert.ok(next - prevDone >= 190, `batch ${k} starts ${(next - prevDone).toFixed(0)} ms after batch ${k - 1} finished (>= 200)`);
  }
});

// ---------------------------------------------------------------------------------------------------
// options out of range

const BAD_PACE = [
  [{ concurrency: 0 }, /concurrency/, '0'],
  [{ concurrency: 101 }, /concurrency/, '101'],
  [{ concurrency: 2.5 }, /concurrency/, '2.5'],
  [{ concurrency: -1 }, /concurrency/, '-1'],
  [{ batchSize: -1 }, /batchSize/, '-1'],
  [{ batchSize: 100001 }, /batchSize/, '100001'],
  [{ batchInterval: -1 }, /batchInterval/, '-1'],
  [{ batchInterval: 3600001 }, /batchInterval/, '3600001'],
];

for (const [option, pattern, value] of BAD_PACE) {
  test(`${shown(option)} rejects before anything is sent, naming the option`, async (t) => {
    const srv = await server(t, { latency: 5 });
    const err = await rejection(run(srv, getArticleParams(articleIds(3)), option), shown(option));
    await sleep(50);
    assert.equal(srv.requests.length, 0, 'nothing was sent');
    assert.match(err.message, pattern, err.message);
    assert.ok(err.message.includes(value), `the message says what was given (${value}): ${err.message}`);
  });
}

test('concurrency 0 and 101: the message names pace.concurrency and the range', async (t) => {
  const srv = await server(t);
  for (const concurrency of [0, 101]) {
    const err = await rejection(run(srv, getArticleParams(articleIds(2)), { concurrency }));
    assert.match(err.message, /pace\.concurrency|concurrency/);
    assert.match(err.message, /1\D+100/, `names the range 1 to 100: ${err.message}`);
  }
  assert.equal(srv.requests.length, 0);
});
