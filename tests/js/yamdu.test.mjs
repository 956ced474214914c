// Webgate Yamdu: Create Order / Get Order against the stateful mock (tests/support/mock-yamdu.mjs), with
// "Wait Until Packed" polling through pending → packing → packed (or has_packing_errors / need_human).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, FAST_RETRY, rejection, httpCodeOf, assertNoSecrets, assertNamesItem, assertPaired, errorText } from '../support/harness.mjs';
import { yamduOrder } from '../support/fixtures.mjs';

const TOKEN = 'yamdu-Secret-Token-3Wq8Pn5Rv';
const ADMIN = 'adm-Oauth-Token-9Kd2Hs7Lm';
const SECRETS = [TOKEN, ADMIN];

const env = useMockMarketplace({ yamduToken: TOKEN });

const HASH_RE = /^[0-9a-f]{32}$/;
/** Fast but real pauses: 100 ms, then 150 ms, 225 ms, … */
const WAIT = Object.freeze({ waitUntilPacked: true, pollIntervalMs: 100, maxWaitSeconds: 5 });

const run = (parameters, extra = {}) =>
  env.mp.execute({ node: 'yamdu', parameters, credentials: { ...env.mock.credentials.yamdu }, retry: FAST_RETRY, ...extra });

/** The seed's example order, with `extra` on top. */
const create = yamduOrder;
const get = (orderHash, extra = {}) => ({ resource: 'order', operation: 'get', orderHash, ...extra });

const posts = () => env.mock.requestsFor('POST /api/orders');
const reads = () => env.mock.requestsFor('GET /api/orders/*');

/** Every request carries the bearer token; a POST is JSON. */
function assertRequestsAuthenticated() {
  for (const r of env.mock.requests) {
    assert.equal(r.headers.authorization, `Bearer ${TOKEN}`, `${r.method} ${r.path}`);
    assert.equal(r.rawQuery, '', `${r.method} ${r.path} has no query`);
    if (r.method === 'POST') assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  }
  assert.deepEqual(env.mock.errors, []);
}

test('Create Order posts {"order": {…}} once and returns the order out of its envelope', async () => {
  const out = await run(create());
  assert.equal(env.mock.requests.length, 1);
  const [r] = posts();
  assert.equal(r.path, '/api/orders');
  assert.deepEqual(r.body, {
    order: { product: 's', client_name: 'Constantin Film', project_name: 'OSD Yamdu Free', user_email: 'nicecustomer@gmx.com', user_login: 'custy1' },
  });
  assertRequestsAuthenticated();

  assertPaired(out, [0]);
  const order = out[0].json;
  assert.match(order.order_hash, HASH_RE);
  assert.equal(order.order_hash, env.mock.yamdu.orders[0].order_hash);
  assert.equal(order.product, 's');
  assert.equal(order.client_name, 'Constantin Film');
  assert.equal(order.status, null, 'the create answer as the seed shows it');
  for (const envelopeKey of ['status_message', 'info', 'data']) assert.ok(!(envelopeKey in order), `no ${envelopeKey}: ${JSON.stringify(order)}`);
});

test('Create Order: existing ids go out as integers; a free-text product by its name; the admin token is masked', async () => {
  const out = await run(
    create({
      product: 'custom',
      customProduct: 'Studio',
      client: 'existing',
      clientId: '17',
      clientName: undefined,
      project: 'existing',
      projectId: 4,
      projectName: undefined,
      userFirstName: 'Nice',
      userLastName: 'Customer',
      additionalFields: { adminAccessToken: ADMIN, redirectionUri: 'https://example.com/yamdu' },
    }),
  );
  assert.deepEqual(posts()[0].body.order, {
    product: 'Studio',
    client_id: 17,
    project_id: 4,
    user_email: 'nicecustomer@gmx.com',
    user_login: 'custy1',
    user_first_name: 'Nice',
    user_last_name: 'Customer',
    admin_user_access_token: ADMIN,
    redirection_uri: 'https://example.com/yamdu',
  });
  const order = out[0].json;
  assert.equal(order.admin_user_access_token, '[redacted]');
  assert.equal(order.client_id, 17);
  assertNoSecrets(out, SECRETS, 'create output');
});

test('Create Order: plain JS may leave the pickers out; a product alone is a valid order', async () => {
  await run({ resource: 'order', operation: 'create', product: 'Yamdu FREE' });
  await run({ resource: 'order', operation: 'create', product: 'm', clientId: 3, projectName: 'New one' });
  assert.deepEqual(
    posts().map((r) => r.body),
    [{ order: { product: 'Yamdu FREE' } }, { order: { product: 'm', client_id: 3, project_name: 'New one' } }],
  );
});

test('Get Order returns the order with its current state; each read moves the mock one state on', async () => {
  const [created] = await run(create());
  const hash = created.json.order_hash;
  const first = await run(get(hash));
  const second = await run(get(hash));
  assert.equal(first[0].json.state, 'pending');
  assert.equal(second[0].json.state, 'packing');
  assert.equal(second[0].json.order_hash, hash);
  assert.equal(second[0].json.packing_errors, null);
  assert.ok(!('data' in second[0].json));
  assert.deepEqual(reads().map((r) => r.path), [`/api/orders/${hash}`, `/api/orders/${hash}`]);
  assertRequestsAuthenticated();
});

test('Create and wait: one POST, then reads with growing pauses until packed', async () => {
  const out = await run(create(WAIT));
  assert.equal(posts().length, 1, 'the create is sent exactly once');
  const hash = env.mock.yamdu.orders[0].order_hash;
  const gets = reads();
  assert.deepEqual(gets.map((r) => r.path), [1, 2, 3].map(() => `/api/orders/${hash}`), 'pending, packing, packed');
  assert.ok(gets[1].time - gets[0].time >= 95, `first pause ≈ 100 ms, was ${gets[1].time - gets[0].time} ms`);
  assert.ok(gets[2].time - gets[1].time >= 145, `second pause ≈ 150 ms, was ${gets[2].time - gets[1].time} ms`);
  assertRequestsAuthenticated();

  assertPaired(out, [0]);
  const order = out[0].json;
  assert.equal(order.state, 'packed');
  assert.equal(order.order_hash, hash);
  assert.equal(order.client_name, 'Constantin Film');
  assert.ok(Number.isInteger(order.client_id) && Number.isInteger(order.project_id), 'packing created the client and project');
});

test('Get and wait: a packed order settles on the first read, without pausing', async () => {
  env.mock.yamdu.script(['packed']);
  const [created] = await run(create());
  const out = await run(get(created.json.order_hash, WAIT));
  assert.equal(out[0].json.state, 'packed');
  assert.equal(reads().length, 1);
});

test('has_packing_errors ends the wait with an error carrying packing_errors (and no admin token)', async () => {
  env.mock.yamdu.script(['pending', 'packing', 'has_packing_errors'], { packingErrors: `Project name taken; admin token ${ADMIN} has expired` });
  const err = await rejection(run(create({ ...WAIT, additionalFields: { adminAccessToken: ADMIN } })));
  const hash = env.mock.yamdu.orders[0].order_hash;
  assert.equal(err.message, `Yamdu could not pack order ${hash}`);
  // The order exists: the error says so first, then what Webgate said.
  assert.match(err.description, /^POST \/api\/orders was carried out before this step failed, so do not send it again/);
  assert.match(err.description, /\n\nProject name taken; admin token \[redacted\] has expired$/);
  assert.equal(err.created.data.order.order_hash, hash);
  assert.equal(err.possiblyCarriedOut, true);
  assert.equal(err.kind, 'api');
  assert.equal(err.itemIndex, 0);
  assert.equal(posts().length, 1);
  assert.equal(reads().length, 3);
  assertNoSecrets(errorText(err), SECRETS, 'packing error');
});

test('need_human fails by default, and is returned as is when asked to', async () => {
  env.mock.yamdu.script(['pending', 'need_human']);
  const err = await rejection(run(create(WAIT)));
  assert.match(err.message, /^Yamdu order [0-9a-f]{32} needs a human/);
  assert.match(err.description, /Get Order/);
  assert.equal(posts().length, 1);

  const out = await run(create({ ...WAIT, needHuman: 'return' }));
  assert.equal(out[0].json.state, 'need_human');
  assert.equal(posts().length, 2);
});

test('the wait is bounded: past Max Wait the error names the last state and the order', async () => {
  env.mock.yamdu.script(['pending', 'packing']);
  const started = Date.now();
  const err = await rejection(run(create({ ...WAIT, maxWaitSeconds: 1 })));
  const took = Date.now() - started;
  const hash = env.mock.yamdu.orders[0].order_hash;
  assert.equal(err.message, `Still packing (order ${hash}) after waiting 1 s`);
  assert.match(err.description, /Get/);
  assert.ok(took >= 1000 && took < 5000, `waited ${took} ms`);
  assert.equal(posts().length, 1, 'never re-sent');
  assert.equal(reads().length, 6, 'pauses 100 + 150 + 225 + 337 + 188 ms = 1 s between 6 reads');
});

test('continue on fail: a packing failure becomes that item\'s error item, the other item is packed', async () => {
  env.mock.yamdu.script(['has_packing_errors'], { packingErrors: 'No seats left' });
  const [failed] = await run(create());
  env.mock.yamdu.script(['packing', 'packed']);
  const [fine] = await run(create());
  const out = await run([get(failed.json.order_hash, WAIT), get(fine.json.order_hash, WAIT)], { continueOnFail: true });
  assertPaired(out, [0, 1]);
  assert.match(out[0].json.error, /could not pack/);
  assert.equal(out[0].json.description, 'No seats left');
  assert.equal(out[1].json.state, 'packed');
});

test('bad inputs are refused by label and item index before any request', async () => {
  const cases = [
    [create({ clientId: 5 }), /"Client Name" of item 1 cannot be given together with "Client ID"/],
    [{ resource: 'order', operation: 'create', product: 's', clientId: 5, clientName: 'A' }, /"Client Name" of item 1 cannot be given together/],
    [create({ project: 'existing', projectId: 9, projectName: undefined }), /"Client ID" of item 1 is required with an existing project/],
    [create({ project: 'existing', projectId: 9 }), /"Project Name" of item 1 cannot be given together with "Project ID"/],
    [create({ client: 'existing', clientName: undefined, clientId: 'ACME' }), /"Client ID" of item 1 must be a number, got "ACME"/],
    [create({ client: 'existing', clientName: undefined, clientId: 2.5 }), /"Client ID" of item 1 must be a whole number/],
    [create({ client: 'existing', clientName: undefined }), /"Client ID" of item 1 is required/],
    [create({ clientName: '' }), /"Client Name" of item 1 is required/],
    [create({ product: undefined }), /"Product" of item 1 is required/],
    [create({ product: 'Yamdu Free' }), /"Product" of item 1 must be one of .*"Yamdu FREE".*got "Yamdu Free"/],
    [create({ product: 'custom' }), /"Product Name" of item 1 is required/],
    [create({ userEmail: 'custy1' }), /"User E-Mail" of item 1 must be an e-mail address/],
    [create({ additionalFields: { redirectionUri: 'example.com' } }), /"Redirection URI" of item 1 must be an http\(s\) address/],
    [create({ ...WAIT, maxWaitSeconds: 0 }), /"Max Wait \(Seconds\)" of item 1 must be a whole number from 1 to 3600/],
    [create({ ...WAIT, needHuman: 'ignore' }), /"If a Human Is Needed" of item 1 must be one of/],
    [get('../../admin'), /"Order Hash" of item 1 must be hexadecimal/],
  ];
  for (const [bad, expected] of cases) {
    const err = await rejection(run([create(), bad]), JSON.stringify(bad));
    assert.match(err.message, expected, JSON.stringify(bad));
    assert.equal(err.kind, 'input');
    assertNamesItem(err, 1);
    assert.equal(env.mock.requests.length, 0, `nothing may be sent for ${JSON.stringify(bad)}`);
  }
});

test('a refused token: HTTP 401 in Yamdu\'s words, not retried, no secret in the error', async () => {
  const err = await rejection(run(create(), { credentials: { ...env.mock.credentials.yamdu, accessToken: 'wrong-token-1234' } }));
  assert.equal(err.message, 'Yamdu refused the access token (HTTP 401)');
  assert.match(err.description, /^Invalid or missing access token\nCheck the credential's Access Token/);
  assert.equal(httpCodeOf(err), '401');
  assert.equal(env.mock.requests.length, 1);
  assert.equal(env.mock.requests[0].authFailure, 'wrong token');
  assertNoSecrets(errorText(err), [...SECRETS, 'wrong-token-1234'], '401 error');
});

test('vendor validation errors come back field by field; an unknown order is a 404', async () => {
  const err = await rejection(run(create({ product: 'custom', customProduct: 'Yamdu ULTRA' })));
  assert.equal(err.message, 'Order is invalid');
  assert.match(err.description, /^product: is not an accepted product/);
  assert.equal(httpCodeOf(err), '422');
  assert.equal(posts().length, 1, 'a 422 is not retried');

  const missing = 'ffffffffffffffffffffffffffffffff';
  const notFound = await rejection(run(get(missing)));
  assert.equal(notFound.message, `Order ${missing} not found`);
  assert.equal(httpCodeOf(notFound), '404');
});

test('an admin token the vendor echoes in an error body stays out of the error', async () => {
  env.mock.failNext('POST /api/orders', {
    status: 500,
    body: { status: 500, status_message: 'Internal Server Error', info: '', data: { order: { product: 's', admin_user_access_token: ADMIN } } },
  });
  const err = await rejection(run(create({ additionalFields: { adminAccessToken: ADMIN } })));
  assert.equal(err.message, 'Internal Server Error');
  assert.match(err.description, /\[redacted\]/);
  assert.equal(posts().length, 1, 'a failed create is never sent again');
  assertNoSecrets(errorText(err), SECRETS, 'echoing vendor error');
});

test('the credential is a base URL plus a bearer token (password field)', async () => {
  const cred = (await env.mp.credentials()).find((c) => c.name === 'yamduApi');
  assert.deepEqual(cred.properties.map((p) => p.name), ['baseUrl', 'accessToken', 'noTest']);
  assert.equal(cred.properties[1].typeOptions?.password, true);
  const node = (await env.mp.nodes()).find((n) => n.name === 'yamdu');
  assert.deepEqual(node.credentials.map((c) => c.name), ['yamduApi']);
  const missing = await rejection(run(create(), { credentials: { baseUrl: env.mock.url } }));
  assert.match(missing.message, /Access Token/);
  assert.equal(env.mock.requests.length, 0);
});

test('an admin token the vendor repeats in its error message is redacted there too', async () => {
  env.mock.failNext('POST /api/orders', {
    status: 422,
    body: { status: 422, status_message: 'Unprocessable Entity', info: `admin token ${ADMIN} has expired`, data: {} },
  });
  const err = await rejection(run(create({ additionalFields: { adminAccessToken: ADMIN } })));
  assert.match(err.message, /admin token \[redacted\] has expired/);
  assertNoSecrets(errorText(err), SECRETS, 'vendor error message');
});
