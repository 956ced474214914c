// Unit test of the mock marketplace itself, with plain fetch (no package needed).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startMockMarketplace, WELL_KNOWN, DEFAULT_MITTWALD_TOKEN } from '../support/mock-marketplace.mjs';
import { EXT, CUST, PROJ } from '../support/fixtures.mjs';

let mock;
before(async () => {
  mock = await startMockMarketplace();
});
after(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

const TOKEN = { 'x-access-token': DEFAULT_MITTWALD_TOKEN };

async function get(path, headers = {}) {
  const r = await fetch(mock.url + path, { headers });
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, headers: r.headers, body };
}

async function post(path, body, headers = {}) {
  const r = await fetch(mock.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: r.status, headers: r.headers, body: parsed };
}

function iwHeaders(over = {}) {
  return {
    'X-CloudPlatform-ApplicationId': mock.credentials.interworks.applicationId,
    'X-CloudPlatform-APIKey': Buffer.from(mock.credentials.interworks.apiKey).toString('base64'),
    ...over,
  };
}

function serviceDefinition(over = {}) {
  return {
    ID: 'sub-ext-1',
    ActionType: 'None',
    Addons: [
      {
        ID: null,
        Name: 'Custom Domain',
        ProductID: 'VendorXCustomDomainAddon',
        ActionType: 'Provision',
        Quantity: 2,
        AttributeList: { plan: { ID: 'plan', Name: 'Plan', Value: 'Gold', Code: 'PLAN_GOLD', QuantityLinked: false } },
      },
    ],
    ...over,
  };
}

test('mock: data set has >= 7 realistic articles with differing tags/orderable', () => {
  const a = mock.data.articles;
  assert.ok(a.length >= 7);
  for (const art of a) {
    for (const k of ['articleId', 'name', 'orderable', 'template', 'contractDurationInMonth']) assert.ok(k in art, `${art.articleId} lacks ${k}`);
    assert.ok(art.template.id && art.template.name);
    assert.ok(Array.isArray(art.tags) && art.tags.every((t) => t.id));
  }
  assert.ok(new Set(a.map((x) => x.orderable)).size >= 4);
  assert.ok(new Set(a.flatMap((x) => x.tags.map((t) => t.name))).size >= 5);
});

test('mock: GET /v2/articles returns a bare array with pagination headers', async () => {
  const r = await get('/v2/articles?limit=3&skip=3');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
  assert.equal(r.body.length, 3);
  assert.equal(r.body[0].articleId, mock.data.articles[3].articleId);
  assert.equal(r.headers.get('x-pagination-limit'), '3');
  assert.equal(r.headers.get('x-pagination-skip'), '3');
  assert.equal(r.headers.get('x-pagination-page'), '2');
  assert.equal(r.headers.get('x-pagination-totalcount'), String(mock.data.articles.length));
  assert.equal(mock.requests.length, 1);
  assert.deepEqual(mock.requests[0].query, { limit: '3', skip: '3' });
  assert.equal(mock.requests[0].path, '/v2/articles');
});

test('mock: page is used when skip is absent; skip wins when both', async () => {
  let r = await get('/v2/articles?limit=2&page=3');
  assert.equal(r.headers.get('x-pagination-skip'), '4');
  assert.equal(r.body[0].articleId, mock.data.articles[4].articleId);
  r = await get('/v2/articles?limit=2&page=3&skip=0');
  assert.equal(r.headers.get('x-pagination-skip'), '0');
});

test('mock: filters (repeated keys = array, OR within a filter)', async () => {
  let r = await get('/v2/articles?tags=dedicated&tags=domain');
  assert.deepEqual(mock.requests[0].query.tags, ['dedicated', 'domain']);
  assert.deepEqual(r.body.map((a) => a.articleId).sort(), ['DOM-DE-0001', 'PS23-PLUS-0004', 'PS23-PLUS-0008', 'SPACE-SERVER-0002']);
  r = await get('/v2/articles?orderable=full&templateNames=proSpace');
  assert.deepEqual(r.body.map((a) => a.articleId), ['PS23-BASIC-0001', 'PS23-PLUS-0004']);
  r = await get('/v2/articles?articleIds=SSL-WILD-0001&articleIds=DOM-DE-0001');
  assert.equal(r.body.length, 2);
  r = await get('/v2/articles?name=prospace');
  assert.ok(r.body.length >= 3 && r.body.every((a) => /prospace/i.test(a.name)));
  assert.equal(r.headers.get('x-pagination-totalcount'), String(r.body.length));
});

test('mock: bad list query → 400 ValidationError', async () => {
  for (const q of ['limit=abc', 'limit=-1', 'orderable=sometimes', 'tags[]=x', 'foo=1']) {
    const r = await get('/v2/articles?' + q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.type, 'ValidationError');
    assert.ok(r.body.validationErrors.length >= 1);
    for (const e of r.body.validationErrors) assert.ok(e.message && typeof e.path === 'string' && e.type);
  }
});

test('mock: articles are public; a wrong token is refused', async () => {
  assert.equal((await get('/v2/articles', TOKEN)).status, 200);
  assert.equal((await get('/v2/articles', { authorization: `Bearer ${DEFAULT_MITTWALD_TOKEN}` })).status, 200);
  const r = await get('/v2/articles', { 'x-access-token': 'nope' });
  assert.equal(r.status, 401);
  assert.equal(typeof r.body.type, 'string');
  assert.equal(typeof r.body.message, 'string');
});

test('mock: GET /v2/articles/{id} → 200 / 404, id decoded', async () => {
  let r = await get('/v2/articles/PS23-PLUS-0004');
  assert.equal(r.status, 200);
  assert.equal(r.body.articleId, 'PS23-PLUS-0004');
  r = await get('/v2/articles/NOPE-0000');
  assert.equal(r.status, 404);
  assert.deepEqual(Object.keys(r.body).sort(), ['message', 'type']);
  assert.equal(r.body.type, 'NotFound');
  r = await get('/v2/articles/a%2F..%3Fb');
  assert.equal(r.status, 404);
  assert.equal(mock.requests.at(-1).path, '/v2/articles/a%2F..%3Fb');
  assert.equal(mock.requests.at(-1).articleId, 'a/..?b');
});

test('mock: order for customer and for project → 201 {}', async () => {
  let r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: ['project:read'], customerId: CUST }, TOKEN);
  assert.equal(r.status, 201);
  assert.deepEqual(r.body, {});
  r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], projectId: PROJ, variantKey: 'pro' }, TOKEN);
  assert.equal(r.status, 201);
  assert.equal(mock.data.orders.length, 2);
  assert.deepEqual(mock.requests[1].body, { consentedScopes: [], projectId: PROJ, variantKey: 'pro' });
});

test('mock: order auth and content type', async () => {
  let r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], customerId: CUST });
  assert.equal(r.status, 401);
  r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], customerId: CUST }, { 'x-access-token': 'wrong' });
  assert.equal(r.status, 401);
  r = await post(`/v2/extensions/${EXT}/order`, JSON.stringify({ consentedScopes: [], customerId: CUST }), { ...TOKEN, 'content-type': 'text/plain' });
  assert.equal(r.status, 415);
});

test('mock: order body violating the oneOf → 400 with validationErrors', async () => {
  const cases = [
    [{ customerId: CUST }, 'required'],
    [{ consentedScopes: 'a', customerId: CUST }, '.consentedScopes'],
    [{ consentedScopes: ['a', 1], customerId: CUST }, '.consentedScopes[1]'],
    [{ consentedScopes: [] }, 'oneOf'],
    [{ consentedScopes: [], customerId: CUST, projectId: PROJ }, 'oneOf'],
    [{ consentedScopes: [], customerId: 'not-a-uuid' }, '.customerId'],
    [{ consentedScopes: [], projectId: 'x' }, '.projectId'],
    [{ consentedScopes: [], customerId: CUST, variantKey: '' }, '.variantKey'],
    [{ consentedScopes: [], customerId: CUST, extra: 1 }, 'additionalProperties'],
    [[1, 2], 'type'],
    ['{not json', 'parse'],
  ];
  for (const [body, needle] of cases) {
    const r = await post(`/v2/extensions/${EXT}/order`, body, TOKEN);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.type, 'ValidationError');
    assert.equal(r.body.message, 'Validation failed');
    assert.ok(
      r.body.validationErrors.some((e) => e.path === needle || e.type === needle),
      `${JSON.stringify(body)} → ${JSON.stringify(r.body.validationErrors)}`,
    );
  }
  const r = await post('/v2/extensions/not-a-uuid/order', { consentedScopes: [], customerId: CUST }, TOKEN);
  assert.equal(r.status, 400);
});

test('mock: well-known ids', async () => {
  let r = await post(`/v2/extensions/${WELL_KNOWN.missingExtensionId}/order`, { consentedScopes: [], customerId: CUST }, TOKEN);
  assert.equal(r.status, 404);
  r = await post(`/v2/extensions/${WELL_KNOWN.preconditionExtensionId}/order`, { consentedScopes: [], customerId: CUST }, TOKEN);
  assert.equal(r.status, 412);
  r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], customerId: WELL_KNOWN.invalidCustomerId }, TOKEN);
  assert.equal(r.status, 400);
  assert.equal(r.body.validationErrors[0].path, '.customerId');
  r = await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], projectId: WELL_KNOWN.invalidProjectId }, TOKEN);
  assert.equal(r.body.validationErrors[0].path, '.projectId');
});

test('mock: failNext scripts N responses for a route, then normal service resumes', async () => {
  mock.failNext('POST /v2/extensions/*/order', { status: 429, headers: { 'retry-after': '0' }, body: { type: 'RateLimitError', message: 'Too many requests' } }, 2);
  const body = { consentedScopes: [], customerId: CUST };
  let r = await post(`/v2/extensions/${EXT}/order`, body, TOKEN);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '0');
  assert.deepEqual(r.body, { type: 'RateLimitError', message: 'Too many requests' });
  // other routes are unaffected
  assert.equal((await get('/v2/articles')).status, 200);
  r = await post(`/v2/extensions/${EXT}/order`, body, TOKEN);
  assert.equal(r.status, 429);
  r = await post(`/v2/extensions/${EXT}/order`, body, TOKEN);
  assert.equal(r.status, 201);
  assert.equal(mock.requestsFor('POST /v2/extensions/*/order').length, 3);
  assert.equal(mock.requestsFor('GET /v2/**').length, 1);
});

test('mock: failNext destroy drops the connection', async () => {
  mock.failNext('GET /v2/articles', { destroy: true });
  await assert.rejects(fetch(mock.url + '/v2/articles'));
  assert.equal((await get('/v2/articles')).status, 200);
});

test('mock: interworks Addon/Create happy path', async () => {
  const r = await post('/API/Addon/Create', serviceDefinition(), iwHeaders());
  assert.equal(r.status, 200);
  assert.equal(r.body.Code, 0);
  assert.equal(r.body.Message, '');
  assert.match(r.body.Result, /^[0-9a-f-]{36}$/);
  for (const k of ['AccountExtraInfo', 'CustomFieldValues', 'SendNotification', 'ExtraInfo']) assert.ok(k in r.body);
  assert.equal(mock.data.interworksAddons.length, 1);
  const rec = mock.requests[0];
  assert.equal(rec.headers['x-cloudplatform-applicationid'], mock.credentials.interworks.applicationId);
});

test('mock: interworks sample body from WIRE.md is accepted', async () => {
  const { readFile } = await import('node:fs/promises');
  const sample = JSON.parse(await readFile(new URL('../../../shared/specs/interworks/addon-create.sample.json', import.meta.url), 'utf8').catch(() => 'null'));
  if (!sample) return; // spec folder not available here
  const r = await post('/API/Addon/Create', sample, iwHeaders());
  assert.equal(r.body.Code, 0, r.body.Message);
});

test('mock: interworks auth refusals are HTTP 401', async () => {
  const cases = [
    iwHeaders({ 'X-CloudPlatform-ApplicationId': '00000000-0000-0000-0000-000000000000' }),
    iwHeaders({ 'X-CloudPlatform-APIKey': Buffer.from('wrong').toString('base64') }),
    iwHeaders({ 'X-CloudPlatform-APIKey': mock.credentials.interworks.apiKey }), // plain where base64 is expected
    { 'X-CloudPlatform-ApplicationId': mock.credentials.interworks.applicationId },
    {},
  ];
  for (const h of cases) {
    const r = await post('/API/Addon/Create', serviceDefinition(), h);
    assert.equal(r.status, 401, JSON.stringify(h));
    assert.ok(r.body.Message);
  }
});

test('mock: interworks plain key encoding option', async () => {
  const m2 = await startMockMarketplace({ interworksApiKeyEncoding: 'plain', interworksApiKey: 'k2' });
  try {
    const r = await fetch(m2.url + '/API/Addon/Create', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-CloudPlatform-ApplicationId': m2.credentials.interworks.applicationId, 'X-CloudPlatform-APIKey': 'k2' },
      body: JSON.stringify(serviceDefinition()),
    });
    assert.equal((await r.json()).Code, 0);
  } finally {
    await m2.close();
  }
});

test('mock: interworks unsupported / bad shape → HTTP 200 with Code -1 / 1', async () => {
  let r = await post('/API/Addon/Create', serviceDefinition({ ID: 'unsupported' }), iwHeaders());
  assert.equal(r.status, 200);
  assert.deepEqual([r.body.Code, r.body.Message, r.body.Result], [-1, 'AddonsCreate functionality is not supported by default', null]);

  const bad = [
    [{ ID: '' }, 'ID'],
    [{ ActionType: 'Provision' }, 'ActionType'],
    [{ ActionType: 0 }, 'ActionType'],
    [{ Addons: [] }, 'Addons'],
    [{ Addons: 'x' }, 'Addons'],
    [{ Addons: [{ ProductID: 'p', ActionType: 'Provision', Quantity: 1.5 }] }, 'Quantity'],
    [{ Addons: [{ ProductID: 'p', ActionType: 'Provision', Quantity: 0 }] }, 'Quantity'],
    [{ Addons: [{ ActionType: 'Provision', Quantity: 1 }] }, 'ProductID'],
    [{ Addons: [{ ProductID: 'p', ActionType: 1, Quantity: 1 }] }, 'ActionType'],
    [{ Addons: [{ ProductID: 'p', ActionType: 'Provision', Quantity: 1, AttributeList: [{ ID: 'a' }] }] }, 'AttributeList'],
    [{ AttributeList: [] }, 'AttributeList'],
    [{ Derivative: 'SUBSCRIPTION' }, 'Derivative'],
    [{ Account: '{"Name":"x"}' }, 'Account'],
    [{ CustomFieldValues: { a: 1 } }, 'CustomFieldValues'],
    [{ BillingCycle: { Duration: 1, DurationType: 'Month' } }, 'BillingCycle'],
  ];
  for (const [over, needle] of bad) {
    r = await post('/API/Addon/Create', serviceDefinition(over), iwHeaders());
    assert.equal(r.status, 200, JSON.stringify(over));
    assert.equal(r.body.Code, 1, JSON.stringify(over));
    assert.ok(r.body.Message.includes(needle), `${JSON.stringify(over)} → ${r.body.Message}`);
    assert.equal(r.body.Result, null);
  }
  r = await post('/API/Addon/Create', '[', iwHeaders());
  assert.equal(r.body.Code, 1);
  r = await post('/API/Addon/Create', JSON.stringify(serviceDefinition()), { ...iwHeaders(), 'content-type': 'text/plain' });
  assert.equal(r.status, 415);
});

test('mock: unknown routes → 404, records everything, never throws on odd input', async () => {
  assert.equal((await get('/nothing')).status, 404);
  assert.equal((await get('/v2/nothing')).status, 404);
  assert.equal((await get('/v2/articles/')).status, 404);
  assert.equal((await get('/API/Addon/Explode')).status, 404);
  assert.equal((await get('/API/Addon/Create')).status, 405);
  // raw odd request: bad percent-encoding, weird method, binary body
  await new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port: mock.port, method: 'PATCH', path: '/v2/articles/%E0%A4%A?x=%%' }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', resolve);
    req.end(Buffer.from([0xff, 0x00, 0xfe]));
  });
  const r = await get('/v2/articles/%E0%A4%A');
  assert.ok([400, 404].includes(r.status));
  assert.equal(mock.errors.length, 0, mock.errors.map(String).join('\n'));
  assert.ok(mock.requests.length >= 7);
  for (const rec of mock.requests) for (const k of ['method', 'path', 'query', 'headers']) assert.ok(k in rec);
});

test('mock: reset clears requests, scripts and data', async () => {
  mock.failNext('GET /v2/articles', { status: 500, body: { type: 'InternalServerError', message: 'x' } });
  await post(`/v2/extensions/${EXT}/order`, { consentedScopes: [], customerId: CUST }, TOKEN);
  mock.data.articles.pop();
  mock.reset();
  assert.equal(mock.requests.length, 0);
  assert.equal(mock.data.orders.length, 0);
  assert.equal(mock.data.articles.length, 9);
  assert.equal((await get('/v2/articles')).status, 200);
});

test('mock: maxPageSize caps the limit', async () => {
  const m2 = await startMockMarketplace({ maxPageSize: 4 });
  try {
    const r = await fetch(m2.url + '/v2/articles?limit=100');
    assert.equal((await r.json()).length, 4);
    assert.equal(r.headers.get('x-pagination-limit'), '4');
  } finally {
    await m2.close();
  }
});
