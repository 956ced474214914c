// End to end: transport safety (redirects and timeouts) under a real, headless n8n (2.8.4, or 2.41.1 with E2E_N8N=latest). The package's
// n8n adapter calls n8n's HTTP helpers with disableFollowRedirect and a per-attempt timeout; the module
// decides what a 3xx means. Each scenario gets its own loopback server (127.0.0.1), so every count below
// belongs to exactly one node; the redirect targets on "localhost" also listen on ::1 when there is one,
// so a request that goes there is counted whichever address "localhost" resolves to.
// All workflows run in ONE n8n user folder (one credentials import, one workflow import, one `execute`
// per workflow). Run: `npm run build` (repo root), then `node --test tests/e2e/transport.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { declaredNode, runWorkflows, triggerFanOutWorkflow, chainWorkflow, itemsNode, nodeDescription, outcomeOf, shown, textOf } from './n8n-harness.mjs';
import { startHostileServer, json, redirect, hang, ARTICLE, TOKENS } from '../support/hostile-server.mjs';
import { EXT, order, get } from '../support/fixtures.mjs';

const TIMEOUT_MS = 500;
const ORDER_PATH = `/v2/extensions/${EXT}/order`;
const ARTICLE_PATH = `/v2/articles/${ARTICLE.articleId}`;
/** a second extension id (well-formed uuid) whose order the server never answers */
const HANG_EXT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const HANG_ORDER_PATH = `/v2/extensions/${HANG_EXT}/order`;

const servers = {};
const outcomes = new Map(); // workflow id → { result, requests: { [server]: [...] } }
let descriptor;

// ---------------------------------------------------------------------------------------------------
// servers, credentials, nodes

/** One mittwald credential per server: id ≤ 16 chars, baseUrl = that server. */
function credentialFor(key) {
  return { id: `e2eTransp${key.padEnd(7, '0')}`.slice(0, 16), name: `mittwald transport ${key} (e2e)` };
}

const mittwaldNode = (name, serverKey, parameters, extra = {}) =>
  declaredNode(descriptor, name, parameters, { mittwaldApi: credentialFor(serverKey) }, extra);

const withTimeout = (parameters) => ({ ...parameters, requestOptions: { timeout: TIMEOUT_MS } });

/** A GET target that would answer 200 to anything: if it ever gets a request, that is the bug. */
const answersEverything = (req, res) => (req.method === 'GET' ? json(res, 200, ARTICLE) : json(res, 201, {}));

async function startServers() {
  // (1) Get Article: A answers 302 to localhost:B
  servers.b1 = await startHostileServer(answersEverything, { host: '127.0.0.1', ipv6: true });
  servers.a1 = await startHostileServer((req, res, r) => redirect(res, 302, `http://localhost:${servers.b1.port}${r.url}`));

  // (2a) Order Extension answered 302 to a same-origin URL that answers 200 to a GET
  servers.a2 = await startHostileServer((req, res, r) =>
    r.method === 'POST' ? redirect(res, 302, `${servers.a2.origin}/v2/landing`) : json(res, 200, { ordered: true, landed: true }),
  );
  // (2b) … 302 to another origin that answers 200 to a GET
  servers.b3 = await startHostileServer(answersEverything, { host: '127.0.0.1', ipv6: true });
  servers.a3 = await startHostileServer((req, res, r) =>
    r.method === 'POST' ? redirect(res, 302, `http://localhost:${servers.b3.port}/v2/landing`) : json(res, 200, { landed: true }),
  );
  // (2c) … 303 (see other) to a same-origin URL
  servers.a4 = await startHostileServer((req, res, r) =>
    r.method === 'POST' ? redirect(res, 303, `${servers.a4.origin}/v2/landing`) : json(res, 200, { landed: true }),
  );
  // (3) same-origin 307: the first POST is sent on, the second (to the new path) is answered 201
  servers.a5 = await startHostileServer((req, res, r) => {
    if (r.method === 'POST' && r.path === ORDER_PATH) return redirect(res, 307, `${servers.a5.origin}${ORDER_PATH}/again`);
    if (r.method === 'POST' && r.path === `${ORDER_PATH}/again`) return json(res, 201, {});
    return json(res, 404, { message: `unexpected ${r.method} ${r.path}` });
  });
  // (4) accepts, reads the request, never answers
  servers.a6 = await startHostileServer(hang);
  servers.a7 = await startHostileServer(hang);
  // (5) never answers the order of HANG_EXT, answers every other order
  servers.a8 = await startHostileServer((req, res, r) => (r.path === HANG_ORDER_PATH ? hang() : json(res, 201, {})));
}

// ---------------------------------------------------------------------------------------------------
// workflows

const WF = {
  crossOriginGet: 'e2eTrRedirGet001',
  orderSame302: 'e2eTrOrder302001',
  orderRedirects: 'e2eTrOrderRedir1',
  getTimeout: 'e2eTrTimeoutGet1',
  orderTimeout: 'e2eTrTimeoutOrd1',
  continueOnFail: 'e2eTrTimeoutCof1',
};

function workflows() {
  return [
    triggerFanOutWorkflow({
      id: WF.crossOriginGet,
      name: 'e2e transport: Get Article answered 302 to another origin',
      nodes: [mittwaldNode('Get Article', 'a1', get(ARTICLE.articleId))],
    }),
    triggerFanOutWorkflow({
      id: WF.orderSame302,
      name: 'e2e transport: Order Extension answered 302 (same origin)',
      nodes: [mittwaldNode('Order Extension', 'a2', order())],
    }),
    triggerFanOutWorkflow({
      id: WF.orderRedirects,
      name: 'e2e transport: Order Extension 302 to another origin, 303 same origin (continue on fail), 307 followed',
      nodes: [
        mittwaldNode('Order 302 Other Origin', 'a3', order(), { onError: 'continueRegularOutput' }),
        mittwaldNode('Order 303 Same Origin', 'a4', order(), { onError: 'continueRegularOutput' }),
        // last: it is the only node here that may stop the run
        mittwaldNode('Order 307 Same Origin', 'a5', order()),
      ],
    }),
    triggerFanOutWorkflow({
      id: WF.getTimeout,
      name: 'e2e transport: Get Article from a server that never answers',
      nodes: [mittwaldNode('Get Article', 'a6', withTimeout(get(ARTICLE.articleId)))],
    }),
    triggerFanOutWorkflow({
      id: WF.orderTimeout,
      name: 'e2e transport: Order Extension to a server that never answers',
      nodes: [mittwaldNode('Order Extension', 'a7', withTimeout(order()))],
    }),
    chainWorkflow({
      id: WF.continueOnFail,
      name: 'e2e transport: a timeout under continue-on-fail, then the next item',
      nodes: [
        itemsNode('Extensions', [{ extensionId: HANG_EXT }, { extensionId: EXT }]),
        mittwaldNode('Order Each', 'a8', withTimeout(order({ extensionId: '={{ $json.extensionId }}' })), {
          onError: 'continueRegularOutput',
        }),
      ],
    }),
  ];
}

// ---------------------------------------------------------------------------------------------------

before(
  async () => {
    descriptor = nodeDescription('mittwald');
    assert.ok(descriptor, 'the package has a mittwald node');
    assert.ok(
      descriptor.properties.some((p) => p.name === 'requestOptions' && p.options?.some((o) => o.name === 'timeout')),
      'the mittwald node declares the "Request Options" collection with "timeout"',
    );

    await startServers();
    const credentials = Object.entries(servers)
      .filter(([key]) => key.startsWith('a'))
      .map(([key, srv]) => ({ ...credentialFor(key), type: 'mittwaldApi', data: { apiToken: TOKENS.mittwald, baseUrl: srv.url } }));

    await runWorkflows({
      workflows: workflows(),
      credentials,
      timeoutMs: 90_000,
      beforeExecute: () => {
        for (const srv of Object.values(servers)) srv.reset();
      },
      afterExecute: (result, wf) => {
        const requests = {};
        for (const [key, srv] of Object.entries(servers)) requests[key] = srv.requests.slice();
        outcomes.set(wf.id, { result, requests });
      },
    });
  },
  { timeout: 10 * 60_000 },
);

after(async () => {
  await Promise.all(Object.values(servers).map((srv) => srv.close()));
});

const outcome = (id) => outcomeOf(outcomes, id);
const methods = (requests) => requests.map((r) => `${r.method} ${r.path}`);

/** The node failed (no continue-on-fail): n8n exits 1 and the node's run carries the error. */
function failedNode(result, nodeName) {
  assert.equal(result.code, 1, `n8n should exit 1 when the node fails; output: ${shown(result.runData?.[nodeName])}`);
  assert.equal(result.status, 'error');
  const error = result.nodeError(nodeName);
  assert.ok(error, `node "${nodeName}" should have failed; its run: ${shown(result.nodeRun(nodeName))}`);
  assert.equal(result.error?.node?.name, nodeName, 'the execution error names the node');
  return error;
}

function assertSucceeded(result) {
  assert.equal(result.code, 0, `n8n exited with ${result.code}: ${textOf(result.error)}\n${result.stdout.slice(-2000)}`);
  assert.equal(result.status, 'success');
}

/** An item that is the error item of continue-on-fail, not an order. */
function assertErrorItem(item, what) {
  assert.ok(item, `${what}: there is an output item`);
  assert.equal(typeof item.json.error, 'string', `${what}: an error item, got ${shown(item.json)}`);
  assert.notEqual(item.json.ordered, true, `${what}: never "ordered: true"`);
}

// ---------------------------------------------------------------------------------------------------
// (1) a credential never follows a redirect to another origin

test('Get Article answered 302 to localhost:<B>: B receives nothing, the node fails naming the other origin', () => {
  const { result, requests } = outcome(WF.crossOriginGet);
  const error = failedNode(result, 'Get Article');
  assert.match(error.message, /another origin/, textOf(error));
  assert.ok(textOf(error).includes(`http://localhost:${servers.b1.port}`), `the error names the target origin: ${textOf(error)}`);

  assert.deepEqual(requests.b1, [], `B received nothing (so no x-access-token either): ${shown(methods(requests.b1))}`);
  assert.ok(requests.a1.length >= 1, 'A was asked');
  for (const r of requests.a1) {
    assert.equal(r.method, 'GET');
    assert.equal(r.path, ARTICLE_PATH);
    assert.equal(r.headers['x-access-token'], TOKENS.mittwald, 'the request to A carried the credential');
  }
  assert.ok(!result.stdout.includes(TOKENS.mittwald), 'the token is not in n8n\'s output');
});

// ---------------------------------------------------------------------------------------------------
// (2) an order answered 302/303 is never turned into a GET and never reported as done

test('Order Extension answered 302 (same origin): the node fails, no GET is sent, it may have been carried out', () => {
  const { result, requests } = outcome(WF.orderSame302);
  const error = failedNode(result, 'Order Extension');
  assert.match(error.message, /answered POST with HTTP 302/, textOf(error));
  assert.match(textOf(error), /may have been carried out/, textOf(error));
  assert.equal(String(error.httpCode), '302', `httpCode: ${shown(error)}`);

  assert.deepEqual(methods(requests.a2), [`POST ${ORDER_PATH}`], 'exactly the one POST, no GET of the Location');
  assert.equal(requests.a2[0].headers['x-access-token'], TOKENS.mittwald);
  assert.equal(result.nodeRun('Order Extension').data, undefined, 'no output items');
});

test('Order Extension answered 302 to another origin (continue on fail): an error item, the other origin receives nothing', () => {
  const { result, requests } = outcome(WF.orderRedirects);
  assert.equal(result.nodeError('Order 302 Other Origin'), null, 'continue-on-fail: the node itself did not fail');
  const items = result.items('Order 302 Other Origin');
  assert.equal(items.length, 1, shown(items));
  assertErrorItem(items[0], '302 to another origin');
  assert.match(items[0].json.error, /another origin|answered POST with HTTP 302/, shown(items[0].json));
  assert.equal(items[0].json.reason, 'redirect', shown(items[0].json));

  assert.deepEqual(requests.b3, [], `the other origin received nothing: ${shown(methods(requests.b3))}`);
  assert.deepEqual(methods(requests.a3), [`POST ${ORDER_PATH}`], 'exactly the one POST, no GET');
});

test('Order Extension answered 303 (same origin, continue on fail): an error item, no GET of the Location', () => {
  const { result, requests } = outcome(WF.orderRedirects);
  const items = result.items('Order 303 Same Origin');
  assert.equal(items.length, 1, shown(items));
  assertErrorItem(items[0], '303 same origin');
  assert.match(items[0].json.error, /answered POST with HTTP 303/, shown(items[0].json));
  assert.match(items[0].json.description ?? '', /may have been carried out/, shown(items[0].json));
  assert.equal(String(items[0].json.httpCode), '303');
  assert.equal(items[0].json.reason, 'redirect');
  assert.equal(items[0].json.possiblyCarriedOut, true);
  assert.deepEqual(items[0].pairedItem, { item: 0 });

  assert.deepEqual(methods(requests.a4), [`POST ${ORDER_PATH}`], 'exactly the one POST, no GET');
});

// ---------------------------------------------------------------------------------------------------
// (3) a same-origin 307 keeps the method, the body and the credential

test('Order Extension answered 307 (same origin): the POST is repeated with the same body and token, and succeeds', () => {
  const { result, requests } = outcome(WF.orderRedirects);
  assertSucceeded(result);
  const items = result.items('Order 307 Same Origin');
  assert.equal(items.length, 1, shown(items));
  assert.equal(items[0].json.ordered, true, shown(items[0].json));
  assert.equal(items[0].json.extensionId, EXT);

  const posts = requests.a5;
  assert.deepEqual(methods(posts), [`POST ${ORDER_PATH}`, `POST ${ORDER_PATH}/again`]);
  assert.ok(posts[0].body.length > 0, 'the order has a body');
  assert.equal(posts[1].body, posts[0].body, 'identical bodies');
  assert.deepEqual(posts[0].json, { consentedScopes: ['project:read'], customerId: order().customerId });
  for (const r of posts) {
    assert.equal(r.headers['x-access-token'], TOKENS.mittwald, 'both carry the credential');
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  }
});

// ---------------------------------------------------------------------------------------------------
// (4) a server that never answers: the Request Options timeout ends the item

test(`Get Article from a server that never answers fails with "No answer … within ${TIMEOUT_MS} ms", well within the run`, (t) => {
  const { result, requests } = outcome(WF.getTimeout);
  const error = failedNode(result, 'Get Article');
  assert.match(error.message, new RegExp(`No answer from .* within ${TIMEOUT_MS} ms`), textOf(error));
  assert.ok(error.message.includes(servers.a6.origin), `the error names the server: ${error.message}`);
  assert.doesNotMatch(textOf(error), /connection to .* broke/, 'ended by the timeout, not by the server\'s 8 s safety cut');

  // a GET is retried like a lost answer (default policy: at most 3 retries)
  const n = requests.a6.length;
  assert.ok(n >= 1 && n <= 4, `1 to 4 GETs, got ${n}: ${shown(methods(requests.a6))}`);
  for (const r of requests.a6) assert.equal(`${r.method} ${r.path}`, `GET ${ARTICLE_PATH}`);
  assert.ok(result.durationMs < 45_000, `n8n execute took ${result.durationMs} ms`);
  t.diagnostic(`GET attempts: ${n}; n8n execute: ${result.durationMs} ms`);
});

test('Order Extension to a server that never answers: exactly one POST, fails saying it may have been carried out', (t) => {
  const { result, requests } = outcome(WF.orderTimeout);
  const error = failedNode(result, 'Order Extension');
  assert.match(error.message, new RegExp(`No answer from .* within ${TIMEOUT_MS} ms`), textOf(error));
  assert.match(textOf(error), /may have been carried out/, textOf(error));
  assert.deepEqual(methods(requests.a7), [`POST ${ORDER_PATH}`], 'exactly one POST: an order is never retried after a lost answer');
  assert.ok(result.durationMs < 30_000, `n8n execute took ${result.durationMs} ms`);
  t.diagnostic(`n8n execute: ${result.durationMs} ms`);
});

// ---------------------------------------------------------------------------------------------------
// (5) continue-on-fail: the timeout is an error item, the next item still runs

test('continue-on-fail: the timed-out order becomes an error item and the next item is still ordered', () => {
  const { result, requests } = outcome(WF.continueOnFail);
  assertSucceeded(result);
  assert.equal(result.nodeError('Order Each'), null, 'the node itself did not fail');
  const items = result.items('Order Each');
  assert.equal(items.length, 2, shown(items));
  assert.deepEqual(
    items.map((i) => i.pairedItem),
    [{ item: 0 }, { item: 1 }],
  );

  const [timedOut, ordered] = items;
  assertErrorItem(timedOut, 'item 0');
  assert.match(timedOut.json.error, new RegExp(`No answer from .* within ${TIMEOUT_MS} ms`), shown(timedOut.json));
  assert.match(timedOut.json.description ?? '', /may have been carried out/, shown(timedOut.json));
  assert.equal(timedOut.json.reason, 'timeout', shown(timedOut.json));
  assert.equal(timedOut.json.possiblyCarriedOut, true, shown(timedOut.json));

  assert.equal(ordered.json.ordered, true, shown(ordered.json));
  assert.equal(ordered.json.extensionId, EXT);

  assert.deepEqual(methods(requests.a8), [`POST ${HANG_ORDER_PATH}`, `POST ${ORDER_PATH}`], 'one POST per item, the hung one not repeated');
});
