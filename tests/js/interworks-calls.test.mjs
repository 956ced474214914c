// Interworks Cloud connector calls beyond Addon Create: Addon Update / Cancel and the six Subscription
// calls. Every request the mock receives is checked: route, method, both auth headers, and the
// ServiceDefinition with the ActionTypes each call's documented rules give (WIRE.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockMarketplace, IW_ACTIONS } from '../support/mock-marketplace.mjs';
import { useMockMarketplace, runInterworks, rejection, httpCodeOf, assertNoSecrets, errorText, assertPaired } from '../support/harness.mjs';

const env = useMockMarketplace();

const SUB = 'ext-sub-0001';

function assertConnectorRequest(r, path, mock = env.mock) {
  assert.equal(r.method, 'POST');
  assert.equal(r.path, path);
  assert.deepEqual(r.query, {});
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(r.headers['x-cloudplatform-applicationid'], mock.credentials.interworks.applicationId);
  assert.equal(r.headers['x-cloudplatform-apikey'], Buffer.from(mock.credentials.interworks.apiKey).toString('base64'));
  assert.ok(r.bodyIsJson, 'JSON body');
  assert.equal(r.authFailure, undefined);
}

/** The one answer of a successful call: Code 0 and the Result as the external id. */
function assertSuccess(out, result) {
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].pairedItem, { item: 0 });
  assert.equal(out[0].json.Code, 0);
  assert.equal(out[0].json.Message, '');
  if (result !== undefined) assert.equal(out[0].json.Result, result);
}

const addonList = (...addons) => ({ addon: addons });

// ---- Addon Update / Cancel ----------------------------------------------------------------------------

test('Addon Update: changed add-ons are Provision with the new total, the others None', async () => {
  const out = await runInterworks(env.mp, env.mock, {
    resource: 'addon',
    operation: 'addonUpdate',
    subscriptionId: SUB,
    addons: addonList(
      { productId: 'VendorXSeats', name: 'Seats', id: 'addon-ext-1', quantity: 12, included: true, attributes: { attribute: [{ id: 'Tier', value: 'Gold' }] } },
      { productId: 'VendorXSupport', name: 'Support', id: 'addon-ext-2', quantity: 1, included: false },
    ),
  });
  assert.equal(env.mock.requests.length, 1);
  const [r] = env.mock.requests;
  assertConnectorRequest(r, '/API/Addon/Update');
  assert.deepEqual(r.body, {
    ID: SUB,
    ActionType: 'None',
    Addons: [
      { ProductID: 'VendorXSeats', Name: 'Seats', ID: 'addon-ext-1', ActionType: 'Provision', Quantity: 12, AttributeList: { Tier: { ID: 'Tier', Value: 'Gold', QuantityLinked: false } } },
      { ProductID: 'VendorXSupport', Name: 'Support', ID: 'addon-ext-2', ActionType: 'None', Quantity: 1 },
    ],
  });
  assertSuccess(out, SUB);
});

test('Addon Cancel: cancelled add-ons are Cancel, the others None', async () => {
  const out = await runInterworks(env.mp, env.mock, {
    resource: 'addon',
    operation: 'addonCancel',
    subscriptionId: SUB,
    addons: addonList({ productId: 'A', id: 'x-1', quantity: 2 }, { productId: 'B', id: 'x-2', quantity: 3, included: false }),
  });
  const [r] = env.mock.requests;
  assertConnectorRequest(r, '/API/Addon/Cancel');
  assert.equal(r.body.ActionType, 'None');
  assert.deepEqual(r.body.Addons.map((a) => [a.ProductID, a.ActionType, a.Quantity]), [['A', 'Cancel', 2], ['B', 'None', 3]]);
  assertSuccess(out, SUB);
});

// ---- Subscription calls --------------------------------------------------------------------------------

test('Subscription Create: Provision with product, quantity, account, attributes map, billing cycle; Result feeds the next call', async () => {
  const account = { ID: '1001', Name: 'Cloud Company', Email: 'billing@cloudcompany.example', Address: { City: 'Athens', Country: { Code: 'GR', Name: 'Greece' } } };
  const out = await runInterworks(env.mp, env.mock, {
    resource: 'subscription',
    operation: 'subscriptionCreate',
    productId: 'VendorXProfessional',
    quantity: 10,
    addons: addonList({ productId: 'VendorXCustomDomainAddon', name: 'Custom Domain', quantity: 1 }),
    additionalFields: {
      subscriptionName: 'Vendor X - Professional Edition',
      serviceType: 'VenderXSubscriptionBased',
      account: JSON.stringify(account),
      attributes: { attribute: [{ id: 'VenderXPlan', name: 'Plan', value: 'Professional', code: 'PRO' }] },
      billingCycleDuration: '1',
      billingCycleDurationType: 'Year',
      derivative: 1,
      customFieldValues: { region: 'eu-central' },
      isTrial: true,
    },
  });
  const [r] = env.mock.requests;
  assertConnectorRequest(r, '/API/Subscriptions/Create');
  assert.deepEqual(r.body, {
    ActionType: 'Provision',
    ProductID: 'VendorXProfessional',
    Quantity: 10,
    Name: 'Vendor X - Professional Edition',
    ServiceType: 'VenderXSubscriptionBased',
    Account: account,
    AttributeList: { VenderXPlan: { ID: 'VenderXPlan', Name: 'Plan', Value: 'Professional', Code: 'PRO', QuantityLinked: false } },
    BillingCycle: { Duration: '1', DurationType: 'Year' },
    Derivative: 1,
    CustomFieldValues: { region: 'eu-central' },
    IsTrial: true,
    Addons: [{ ProductID: 'VendorXCustomDomainAddon', Name: 'Custom Domain', ActionType: 'Provision', Quantity: 1 }],
  });
  assert.ok(!('ID' in r.body), 'a new subscription has no external ID yet');
  const created = env.mock.data.interworksCalls[0].result;
  assertSuccess(out, created);

  // the Result is the ID of every later call
  await runInterworks(env.mp, env.mock, { resource: 'subscription', operation: 'subscriptionSuspend', subscriptionId: out[0].json.Result });
  assert.equal(env.mock.requests[1].body.ID, created);
});

for (const [operation, action, path] of [
  ['subscriptionUpdate', 'Provision', '/API/Subscriptions/Update'],
  ['subscriptionCancel', 'Cancel', '/API/Subscriptions/Cancel'],
  ['subscriptionSuspend', 'Suspend', '/API/Subscriptions/Suspend'],
  ['subscriptionActivate', 'Activate', '/API/Subscriptions/Activate'],
  ['subscriptionUpgradeToPaid', 'UpgradeToPaid', '/API/Subscriptions/UpgradeToPaid'],
]) {
  test(`Subscription ${operation.slice(12)}: ActionType ${action} on ${path}, Result = the subscription's ID`, async () => {
    const out = await runInterworks(env.mp, env.mock, {
      resource: 'subscription',
      operation,
      subscriptionId: SUB,
      additionalFields: { quantity: 4, platformSubscriptionId: '12345' },
    });
    assert.equal(env.mock.requests.length, 1);
    const [r] = env.mock.requests;
    assertConnectorRequest(r, path);
    assert.deepEqual(r.body, { ID: SUB, ActionType: action, Quantity: 4, SubscriptionID: '12345' });
    assertSuccess(out, SUB);
  });
}

test('Subscription Update: changed add-ons go along as Provision, unchanged as None', async () => {
  await runInterworks(env.mp, env.mock, {
    resource: 'subscription',
    operation: 'subscriptionUpdate',
    subscriptionId: SUB,
    addons: addonList({ productId: 'A', id: 'a-1', quantity: 5 }, { productId: 'B', id: 'b-1', quantity: 1, included: false }),
    additionalFields: { quantity: 20 },
  });
  const { body } = env.mock.requests[0];
  assert.equal(body.ActionType, 'Provision');
  assert.equal(body.Quantity, 20);
  assert.deepEqual(body.Addons.map((a) => a.ActionType), ['Provision', 'None']);
});

// ---- the ServiceDefinition as one JSON object ----------------------------------------------------------

/** A ServiceDefinition as the platform sends it (numbers where .NET would read them as text, etc.). */
const platformDefinition = () => ({
  ID: SUB,
  SubscriptionID: 12345,
  Name: 'Vendor X - Professional Edition',
  ProductID: 'VendorXProfessional',
  ActionType: 'Provision', // wrong for an Addon Update: the rules set it
  Quantity: 10,
  Account: { ID: '1001', Name: 'Cloud Company', IsTest: false },
  AttributeList: { Plan: { ID: 'Plan', Value: 'Pro', QuantityLinked: false } },
  Addons: [
    { ID: 'addon-ext-1', ParentID: SUB, ProductID: 'Seats', Quantity: 15 },
    { ID: 'addon-ext-2', ParentID: SUB, ProductID: 'Support', ActionType: 0, Quantity: 1 },
  ],
  BillingCycle: { Duration: 1, DurationType: 'Month' },
  Derivative: 'SUBSCRIPTION',
  CustomFieldValues: { region: 'eu' },
  IsTrial: null,
  RequestedBy: { ID: 42, DisplayName: 'Jane Admin', Type: 'BSS' },
});

test('JSON source: the incoming item is the ServiceDefinition; its types are normalised and the rules applied on top', async () => {
  const out = await runInterworks(env.mp, env.mock, { resource: 'addon', operation: 'addonUpdate', definitionSource: 'json' }, { items: [{ json: platformDefinition() }] });
  const [r] = env.mock.requests;
  assertConnectorRequest(r, '/API/Addon/Update');
  const sd = r.body;
  assert.equal(sd.ActionType, 'None');
  assert.equal(sd.SubscriptionID, '12345');
  assert.equal(sd.Derivative, 1);
  assert.deepEqual(sd.BillingCycle, { Duration: '1', DurationType: 'Month' });
  assert.ok(!('IsTrial' in sd), 'a null bool is dropped, not sent to a .NET bool');
  assert.deepEqual(sd.AttributeList, { Plan: { ID: 'Plan', Value: 'Pro', QuantityLinked: false } });
  assert.deepEqual(sd.Addons.map((a) => [a.ID, a.ActionType, a.Quantity]), [['addon-ext-1', 'Provision', 15], ['addon-ext-2', 'None', 1]]);
  assert.deepEqual(sd.RequestedBy, { ID: 42, DisplayName: 'Jane Admin', Type: 'BSS' });
  assertSuccess(out, SUB);
});

test('JSON source: an explicit serviceDefinition parameter (object or JSON text) wins over the item', async () => {
  const definition = { ...platformDefinition(), Addons: undefined, ActionType: undefined };
  await runInterworks(
    env.mp,
    env.mock,
    [
      { resource: 'subscription', operation: 'subscriptionCancel', definitionSource: 'json', serviceDefinition: definition },
      { resource: 'subscription', operation: 'subscriptionCancel', definitionSource: 'json', serviceDefinition: JSON.stringify(definition) },
    ],
    { items: [{ json: { unrelated: true } }, { json: { unrelated: true } }] },
  );
  assert.equal(env.mock.requests.length, 2);
  for (const r of env.mock.requests) {
    assertConnectorRequest(r, '/API/Subscriptions/Cancel');
    assert.equal(r.body.ActionType, 'Cancel');
    assert.equal(r.body.ID, SUB);
  }
});

test('Advanced: the ActionTypes may be set by hand (and the connector\'s Code 1 is an error with its Message)', async () => {
  const err = await rejection(
    runInterworks(env.mp, env.mock, { resource: 'subscription', operation: 'subscriptionUpdate', subscriptionId: SUB, advanced: { parentActionType: 'Upgrade' } }),
  );
  assert.equal(env.mock.requests.length, 1);
  assert.equal(env.mock.requests[0].body.ActionType, 'Upgrade');
  assert.equal(err.kind, 'api');
  assert.match(err.message, /ActionType of the subscription must be "Provision"/);
  assert.match(err.description ?? '', /Code 1/);
});

// ---- configuration: per-action paths -------------------------------------------------------------------

test('every endpoint path comes from the credential (base URL + per-action path)', async () => {
  const custom = Object.fromEntries(Object.keys(IW_ACTIONS).map((a) => [a, `Example/${a}`]));
  const m2 = await startMockMarketplace({ interworksBasePath: '/connector/api', interworksPaths: custom });
  try {
    const credentials = { ...m2.credentials.interworks, baseUrl: `${m2.url}/connector/api/` };
    for (const action of Object.keys(IW_ACTIONS)) credentials[`${action}Path`] = `/Example/${action}/`;
    const calls = [
      { resource: 'addon', operation: 'addonCreate', subscriptionId: SUB, addons: addonList({ productId: 'P' }) },
      { resource: 'addon', operation: 'addonUpdate', subscriptionId: SUB, addons: addonList({ productId: 'P', id: 'a' }) },
      { resource: 'addon', operation: 'addonCancel', subscriptionId: SUB, addons: addonList({ productId: 'P', id: 'a' }) },
      { resource: 'subscription', operation: 'subscriptionCreate', productId: 'P', quantity: 1 },
      ...['Update', 'Cancel', 'Suspend', 'Activate', 'UpgradeToPaid'].map((a) => ({ resource: 'subscription', operation: `subscription${a}`, subscriptionId: SUB })),
    ];
    const out = await runInterworks(env.mp, m2, calls, { credentials });
    assertPaired(out, calls.map((_, i) => i));
    assert.ok(out.every((o) => o.json.Code === 0));
    // Items run concurrently: each path once, in whatever order they arrived.
    assert.deepEqual(
      m2.requests.map((r) => r.path).sort(),
      Object.keys(IW_ACTIONS).map((a) => `/connector/api/Example/${a}`).sort(),
    );
    m2.requests.forEach((r) => assertConnectorRequest(r, r.path, m2));
  } finally {
    await m2.close();
  }
});

// ---- connector errors ----------------------------------------------------------------------------------

test('Code -1 (not supported) on an update is an error carrying its Message; HTTP 200 alone is no success', async () => {
  for (const [operation, extra, message] of [
    ['addonCancel', { resource: 'addon', addons: addonList({ productId: 'P' }) }, 'AddonsCancel functionality is not supported by default'],
    ['subscriptionActivate', { resource: 'subscription' }, 'SubscriptionsActivate functionality is not supported by default'],
  ]) {
    env.mock.reset();
    const err = await rejection(runInterworks(env.mp, env.mock, { operation, subscriptionId: 'unsupported', ...extra }));
    assert.equal(env.mock.requests.length, 1, 'not retried');
    assert.equal(err.kind, 'api');
    assert.equal(err.message, message);
    assert.match(err.description, /Code -1/);
  }
});

test('HTTP 401 says the application id / key was refused, without the key', async () => {
  const creds = { ...env.mock.credentials.interworks, apiKey: 'iw-Wrong-Key-77' };
  const err = await rejection(runInterworks(env.mp, env.mock, { resource: 'subscription', operation: 'subscriptionSuspend', subscriptionId: SUB }, { credentials: creds }));
  assert.equal(env.mock.requests.length, 1);
  assert.equal(env.mock.requests[0].authFailure, 'wrong API key');
  assert.equal(httpCodeOf(err), '401');
  assert.match(err.message, /refused the application ID \/ API key/);
  assertNoSecrets(errorText(err), [creds.apiKey, Buffer.from(creds.apiKey).toString('base64')], 'error');
});

test('continueOnFail: a failing item becomes an error item in place, the others still run', async () => {
  const mk = (subscriptionId) => ({ resource: 'subscription', operation: 'subscriptionCancel', subscriptionId });
  const out = await runInterworks(env.mp, env.mock, [mk('s-1'), mk('unsupported'), mk(''), mk('s-4')], { continueOnFail: true });
  assertPaired(out, [0, 1, 2, 3]);
  assert.equal(out[0].json.Result, 's-1');
  assert.match(out[1].json.error, /not supported by default/);
  assert.match(out[2].json.error, /Subscription ID/);
  assert.equal(out[3].json.Result, 's-4');
  assert.equal(env.mock.requests.length, 3);
});

// ---- bad input: never a request --------------------------------------------------------------------

const badInputs = [
  ['Addon Update without subscription id', { resource: 'addon', operation: 'addonUpdate', addons: addonList({ productId: 'P' }) }, /"Subscription ID" of item 0 is required/],
  ['Addon Update with no changed add-on', { resource: 'addon', operation: 'addonUpdate', subscriptionId: SUB, addons: addonList({ productId: 'P', included: false }) }, /"Add-Ons" of item 0 needs at least one add-on to update/],
  ['Addon Update with a negative total', { resource: 'addon', operation: 'addonUpdate', subscriptionId: SUB, addons: addonList({ productId: 'P', quantity: -1 }) }, /"Add-Ons 1 › Quantity" of item 0/],
  ['Addon Cancel without add-ons', { resource: 'addon', operation: 'addonCancel', subscriptionId: SUB }, /"Add-Ons" of item 0 needs at least one add-on to cancel/],
  ['Addon Cancel with an add-on lacking its product id', { resource: 'addon', operation: 'addonCancel', subscriptionId: SUB, addons: addonList({ productId: ' ' }) }, /"Add-Ons 1 › Product ID" of item 0 is required/],
  ['Subscription Create without product', { resource: 'subscription', operation: 'subscriptionCreate', quantity: 1 }, /"Product ID" of item 0 is required/],
  ['Subscription Create with quantity 0', { resource: 'subscription', operation: 'subscriptionCreate', productId: 'P', quantity: 0 }, /"Quantity" of item 0 must be a whole number from 1/],
  ['Subscription Suspend without subscription id', { resource: 'subscription', operation: 'subscriptionSuspend', subscriptionId: '  ' }, /"Subscription ID" of item 0 is required/],
  ['Subscription Cancel with an account that is not an object', { resource: 'subscription', operation: 'subscriptionCancel', subscriptionId: SUB, additionalFields: { account: '[1]' } }, /"Account" of item 0 must be a JSON object/],
  ['Subscription Activate with a list as attribute map', { resource: 'subscription', operation: 'subscriptionActivate', subscriptionId: SUB, additionalFields: { attributeList: [{ ID: 'a' }] } }, /"Subscription Attributes \(JSON\)" of item 0 must be a JSON object, got a list/],
  ['Subscription Update with a custom field that is not text', { resource: 'subscription', operation: 'subscriptionUpdate', subscriptionId: SUB, additionalFields: { customFieldValues: { a: { b: 1 } } } }, /CustomFieldValues\.a must be text, got an object/],
  ['Subscription UpgradeToPaid with an unknown ActionType override', { resource: 'subscription', operation: 'subscriptionUpgradeToPaid', subscriptionId: SUB, advanced: { parentActionType: 'Explode' } }, /"What To Do With the Subscription" of item 0 must be one of/],
  ['JSON source with AttributeList as a list', { resource: 'addon', operation: 'addonUpdate', definitionSource: 'json', serviceDefinition: { ...platformDefinition(), AttributeList: [{ ID: 'Plan' }] } }, /"Service Definition" of item 0 is not a valid ServiceDefinition: AttributeList must be an object keyed by attribute ID, not a list/],
  ['JSON source with a fractional add-on quantity', { resource: 'addon', operation: 'addonUpdate', definitionSource: 'json', serviceDefinition: { ...platformDefinition(), Addons: [{ ProductID: 'P', Quantity: 1.5 }] } }, /Addons\[0\]\.Quantity must be a whole number/],
  ['JSON source with an add-on of another call', { resource: 'addon', operation: 'addonCreate', definitionSource: 'json', serviceDefinition: { ID: SUB, Addons: [{ ProductID: 'P', ActionType: 'Cancel' }] } }, /Addons\[0\]\.ActionType is "Cancel"/],
  ['JSON source without ID for an update', { resource: 'subscription', operation: 'subscriptionUpdate', definitionSource: 'json', serviceDefinition: { Quantity: 3 } }, /has no ID: Subscription Update needs/],
  ['JSON source with Derivative out of range', { resource: 'subscription', operation: 'subscriptionCreate', definitionSource: 'json', serviceDefinition: { ProductID: 'P', Quantity: 1, Derivative: 7 } }, /Derivative must be 0 to 4/],
  ['JSON source that is not JSON', { resource: 'subscription', operation: 'subscriptionCancel', definitionSource: 'json', serviceDefinition: '{"ID": ' }, /"Service Definition" of item 0 must be a JSON object; the text is not valid JSON/],
  ['JSON source given a whole Webhook item', { resource: 'subscription', operation: 'subscriptionCancel', definitionSource: 'json', serviceDefinition: { headers: {}, params: {}, query: {}, body: { ID: SUB } } }, /looks like a Webhook item/],
  ['a path setting that leaves the base URL', { resource: 'subscription', operation: 'subscriptionCancel', subscriptionId: SUB }, /plain path under the base URL/, { subscriptionCancelPath: '../admin/Cancel' }],
];

for (const [label, parameters, pattern, credentialOverride] of badInputs) {
  test(`rejects ${label} without sending anything`, async () => {
    const extra = credentialOverride ? { credentials: { ...env.mock.credentials.interworks, ...credentialOverride } } : {};
    const err = await rejection(runInterworks(env.mp, env.mock, parameters, extra), label);
    assert.equal(env.mock.requests.length, 0, `${label}: no request may be sent`);
    assert.equal(err.kind, 'input');
    assert.equal(Number(err.itemIndex), 0);
    assert.match(err.message, pattern, `${label}: ${err.message}`);
  });
}

test('one bad item stops the whole run before any request (without continueOnFail)', async () => {
  const good = { resource: 'subscription', operation: 'subscriptionSuspend', subscriptionId: SUB };
  const err = await rejection(runInterworks(env.mp, env.mock, [good, good, { ...good, subscriptionId: '' }]));
  assert.equal(Number(err.itemIndex), 2);
  assert.match(err.message, /of item 2/);
  assert.equal(env.mock.requests.length, 0);
});
