// mittwald Marketplace resource: Order Extension (customer or project), and its input validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, runMittwald, rejection, assertNamesItem } from '../support/harness.mjs';
import { EXT, CUST, PROJ, orderBuilder } from '../support/fixtures.mjs';

const env = useMockMarketplace();

const order = orderBuilder({ consentedScopes: ['project:read', 'domain:read'] });

function assertOrderRequest(r, body) {
  assert.equal(r.method, 'POST');
  assert.equal(r.path, `/v2/extensions/${EXT}/order`);
  assert.deepEqual(r.query, {});
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(r.headers['x-access-token'] ?? r.headers.authorization?.replace(/^Bearer /, ''), env.mock.data.config.mittwaldToken);
  assert.deepEqual(r.body, body);
}

test('Order Extension for a customer', async () => {
  const out = await runMittwald(env.mp, env.mock, order());
  assert.equal(env.mock.requests.length, 1);
  assertOrderRequest(env.mock.requests[0], { consentedScopes: ['project:read', 'domain:read'], customerId: CUST });
  assert.deepEqual(out, [
    {
      json: { ordered: true, extensionId: EXT, target: 'customer', customerId: CUST, consentedScopes: ['project:read', 'domain:read'] },
      pairedItem: { item: 0 },
    },
  ]);
  assert.equal(env.mock.data.orders.length, 1);
});

test('Order Extension for a project, with a variant key', async () => {
  const out = await runMittwald(env.mp, env.mock, order({ orderFor: 'project', customerId: '', projectId: PROJ, variantKey: 'pro' }));
  assert.equal(env.mock.requests.length, 1);
  assertOrderRequest(env.mock.requests[0], { consentedScopes: ['project:read', 'domain:read'], projectId: PROJ, variantKey: 'pro' });
  assert.deepEqual(out[0].json, { ordered: true, extensionId: EXT, target: 'project', projectId: PROJ, consentedScopes: ['project:read', 'domain:read'], variantKey: 'pro' });
  assert.deepEqual(out[0].pairedItem, { item: 0 });
});

test('Order Extension: an empty (or blank) variant key is omitted from the body', async () => {
  for (const variantKey of ['', '   ', undefined]) {
    env.mock.reset();
    const params = order({ variantKey });
    if (variantKey === undefined) delete params.variantKey;
    const out = await runMittwald(env.mp, env.mock, params);
    assert.deepEqual(Object.keys(env.mock.requests[0].body).sort(), ['consentedScopes', 'customerId'], `variantKey ${JSON.stringify(variantKey)}`);
    assert.ok(!('variantKey' in out[0].json));
  }
});

test('Order Extension: Consented Scopes given as a JSON string', async () => {
  await runMittwald(env.mp, env.mock, order({ consentedScopes: '["project:read","project:write"]' }));
  assert.deepEqual(env.mock.requests[0].body.consentedScopes, ['project:read', 'project:write']);
});

test('Order Extension: empty Consented Scopes are sent as []', async () => {
  for (const consentedScopes of [[], '[]', '']) {
    env.mock.reset();
    await runMittwald(env.mp, env.mock, order({ consentedScopes }));
    assert.deepEqual(env.mock.requests[0].body.consentedScopes, [], `consentedScopes ${JSON.stringify(consentedScopes)}`);
  }
});

test('Order Extension: orderFor=customer never sends a projectId too', async () => {
  // A stale project id left in the parameters must not turn into an invalid both-ids body.
  let err;
  try {
    await runMittwald(env.mp, env.mock, order({ projectId: PROJ }));
  } catch (e) {
    err = e;
  }
  if (err) {
    assert.equal(env.mock.requests.length, 0, 'rejected → nothing sent');
    assert.equal(err.kind, 'input');
  } else {
    assert.equal(env.mock.requests.length, 1);
    assert.ok(!('projectId' in env.mock.requests[0].body));
    assert.equal(env.mock.requests[0].body.customerId, CUST);
  }
});

// ---- bad input: never a request --------------------------------------------------------------------

const badInputs = [
  ['missing extension id', { extensionId: '' }, /extension/i],
  ['whitespace extension id', { extensionId: '   ' }, /extension/i],
  ['non-uuid extension id', { extensionId: 'my-extension' }, /extension/i],
  ['extension id with a path', { extensionId: `${EXT}/../../articles` }, /extension/i],
  ['non-uuid customer id', { customerId: '12345' }, /customer/i],
  ['missing customer id', { customerId: '' }, /customer/i],
  ['non-uuid project id', { orderFor: 'project', customerId: '', projectId: 'p-1' }, /project/i],
  ['missing project id', { orderFor: 'project', customerId: '', projectId: '' }, /project/i],
  ['neither customer nor project (no orderFor)', { orderFor: undefined, customerId: '', projectId: '' }, /customer|project/i],
  ['both customer and project (no orderFor)', { orderFor: undefined, customerId: CUST, projectId: PROJ }, /customer|project/i],
  ['unknown orderFor', { orderFor: 'reseller' }, /order for|customer|project/i],
  ['Consented Scopes malformed JSON', { consentedScopes: '["a", ' }, /Consented Scopes/],
  ['Consented Scopes JSON non-strings', { consentedScopes: '["a", 3]' }, /Consented Scopes/],
  ['Consented Scopes JSON object', { consentedScopes: '{"a":1}' }, /Consented Scopes/],
  ['Consented Scopes array with null', { consentedScopes: ['a', null] }, /Consented Scopes/],
  ['Consented Scopes array with number', { consentedScopes: [1] }, /Consented Scopes/],
  ['Consented Scopes not a list', { consentedScopes: 42 }, /Consented Scopes/],
];

for (const [label, over, pattern] of badInputs) {
  test(`Order Extension rejects ${label} without sending anything`, async () => {
    const params = order(over);
    for (const k of Object.keys(over)) if (over[k] === undefined) delete params[k];
    const err = await rejection(runMittwald(env.mp, env.mock, params), label);
    assert.equal(env.mock.requests.length, 0, `${label}: no request may be sent`);
    assert.equal(err.kind, 'input', `${label}: kind`);
    assert.equal(Number(err.itemIndex), 0);
    assert.equal(err.httpCode ?? null, null);
    assert.match(`${err.message}\n${err.description ?? ''}`, pattern, `${label}: ${err.message}`);
  });
}

test('Consented Scopes errors name the field and the item index', async () => {
  const params = [order(), order({ consentedScopes: 'not json' }), order()];
  const err = await rejection(runMittwald(env.mp, env.mock, params));
  assert.equal(env.mock.requests.length, 0);
  assert.match(err.message, /Consented Scopes/);
  assertNamesItem(err, 1);
});

test('Order Extension without a credential is refused before sending', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order(), { credentials: null, baseUrl: env.mock.url }));
  assert.equal(env.mock.requests.length, 0);
  assert.match(`${err.message}\n${err.description ?? ''}`, /credential|token/i);
});
