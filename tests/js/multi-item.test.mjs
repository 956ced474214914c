// Several input items: validate-all-before-send, continueOnFail, pairedItem on every output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, runMittwald, runInterworks, rejection, assertPaired, httpCodeOf, assertNamesItem } from '../support/harness.mjs';
import { CUST, PROJ, order, get } from '../support/fixtures.mjs';

const env = useMockMarketplace({ maxPageSize: 4 });

test('three items, three requests, outputs in item order with pairedItem', async () => {
  const ids = ['PS23-BASIC-0001', 'DOM-DE-0001', 'STORAGE-0010'];
  const out = await runMittwald(env.mp, env.mock, ids.map(get));
  assertPaired(out, [0, 1, 2]);
  assert.deepEqual(out.map((o) => o.json.articleId), ids);
  assert.deepEqual(env.mock.requests.map((r) => r.path), ids.map((id) => `/v2/articles/${id}`));
});

test('parameters differ per item: order for a customer and for a project', async () => {
  const out = await runMittwald(env.mp, env.mock, [order(), order({ orderFor: 'project', customerId: '', projectId: PROJ, variantKey: 'pro' })]);
  assertPaired(out, [0, 1]);
  assert.deepEqual(env.mock.requests.map((r) => r.body), [
    { consentedScopes: ['project:read'], customerId: CUST },
    { consentedScopes: ['project:read'], projectId: PROJ, variantKey: 'pro' },
  ]);
  assert.deepEqual(out.map((o) => o.json.target), ['customer', 'project']);
});

test('list with several items: every article item is paired with the item that asked', async () => {
  const params = [
    { resource: 'Article', operation: 'article-list-articles', returnAll: false, limit: 2 },
    { resource: 'Article', operation: 'article-list-articles', returnAll: true, filters: { tags: ['domain'] } },
  ];
  const out = await runMittwald(env.mp, env.mock, params);
  assertPaired(out, [0, 0, 1]);
  assert.equal(out[2].json.articleId, 'DOM-DE-0001');
});

test('invalid item 2 → no request at all when continueOnFail is false', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, [order(), order(), order({ customerId: 'nope' })]));
  assert.equal(env.mock.requests.length, 0, 'validation runs for all items before any request');
  assert.equal(err.kind, 'input');
  assertNamesItem(err, 2);
});

test('invalid item 1 of get-article → no request at all', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, [get('PS23-BASIC-0001'), get(''), get('DOM-DE-0001')]));
  assert.equal(env.mock.requests.length, 0);
  assert.equal(Number(err.itemIndex), 1);
});

test('continueOnFail: the invalid item becomes an error item, the others run', async () => {
  const out = await runMittwald(env.mp, env.mock, [get('PS23-BASIC-0001'), get(''), get('DOM-DE-0001')], { continueOnFail: true });
  assertPaired(out, [0, 1, 2]);
  assert.equal(out[0].json.articleId, 'PS23-BASIC-0001');
  assert.equal(out[2].json.articleId, 'DOM-DE-0001');
  assert.equal(typeof out[1].json.error, 'string');
  assert.match(out[1].json.error, /article/i);
  assert.ok(!('articleId' in out[1].json));
  assert.deepEqual(env.mock.requests.map((r) => r.path), ['/v2/articles/PS23-BASIC-0001', '/v2/articles/DOM-DE-0001']);
});

test('continueOnFail: a vendor error on one item is reported in its place', async () => {
  const out = await runMittwald(env.mp, env.mock, [get('PS23-BASIC-0001'), get('NOPE-0000'), get('DOM-DE-0001')], { continueOnFail: true });
  assertPaired(out, [0, 1, 2]);
  assert.match(out[1].json.error, /not found/i);
  assert.equal(String(out[1].json.httpCode), '404');
  assert.equal(env.mock.requests.length, 3);
});

test('without continueOnFail a vendor error on item 1 stops the run and names the item', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, [get('PS23-BASIC-0001'), get('NOPE-0000'), get('DOM-DE-0001')]));
  assert.equal(Number(err.itemIndex), 1);
  assert.equal(httpCodeOf(err), '404');
  assert.ok(env.mock.requests.length <= 3);
  assert.deepEqual(env.mock.requests.slice(0, 2).map((r) => r.path), ['/v2/articles/PS23-BASIC-0001', '/v2/articles/NOPE-0000']);
});

test('continueOnFail with Interworks: a Code -1 item becomes an error item', async () => {
  const mk = (subscriptionId) => ({
    resource: 'addon',
    operation: 'addonCreate',
    subscriptionId,
    addons: { addon: [{ productId: 'P1', name: 'Addon', quantity: 1 }] },
    additionalFields: {},
  });
  const out = await runInterworks(env.mp, env.mock, [mk('sub-a'), mk('unsupported'), mk('')], { continueOnFail: true });
  assertPaired(out, [0, 1, 2]);
  assert.equal(out[0].json.Code, 0);
  assert.match(out[1].json.error, /not supported by default/);
  assert.match(out[2].json.error, /subscription/i);
  assert.equal(env.mock.requests.length, 2, 'the invalid third item is never sent');
});

test('items carry their own input json through pairedItem only (output is the vendor answer)', async () => {
  const out = await runMittwald(env.mp, env.mock, [get('PS23-BASIC-0001')], { items: [{ json: { foo: 'bar' } }] });
  assert.equal(out.length, 1);
  assert.equal(out[0].json.articleId, 'PS23-BASIC-0001');
  assert.deepEqual(out[0].pairedItem, { item: 0 });
});
