// AppDirect through the built library (pkg/): OAuth2 client-credentials tokens (fetched, cached, shared by
// concurrent items, fetched again once after a 401), companies, the subscription create → assign → cancel
// chain, Return All in both paging styles (billing start/count over bare arrays, account page/size over
// {content, page}), validation before sending, vendor errors, and the polling trigger (`poll()`), all
// against the checking mock in tests/support/mock-appdirect.mjs. Each test has a mock of its own (its own
// port, so the module's token cache starts empty for it); after each, nothing the library handed out (outputs,
// poll results, errors) may contain the client secret or any token the mock issued.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, FAST_RETRY, rejection, errorText, assertNoSecrets, assertPaired, httpCodeOf } from '../support/harness.mjs';
import { startMockAppDirect, APPDIRECT_CLIENT_ID, APPDIRECT_CLIENT_SECRET } from '../support/mock-appdirect.mjs';

const NODE = 'appDirect';
const TRIGGER = 'appDirectTrigger';
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

let mock = null;
/** Everything the library handed out in the current test (outputs, poll results, error texts). */
const seen = [];

async function start(options) {
  mock = await startMockAppDirect(options);
  seen.length = 0;
  return mock;
}

afterEach(async () => {
  if (!mock) return;
  try {
    assertNoSecrets(seen, [APPDIRECT_CLIENT_SECRET, ...mock.issued], 'what the library handed out');
    assert.deepEqual(mock.errors, [], 'the mock saw nothing it did not expect');
  } finally {
    await mock.close();
    mock = null;
  }
});

async function watched(promise) {
  try {
    const out = await promise;
    seen.push(out);
    return out;
  } catch (error) {
    seen.push(errorText(error));
    throw error;
  }
}

async function run(parameters, extra = {}) {
  const mp = await loadPackage();
  return watched(mp.execute({ node: NODE, parameters, credentials: { ...mock.credentials }, retry: FAST_RETRY, ...extra }));
}

async function poll(options = {}) {
  const mp = await loadPackage();
  assert.equal(typeof mp.poll, 'function', 'the library exports poll()');
  return watched(mp.poll({ node: TRIGGER, parameters: {}, credentials: { ...mock.credentials }, ...options }));
}

const createCompany = (fields) => ({ resource: 'Companies', operation: 'resource_Company_createCompany_POST', additionalFields: fields });
const listCompanies = (extra = {}) => ({ resource: 'Companies', operation: 'resource_Company_readAllCompanies_GET', returnAll: true, ...extra });
const listSubscriptions = (extra = {}) => ({ resource: 'Subscriptions', operation: 'resource_Subscription_readSubscriptions_GET', returnAll: true, ...extra });
const createSubscription = (companyId, userId, order) => ({
  resource: 'Subscriptions',
  operation: 'resource_Other_createSubscription_POST',
  companyId,
  userId,
  additionalFields: { order },
});
const assignUser = (subscriptionUuid, userUuid) => ({
  resource: 'SubscriptionAssignments',
  operation: 'resource_Subscription_createSubscriptionAssignment_POST',
  subscriptionUuid,
  userUuid,
});
const cancel = (subscriptionId) => ({ resource: 'Subscriptions', operation: 'resource_Subscription_cancelSubscription_DELETE', subscriptionId });
const ORDER = Object.freeze({ paymentPlanId: 7001, orderLines: [{ unit: 'USER', quantity: 3 }] });

function assertBearer(requests, token) {
  for (const r of requests) assert.equal(r.headers.authorization, `Bearer ${token}`, `${r.method} ${r.path}`);
}

// ---- tokens and companies ----------------------------------------------------------------------------

test('Create Company: one token request (Basic client id:secret, client-credentials form), then the POST with Bearer', async () => {
  await start();
  const out = await run(createCompany({ name: 'Acme GmbH', companySize: 'MEDIUM', externalId: 'acme-1' }));
  assertPaired(out, [0]);
  assert.equal(out[0].json.name, 'Acme GmbH');
  assert.ok(mock.isUuid(out[0].json.id), JSON.stringify(out[0].json));

  assert.equal(mock.requests.length, 2, mock.requests.map((r) => `${r.method} ${r.path}`).join(', '));
  const [tokenRequest, create] = mock.requests;
  assert.equal(tokenRequest.method, 'POST');
  assert.equal(tokenRequest.path, '/oauth2/token');
  assert.equal(tokenRequest.headers.authorization, basic(APPDIRECT_CLIENT_ID, APPDIRECT_CLIENT_SECRET));
  assert.match(tokenRequest.headers['content-type'], /^application\/x-www-form-urlencoded/);
  assert.equal(tokenRequest.rawBody, 'grant_type=client_credentials&scope=ROLE_PARTNER');
  assert.equal(tokenRequest.rawQuery, '');

  assert.equal(create.method, 'POST');
  assert.equal(create.path, '/api/account/v2/companies');
  assert.match(create.headers['content-type'], /^application\/json/);
  assert.deepEqual(create.body, { name: 'Acme GmbH', companySize: 'MEDIUM', externalId: 'acme-1' }, 'only the fields that were set');
  assertBearer([create], mock.issued[0]);
  assert.equal(mock.data.companies.at(-1).name, 'Acme GmbH');
});

test('a read-only scope asks for a token of its own; each scope keeps its token', async () => {
  await start();
  const mp = await loadPackage();
  const readOnly = { ...mock.credentials, scope: 'ROLE_PARTNER_READ' };
  await watched(mp.execute({ node: NODE, parameters: listCompanies(), credentials: readOnly }));
  await run(listCompanies());
  await watched(mp.execute({ node: NODE, parameters: listCompanies(), credentials: readOnly }));
  assert.deepEqual(mock.tokenRequests().map((r) => r.rawBody), [
    'grant_type=client_credentials&scope=ROLE_PARTNER_READ',
    'grant_type=client_credentials&scope=ROLE_PARTNER',
  ]);
  const reads = mock.apiRequests('GET');
  assert.deepEqual(reads.map((r) => r.token), [mock.issued[0], mock.issued[1], mock.issued[0]]);
});

// ---- the subscription chain ---------------------------------------------------------------------------

test('subscription chain: create (POST …/companies/{companyId}/users/{userId}/subscriptions) → assign → cancel', async () => {
  await start();
  const company = mock.data.companies[0].id;
  const user = mock.data.users[1].id;

  const [created] = await run(createSubscription(company, user, ORDER));
  const subscription = created.json.id;
  assert.ok(mock.isUuid(subscription), JSON.stringify(created.json));
  assert.equal(created.json.status, 'ACTIVE');
  const [post] = mock.apiRequests('POST');
  assert.equal(post.path, `/api/billing/v1/companies/${company}/users/${user}/subscriptions`);
  assert.equal(post.rawQuery, '');
  assert.deepEqual(post.body, { order: { paymentPlanId: 7001, orderLines: [{ unit: 'USER', quantity: 3 }] } });

  // n8n's resource-locator shape works as well as a plain id.
  const [assigned] = await run(assignUser({ __rl: true, mode: 'id', value: subscription }, user));
  assert.deepEqual(assigned.json.subscription, { id: subscription });
  assert.equal(assigned.json.user.id, user);
  const assign = mock.apiRequests('POST')[1];
  assert.equal(assign.path, `/api/account/v2/subscriptions/${subscription}/assignments/${user}`);
  assert.equal(assign.rawQuery, '');

  const [cancelled] = await run(cancel(subscription));
  assert.deepEqual(cancelled.json, { success: true }, 'the 204 answer');
  const [del] = mock.apiRequests('DELETE');
  assert.equal(del.path, `/api/billing/v1/subscriptions/${subscription}`);
  assert.equal(del.rawBody, '');
  assert.equal(mock.data.subscriptions.find((s) => s.id === subscription).status, 'CANCELLED');

  assert.equal(mock.tokenRequests().length, 1, 'the three calls share one token');
  assertBearer(mock.apiRequests(), mock.issued[0]);
  assert.deepEqual(mock.data.events.map((e) => e.type), ['SUBSCRIPTION_ORDER', 'USER_ASSIGNMENT', 'SUBSCRIPTION_CANCEL']);
});

test('order lines as the form holds them: entries whose fields sit in their Additional Fields; a bad one is named by its number before sending', async () => {
  await start();
  const company = mock.data.companies[0].id;
  const user = mock.data.users[1].id;
  const entries = (...lines) => ({ entry: lines.map((line) => ({ additionalFields: line })) });
  const order = { paymentPlanId: 7001, orderLines: entries({ unit: 'USER', quantity: 3 }, { unit: 'GIGABYTE', quantity: 50 }) };
  await run(createSubscription(company, user, order));
  const [post] = mock.apiRequests('POST');
  assert.deepEqual(post.body.order.orderLines, [{ unit: 'USER', quantity: 3 }, { unit: 'GIGABYTE', quantity: 50 }]);

  const bad = { paymentPlanId: 7001, orderLines: entries({ unit: 'USER', quantity: 3 }, { unit: 'USER', quantity: 'three' }) };
  const err = await rejection(run(createSubscription(company, user, bad)));
  assert.equal(err.message, 'Parameter "Order › Order Lines 2 › Quantity" of item 0 must be a number, got "three"');
  assert.equal(mock.apiRequests('POST').length, 1, 'nothing was sent for the bad order');
});

test('AppDirect errors in its own words: a 404 [{code, message}] names the missing user; nothing is created', async () => {
  await start();
  const missing = '05e70000-0000-4000-8000-00000000dead';
  const err = await rejection(run(createSubscription(mock.data.companies[0].id, missing, ORDER)));
  assert.equal(err.name, 'NodeExecutionError');
  assert.equal(err.kind, 'api');
  assert.equal(httpCodeOf(err), '404');
  assert.match(err.message, new RegExp(`User ${missing} not found \\(NOT_FOUND\\)`));
  assert.equal(mock.apiRequests('POST').length, 1, 'a create is not repeated');
  assert.equal(mock.data.subscriptions.length, 7);
});

// ---- Return All ---------------------------------------------------------------------------------------

test('Return All, billing style: start/count over bare arrays, every subscription once, in order', async () => {
  await start({ seed: { subscriptions: 230 } });
  const out = await run(listSubscriptions());
  assert.deepEqual(out.map((o) => o.json.id), mock.data.subscriptions.map((s) => s.id));
  const pages = mock.apiRequests('GET');
  assert.ok(pages.length >= 3, `230 subscriptions take at least 3 pages, saw ${pages.length}`);
  const count = Number(pages[0].query.count[0]);
  assert.ok(count > 0 && count <= 100, `count=${count}`);
  for (const r of pages) {
    assert.equal(r.path, '/api/billing/v1/subscriptions');
    assert.deepEqual(Object.keys(r.query).sort(), ['count', 'start'], r.rawQuery);
    assert.equal(Number(r.query.count[0]), count, 'the same page size throughout');
    assert.equal(Number(r.query.start[0]) % count, 0, `start=${r.query.start[0]}`);
  }
  const starts = pages.map((r) => Number(r.query.start[0])).sort((a, b) => a - b);
  assert.deepEqual(starts.slice(0, 3), [0, count, 2 * count]);
  assert.equal(new Set(starts).size, starts.length, 'no page is read twice');
  assert.equal(mock.tokenRequests().length, 1);
  assertBearer(pages, mock.issued[0]);
});

test('Return All off: Limit asks for that many (count) and stops', async () => {
  await start({ seed: { subscriptions: 230 } });
  const out = await run(listSubscriptions({ returnAll: false, limit: 5, additionalFields: { status: 'ACTIVE' } }));
  assert.deepEqual(out.map((o) => o.json.id), mock.data.subscriptions.slice(0, 5).map((s) => s.id));
  const pages = mock.apiRequests('GET');
  assert.equal(pages.length, 1);
  assert.deepEqual(pages[0].query, { count: ['5'], start: ['0'], status: ['ACTIVE'] });
});

test('Return All, account style: page/size over {content, page{totalPages}}, every company once, with the filter on every page', async () => {
  await start({ seed: { companies: 230 } });
  const out = await run(listCompanies());
  assert.deepEqual(out.map((o) => o.json.id), mock.data.companies.map((c) => c.id));
  const pages = mock.apiRequests('GET');
  const size = Number(pages[0].query.size[0]);
  const expectedPages = Math.ceil(230 / size);
  assert.ok(expectedPages >= 2, `size=${size}`);
  assert.deepEqual(pages.map((r) => Number(r.query.page[0])).sort((a, b) => a - b), [...Array(expectedPages).keys()], 'pages 0 … totalPages-1, none beyond');
  for (const r of pages) {
    assert.equal(r.path, '/api/account/v2/companies');
    assert.deepEqual(Object.keys(r.query).sort(), ['page', 'size']);
    assert.equal(Number(r.query.size[0]), size);
  }

  // A filter goes along on every page.
  mock.requests.length = 0;
  mock.data.companies.push(...Array.from({ length: 150 }, (_, i) => ({ id: `0c0a0000-0000-4000-8000-1${String(i).padStart(11, '0')}`, name: `Globex ${i}` })));
  const filtered = await run(listCompanies({ additionalFields: { name: 'Globex' } }));
  const wanted = mock.data.companies.filter((c) => c.name.includes('Globex'));
  assert.ok(wanted.length > size, `the filter still spans several pages (${wanted.length})`);
  assert.deepEqual(filtered.map((o) => o.json.id), wanted.map((c) => c.id));
  const filteredPages = mock.apiRequests('GET');
  assert.ok(filteredPages.length >= 2);
  for (const r of filteredPages) assert.deepEqual(r.query.name, ['Globex']);
});

// ---- tokens: concurrency, refusal ----------------------------------------------------------------------

test('20 concurrent items wait for one token request; the next call reuses the token', async () => {
  await start({ tokenDelayMs: 150 });
  const parameters = Array.from({ length: 20 }, (_, i) => createCompany({ name: `Concurrent ${i}` }));
  const out = await run(parameters);
  assertPaired(out, [...Array(20).keys()]);
  assert.deepEqual(out.map((o) => o.json.name), parameters.map((p) => p.additionalFields.name), 'in input order');
  assert.equal(mock.tokenRequests().length, 1, 'exactly one token request for 20 items');
  const posts = mock.apiRequests('POST');
  assert.equal(posts.length, 20, 'each company created once');
  assertBearer(posts, mock.issued[0]);
  const issuedAt = mock.tokenRequests()[0].time;
  assert.ok(posts.every((r) => r.time >= issuedAt), 'no API request before the token');

  await run(listCompanies());
  assert.equal(mock.tokenRequests().length, 1, 'the cached token serves the next call');
});

test('a 401 with a revoked token: one new token request, the request repeated once, and it succeeds', async () => {
  await start();
  await run(listCompanies());
  const before = mock.data.companies.length;
  mock.revokeTokens();
  mock.requests.length = 0;

  const out = await run(createCompany({ name: 'After Revocation' }));
  assert.equal(out[0].json.name, 'After Revocation');
  assert.deepEqual(
    mock.requests.map((r) => `${r.method} ${r.path} ${r.authFailure ?? 'ok'}`),
    ['POST /api/account/v2/companies revoked token', 'POST /oauth2/token ok', 'POST /api/account/v2/companies ok'],
  );
  assert.equal(mock.requests[0].token, mock.issued[0]);
  assert.equal(mock.requests[2].token, mock.issued[1]);
  assert.equal(mock.data.companies.length, before + 1, 'created once: the refused request was not carried out');
});

test('a token refused again after a fresh one is one clear error, not a loop', async () => {
  await start();
  mock.failNext('GET /api/account/v2/companies', 401, [{ code: 'UNAUTHORIZED', message: 'Token revoked' }], 10);
  const err = await rejection(run(listCompanies()));
  assert.equal(httpCodeOf(err), '401');
  assert.match(err.message, /AppDirect refused the token: Token revoked/);
  assert.equal(mock.tokenRequests().length, 2, 'the first token and one fresh one');
  assert.equal(mock.apiRequests().length, 2, 'the request and its one repetition');
});

test('a wrong client secret: one token request for five items, no API request, an error without the secret', async () => {
  await start();
  const wrong = 'ad-Wrong-Secret-Qq55Rt';
  const mp = await loadPackage();
  const credentials = { ...mock.credentials, clientSecret: wrong };
  const err = await rejection(
    watched(mp.execute({ node: NODE, parameters: Array.from({ length: 5 }, (_, i) => createCompany({ name: `C${i}` })), credentials, retry: FAST_RETRY })),
  );
  assert.match(err.message, /Bad client credentials|invalid_client/);
  assert.equal(mock.tokenRequests().length, 1);
  assert.equal(mock.apiRequests().length, 0);
  assertNoSecrets(errorText(err), [wrong], 'the error');
});

// ---- validation before sending --------------------------------------------------------------------------

test('bad input sends nothing, not even a token request', async () => {
  await start();
  const noId = await rejection(run(cancel('')));
  assert.equal(noId.kind, 'input');
  assert.match(`${noId.message} ${noId.description ?? ''}`, /Subscription ID/);

  // The second item lacks its user: the first, valid one is not sent either.
  const company = mock.data.companies[0].id;
  const missingUser = await rejection(run([createSubscription(company, mock.data.users[0].id, ORDER), createSubscription(company, '', ORDER)]));
  assert.equal(missingUser.kind, 'input');
  assert.equal(Number(missingUser.itemIndex), 1);

  const badJson = await rejection(run(createSubscription(company, mock.data.users[0].id, '{"paymentPlanId": 7001,')));
  assert.equal(badJson.kind, 'input');
  assert.match(`${badJson.message} ${badJson.description ?? ''}`, /Order/);

  assert.deepEqual(mock.requests, [], 'nothing was sent for any of them');

  // An id is one path segment: `../x?y` cannot change the route (the mock answers 404 for that subscription).
  const traversal = await rejection(run(cancel('../companies?x=1')));
  assert.equal(httpCodeOf(traversal), '404');
  const [del] = mock.apiRequests('DELETE');
  assert.equal(del.path, '/api/billing/v1/subscriptions/..%2Fcompanies%3Fx%3D1');
  assert.equal(del.rawQuery, '');
});

// ---- secrets ----------------------------------------------------------------------------------------------

test('a vendor echoing the client secret: masked in outputs and in errors', async () => {
  await start();
  mock.failNext('POST /api/account/v2/companies', 201, () => ({ id: 'c-echo', note: `client ${APPDIRECT_CLIENT_SECRET}`, basic: basic(APPDIRECT_CLIENT_ID, APPDIRECT_CLIENT_SECRET) }));
  const [echoed] = await run(createCompany({ name: 'Echo' }));
  assert.equal(echoed.json.id, 'c-echo');
  assert.match(echoed.json.note, /^client \[redacted\]$/);
  mock.failNext('POST /api/account/v2/companies', 400, () => [{ code: 'BAD', message: `secret ${APPDIRECT_CLIENT_SECRET}` }]);
  const err = await rejection(run(createCompany({ name: 'Echo' })));
  assert.equal(httpCodeOf(err), '400');
  assert.match(err.message, /secret \[redacted\]/);
  // afterEach checks `seen` (the output and the error) against the secret and every issued token.
});

// The runtime fetched this token itself (plain JS), so it knows it: an echo of it (an API that repeats the
// Authorization header, a debug field) should be masked like the credential's own values.
test('a vendor echoing the access token: masked in outputs and in errors', async () => {
  await start();
  mock.failNext('POST /api/account/v2/companies', 201, (r) => ({ id: 'c-echo', seen: r.headers.authorization }));
  mock.failNext('POST /api/account/v2/companies', 400, (r) => [{ code: 'BAD', message: `header was ${r.headers.authorization}` }]);
  const mp = await loadPackage();
  const credentials = { ...mock.credentials };
  const out = await mp.execute({ node: NODE, parameters: createCompany({ name: 'Echo' }), credentials });
  const err = await rejection(mp.execute({ node: NODE, parameters: createCompany({ name: 'Echo' }), credentials }));
  assertNoSecrets(out, mock.issued, 'the output');
  assertNoSecrets(errorText(err), mock.issued, 'the error');
});

// ---- the trigger ------------------------------------------------------------------------------------------

const T0 = 1_800_000_000_000;
const EVENTS = '/api/channel/v1/events';

/** A first poll's request: the newest events by the marketplace's own clock (page 0, newest first, no fromDate). */
function assertLatestRequest(r, type) {
  assert.equal(r.method, 'GET');
  assert.equal(r.path, EVENTS);
  assert.deepEqual(Object.keys(r.query).sort(), type === undefined ? ['page', 'size', 'sortOrder'] : ['page', 'size', 'sortOrder', 'type'], r.rawQuery);
  assert.deepEqual(r.query.sortOrder, ['DESC'], r.rawQuery);
  assert.deepEqual(r.query.page, ['0'], r.rawQuery);
  assert.ok(Number(r.query.size[0]) > 0, r.rawQuery);
  if (type !== undefined) assert.deepEqual(r.query.type, [type], r.rawQuery);
}

/** A later poll's page: from `fromDate` (inclusive), oldest first. */
function assertSinceRequest(r, fromDate) {
  assert.equal(r.method, 'GET');
  assert.equal(r.path, EVENTS);
  assert.deepEqual(r.query.fromDate, [String(fromDate)], r.rawQuery);
  assert.deepEqual(r.query.sortOrder, ['ASC'], r.rawQuery);
  assert.ok(Number(r.query.size[0]) > 0, r.rawQuery);
}

/** A state, its ids in a fixed order (their order carries no meaning). */
const stateOf = (state) => ({ newest: state.newest, ids: [...state.ids].sort() });

test('trigger: the first poll emits nothing; it asks for the newest events (DESC, no fromDate) and starts after them', async () => {
  await start();
  mock.addEvent('SUBSCRIPTION_ORDER', {}, T0 - 60_000);
  mock.addEvent('SUBSCRIPTION_CHANGE', {}, T0 - 30_000);
  const x = mock.addEvent('USER_ASSIGNMENT', {}, T0 - 1_000);
  const y = mock.addEvent('SUBSCRIPTION_CANCEL', {}, T0 - 1_000);
  // The host's clock is a day behind the marketplace's: it is not where the trigger starts.
  const first = await poll({ now: T0 - 86_400_000 });
  assert.deepEqual(first.items, []);
  assert.deepEqual(stateOf(first.state), { newest: T0 - 1_000, ids: [x.uuid, y.uuid].sort() }, 'the newest time and every event at exactly that time');
  assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), ['POST /oauth2/token', `GET ${EVENTS}`], 'the token, then one events request');
  assertLatestRequest(mock.requests[1]);
  assertBearer(mock.apiRequests(), mock.issued[0]);

  // Nothing happened since: the next poll asks from that time on and emits nothing.
  const second = await poll({ now: T0, state: first.state });
  assert.deepEqual(second.items, []);
  assert.deepEqual(stateOf(second.state), stateOf(first.state));
  assert.equal(mock.apiRequests('GET').length, 2);
  assertSinceRequest(mock.apiRequests('GET')[1], T0 - 1_000);
});

test('trigger: no event at all: the first state is {newest: 0, ids: []}, and the next poll emits every event created since', async () => {
  await start();
  const first = await poll({ now: T0 });
  assert.deepEqual(first.items, []);
  assert.deepEqual(first.state, { newest: 0, ids: [] });
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0]);

  // Everything there is now is new, whatever its time says.
  const b = mock.addEvent('USER_ASSIGNMENT', { n: 'b' }, T0 + 2_000);
  const a = mock.addEvent('SUBSCRIPTION_ORDER', { n: 'a' }, T0 + 1_000);
  const old = mock.addEvent('SUBSCRIPTION_CHANGE', { n: 'old' }, 1_000);
  const second = await poll({ now: T0 + 10_000, state: first.state });
  assert.deepEqual(second.items.map((e) => e.uuid), [old, a, b].map((e) => e.uuid), 'all of them, oldest first');
  assert.deepEqual(second.state, { newest: T0 + 2_000, ids: [b.uuid] });
  assert.equal(mock.apiRequests('GET').length, 2);
  assertSinceRequest(mock.apiRequests('GET')[1], 0);

  const third = await poll({ now: T0 + 20_000, state: second.state });
  assert.deepEqual(third.items, [], 'once emitted, not again');
});

test('trigger: events after the first poll come oldest first, each once; a poll with nothing new returns nothing', async () => {
  await start();
  const existing = mock.addEvent('SUBSCRIPTION_ORDER', { n: 'existing' }, T0);
  const { items: none, state: s1 } = await poll({ now: T0 });
  assert.deepEqual(none, []);
  assert.deepEqual(s1, { newest: T0, ids: [existing.uuid] }, 'the first poll starts at the newest event there is');
  assertLatestRequest(mock.apiRequests('GET')[0]);

  // By design the watermark is a time: an event that turns up later with a time before it is never emitted.
  const late = mock.addEvent('SUBSCRIPTION_ORDER', { n: 'late' }, T0 - 5_000);
  const c = mock.addEvent('SUBSCRIPTION_CANCEL', { n: 'C' }, T0 + 3_000);
  const a = mock.addEvent('SUBSCRIPTION_ORDER', { n: 'A' }, T0 + 1_000);
  const b1 = mock.addEvent('USER_ASSIGNMENT', { n: 'B1' }, T0 + 2_000);
  const b2 = mock.addEvent('USER_ASSIGNMENT', { n: 'B2' }, T0 + 2_000);
  // Another event in the first poll's newest millisecond: new, so emitted (the one already there is not).
  const tie = mock.addEvent('SUBSCRIPTION_NOTICE', { n: 'tie' }, T0);

  const second = await poll({ now: T0 + 10_000, state: s1 });
  assert.deepEqual(second.items.map((e) => e.uuid), [tie, a, b1, b2, c].map((e) => e.uuid), 'oldest first, nothing the first poll saw');
  assert.ok(!second.items.some((e) => e.uuid === late.uuid), 'an event older than the start is not emitted, even if it turns up later');
  assert.deepEqual(second.items[1], a, 'the event as the service gave it');
  assert.deepEqual(second.state, { newest: T0 + 3_000, ids: [c.uuid] });
  const reads = mock.apiRequests('GET');
  assert.equal(reads.length, 2, 'one page for the first poll, one for the second');
  assertSinceRequest(reads[1], T0);
  assert.deepEqual(reads[1].query.page, ['0']);
  assert.equal(reads[1].query.type, undefined, 'no type filter');
  assert.equal(mock.tokenRequests().length, 1);
  assertBearer(mock.apiRequests(), mock.issued[0]);

  mock.requests.length = 0;
  const third = await poll({ now: T0 + 20_000, state: second.state });
  assert.deepEqual(third.items, [], 'nothing new');
  assertSinceRequest(mock.apiRequests('GET')[0], T0 + 3_000);

  // A late event in the same millisecond as the newest one, and a later one: each once.
  const d = mock.addEvent('SUBSCRIPTION_CHANGE', { n: 'D' }, T0 + 3_000);
  const e = mock.addEvent('SUBSCRIPTION_NOTICE', { n: 'E' }, T0 + 4_000);
  const fourth = await poll({ now: T0 + 30_000, state: third.state });
  assert.deepEqual(fourth.items.map((x) => x.uuid), [d.uuid, e.uuid]);
  const fifth = await poll({ now: T0 + 40_000, state: fourth.state });
  assert.deepEqual(fifth.items, []);
  assert.equal(mock.issued.length, 1, 'every poll reuses the token');
});

test('trigger: 120 new events span several pages and all arrive, in order', async () => {
  await start();
  mock.addEvent('SUBSCRIPTION_NOTICE', { n: 'existing' }, T0);
  const { items: none, state } = await poll({ now: T0 });
  assert.deepEqual(none, []);
  assert.equal(state.newest, T0);
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0]);

  const added = Array.from({ length: 120 }, (_, i) => mock.addEvent(i % 2 ? 'USER_ASSIGNMENT' : 'SUBSCRIPTION_ORDER', { i }, T0 + 1_000 + i));
  const { items, state: next } = await poll({ now: T0 + 10_000, state });
  assert.deepEqual(items.map((x) => x.uuid), added.map((x) => x.uuid));
  assert.deepEqual(next, { newest: T0 + 1_119, ids: [added.at(-1).uuid] });
  const reads = mock.apiRequests('GET').slice(1);
  assert.ok(reads.length >= 2, `several pages, saw ${reads.length}`);
  const pages = reads.map((r) => Number(r.query.page[0])).sort((x, y) => x - y);
  assert.deepEqual(pages.slice(0, 2), [0, 1]);
  assert.equal(new Set(pages).size, pages.length, 'no page is read twice');
  for (const r of reads) assertSinceRequest(r, T0);
});

test('trigger: one event type goes to the service as type=…; several are filtered after reading', async () => {
  await start();
  mock.addEvent('SUBSCRIPTION_NOTICE', {}, T0);
  const { state } = await poll({ now: T0 });
  assertLatestRequest(mock.apiRequests('GET')[0]);
  mock.addEvent('SUBSCRIPTION_ORDER', {}, T0 + 1);
  mock.addEvent('USER_ASSIGNMENT', {}, T0 + 2);
  mock.addEvent('SUBSCRIPTION_CANCEL', {}, T0 + 3);

  const one = await poll({ now: T0 + 10, state, parameters: { eventTypes: ['SUBSCRIPTION_CANCEL'] } });
  assert.deepEqual(one.items.map((x) => x.type), ['SUBSCRIPTION_CANCEL']);
  assertSinceRequest(mock.apiRequests('GET').at(-1), T0);
  assert.deepEqual(mock.apiRequests('GET').at(-1).query.type, ['SUBSCRIPTION_CANCEL']);

  const two = await poll({ now: T0 + 10, state, parameters: { eventTypes: ['SUBSCRIPTION_ORDER', 'SUBSCRIPTION_CANCEL'] } });
  assert.deepEqual(two.items.map((x) => x.type), ['SUBSCRIPTION_ORDER', 'SUBSCRIPTION_CANCEL']);
  assertSinceRequest(mock.apiRequests('GET').at(-1), T0);
  assert.equal(mock.apiRequests('GET').at(-1).query.type, undefined);

  const sent = mock.requests.length;
  const bad = await rejection(poll({ now: T0 + 10, state, parameters: { eventTypes: ['NOT_A_TYPE'] } }));
  assert.equal(bad.kind, 'input');
  assert.equal(mock.requests.length, sent, 'an unknown type sends nothing');
  assert.equal(mock.apiRequests('GET').length, 3);
});

test('trigger: a manual run, and Include Past Events, show the events already there', async () => {
  await start();
  const old = mock.addEvent('SUBSCRIPTION_ORDER', {}, T0 - 60_000);
  const manual = await poll({ now: T0, manual: true });
  assert.deepEqual(manual.items.map((x) => x.uuid), [old.uuid]);
  assert.equal(manual.state, null, 'a manual run hands back the state it was given (none)');
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0]);

  const past = await poll({ now: T0, parameters: { includePastEvents: true } });
  assert.deepEqual(past.items.map((x) => x.uuid), [old.uuid]);
  assert.deepEqual(past.state, { newest: T0 - 60_000, ids: [old.uuid] });
  assert.equal(mock.apiRequests('GET').length, 2);
  assertSinceRequest(mock.apiRequests('GET')[1], 0);
  const next = await poll({ now: T0 + 1, parameters: { includePastEvents: true }, state: past.state });
  assert.deepEqual(next.items, [], 'once emitted, not again');
});

test('trigger: a manual run with a state shows the newest events of the chosen types (at most 10, oldest first) and hands the state back', async () => {
  await start();
  const TYPES = ['SUBSCRIPTION_ORDER', 'USER_ASSIGNMENT', 'SUBSCRIPTION_CANCEL'];
  // More events than one page holds, the newest last.
  const added = Array.from({ length: 60 }, (_, i) => mock.addEvent(TYPES[i % 3], { i }, T0 + i * 1_000));
  // A state past every event: a test run shows what there is all the same.
  const state = { newest: T0 + 3_600_000, ids: ['5eed0000-0000-4000-8000-000000000001'] };
  const kept = JSON.stringify(state);
  const newest = (types) => added.filter((e) => types.includes(e.type)).slice(-10).map((e) => e.uuid);

  const two = await poll({ now: T0, manual: true, state, parameters: { eventTypes: ['SUBSCRIPTION_ORDER', 'USER_ASSIGNMENT'] } });
  assert.deepEqual(two.items.map((e) => e.uuid), newest(['SUBSCRIPTION_ORDER', 'USER_ASSIGNMENT']), 'the 10 newest of those types, oldest first');
  assert.deepEqual(two.state, state, 'the state it was given');
  assert.equal(mock.apiRequests('GET').length, 1, 'one page');
  assertLatestRequest(mock.apiRequests('GET')[0]);

  const one = await poll({ now: T0, manual: true, state, parameters: { eventTypes: ['SUBSCRIPTION_CANCEL'] } });
  assert.deepEqual(one.items.map((e) => e.uuid), newest(['SUBSCRIPTION_CANCEL']));
  assert.deepEqual(one.state, state);
  assert.equal(mock.apiRequests('GET').length, 2, 'one page');
  assertLatestRequest(mock.apiRequests('GET')[1], 'SUBSCRIPTION_CANCEL');

  const all = await poll({ now: T0, manual: true, state });
  assert.deepEqual(all.items.map((e) => e.uuid), added.slice(-10).map((e) => e.uuid));
  assert.deepEqual(all.state, state);
  assert.equal(JSON.stringify(state), kept, 'the caller\'s state is not changed');
});

test('trigger: the events of a create → assign → cancel chain, polled with the wall clock', async () => {
  await start();
  const { state } = await poll();
  assert.deepEqual(state, { newest: 0, ids: [] }, 'no event yet');
  const company = mock.data.companies[0].id;
  const user = mock.data.users[2].id;
  const [created] = await run(createSubscription(company, user, ORDER));
  await run(assignUser(created.json.id, user));
  await run(cancel(created.json.id));
  const { items } = await poll({ state });
  assert.deepEqual(items.map((x) => [x.type, x.subscriptionId]), [
    ['SUBSCRIPTION_ORDER', created.json.id],
    ['USER_ASSIGNMENT', created.json.id],
    ['SUBSCRIPTION_CANCEL', created.json.id],
  ]);
});

test('trigger: an error answer rejects with the vendor message; the caller keeps its state', async () => {
  await start();
  mock.addEvent('SUBSCRIPTION_NOTICE', {}, T0);
  const { state } = await poll({ now: T0 });
  assert.equal(state.newest, T0);
  mock.failNext('GET /api/channel/v1/events', 400, [{ code: 'BAD_REQUEST', message: 'Invalid fromDate' }]);
  const err = await rejection(poll({ now: T0 + 1, state }));
  assert.equal(err.name, 'NodeExecutionError');
  assert.equal(httpCodeOf(err), '400');
  assert.match(err.message, /Invalid fromDate \(BAD_REQUEST\)/);
  // The same state, polled again, reads from the same point.
  const added = mock.addEvent('SUBSCRIPTION_ORDER', {}, T0 + 5);
  const again = await poll({ now: T0 + 10, state });
  assert.deepEqual(again.items.map((e) => e.uuid), [added.uuid]);
  const [, failed, retried] = mock.apiRequests('GET');
  assertSinceRequest(failed, T0);
  assertSinceRequest(retried, T0);
});

test('poll(): bad options are a TypeError before anything is sent; an action node is not a trigger', async () => {
  await start();
  const mp = await loadPackage();
  await assert.rejects(mp.poll({}), TypeError);
  await assert.rejects(mp.poll({ node: TRIGGER, now: 'yesterday' }), TypeError);
  const notTrigger = await rejection(poll({ node: NODE, now: T0, state: { newest: T0, ids: [] } }));
  assert.match(notTrigger.message, /not a polling trigger/);
  assert.equal(mock.requests.length, 0);
});
