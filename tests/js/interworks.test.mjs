// Interworks Cloud connector: Addon Create (ServiceDefinition wire format per specs/interworks/WIRE.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { useMockMarketplace, runInterworks, rejection, httpCodeOf, assertNoSecrets, errorText } from '../support/harness.mjs';

const env = useMockMarketplace();

const SUB = '3f2c9a4e-8d1b-4c55-9e0a-2b7d6f1a9c01';

const create = (extra = {}) => ({
  resource: 'addon',
  operation: 'addonCreate',
  subscriptionId: SUB,
  addons: {
    addon: [
      {
        productId: 'VendorXCustomDomainAddon',
        name: 'Vendor X - Custom Domain',
        quantity: 2,
        attributes: {
          attribute: [
            { id: 'VenderXAddonPlan', name: 'Vendor X - Addon Plan', value: 'Custom Domain', code: 'VenderXAddonPlan_CustomDomain', quantityLinked: false },
            { id: 'Seats', name: 'Seats', value: '5', code: 'SEATS', quantityLinked: true },
          ],
        },
      },
      { productId: 'VendorXPremiumSupportAddon', name: 'Vendor X - Premium Support', quantity: 1, id: 'b1e0d2c3-0000-4000-8000-000000000002' },
    ],
  },
  additionalFields: {},
  ...extra,
});

function assertConnectorRequest(r) {
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/API/Addon/Create');
  assert.deepEqual(r.query, {});
  assert.match(r.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(r.headers['x-cloudplatform-applicationid'], env.mock.credentials.interworks.applicationId);
  assert.equal(r.headers['x-cloudplatform-apikey'], Buffer.from(env.mock.credentials.interworks.apiKey).toString('base64'));
  assert.ok(r.bodyIsJson, 'JSON body');
}

test('Addon Create: sends a ServiceDefinition and returns the connector result', async () => {
  const out = await runInterworks(env.mp, env.mock, create());
  assert.equal(env.mock.requests.length, 1);
  const r = env.mock.requests[0];
  assertConnectorRequest(r);
  const sd = r.body;
  assert.equal(sd.ID, SUB);
  assert.equal(sd.ActionType, 'None');
  assert.equal(sd.Addons.length, 2);
  const [a, b] = sd.Addons;
  assert.equal(a.ProductID, 'VendorXCustomDomainAddon');
  assert.equal(a.Name, 'Vendor X - Custom Domain');
  assert.equal(a.ActionType, 'Provision');
  assert.equal(a.Quantity, 2);
  assert.ok(a.ID == null, 'a new add-on has no external ID yet');
  assert.deepEqual(a.AttributeList, {
    VenderXAddonPlan: { ID: 'VenderXAddonPlan', Name: 'Vendor X - Addon Plan', Value: 'Custom Domain', Code: 'VenderXAddonPlan_CustomDomain', QuantityLinked: false },
    Seats: { ID: 'Seats', Name: 'Seats', Value: '5', Code: 'SEATS', QuantityLinked: true },
  });
  if ('ParentID' in a && a.ParentID != null) assert.equal(a.ParentID, SUB);
  assert.equal(b.ID, 'b1e0d2c3-0000-4000-8000-000000000002');
  assert.equal(b.ProductID, 'VendorXPremiumSupportAddon');
  assert.equal(b.ActionType, 'Provision');
  assert.equal(b.Quantity, 1);
  if (b.AttributeList != null) assert.deepEqual(b.AttributeList, {});

  assert.equal(out.length, 1);
  assert.deepEqual(out[0].pairedItem, { item: 0 });
  const res = out[0].json;
  assert.equal(res.Code, 0);
  assert.equal(res.Message, '');
  assert.equal(res.Result, env.mock.data.interworksAddons[0].externalId);
});

test('Addon Create: additional fields map onto the ServiceDefinition', async () => {
  const account = { ID: '1001', ExternalID: 'acc-ext-0001', Name: 'Cloud Company', Email: 'billing@cloudcompany.example', IsTest: false };
  await runInterworks(
    env.mp,
    env.mock,
    create({
      additionalFields: {
        subscriptionName: 'Vendor X - Professional Edition',
        productId: 'VendorXProfessional',
        serviceType: 'VenderXSubscriptionBased',
        platformSubscriptionId: '12345',
        quantity: 10,
        account: JSON.stringify(account),
        billingCycleDuration: 1,
        billingCycleDurationType: 'Month',
        derivative: 1,
        customFieldValues: '{"region":"eu-central"}',
        isTrial: true,
      },
    }),
  );
  const sd = env.mock.requests[0].body;
  assert.equal(sd.Name, 'Vendor X - Professional Edition');
  assert.equal(sd.ProductID, 'VendorXProfessional');
  assert.equal(sd.ServiceType, 'VenderXSubscriptionBased');
  assert.equal(sd.SubscriptionID, '12345');
  assert.equal(sd.Quantity, 10);
  assert.deepEqual(sd.Account, account);
  assert.deepEqual(sd.BillingCycle, { Duration: '1', DurationType: 'Month' });
  assert.equal(sd.Derivative, 1);
  assert.deepEqual(sd.CustomFieldValues, { 'region': 'eu-central' });
  assert.equal(sd.IsTrial, true);
  assert.equal(sd.ActionType, 'None');
});

test('Addon Create: account given as an object is sent as an object', async () => {
  await runInterworks(env.mp, env.mock, create({ additionalFields: { account: { ID: '7', Name: 'ACME' } } }));
  assert.deepEqual(env.mock.requests[0].body.Account, { ID: '7', Name: 'ACME' });
});

test('Addon Create: unset additional fields are not invented', async () => {
  await runInterworks(env.mp, env.mock, create());
  const sd = env.mock.requests[0].body;
  // no made-up account or billing cycle; defaults a .NET connector would assume anyway are fine
  for (const k of ['Account', 'BillingCycle']) assert.ok(sd[k] == null, `${k} should be absent, got ${JSON.stringify(sd[k])}`);
  assert.ok(sd.Derivative == null || sd.Derivative === 0, `Derivative ${sd.Derivative}`);
  assert.ok(sd.IsTrial == null || sd.IsTrial === false, `IsTrial ${sd.IsTrial}`);
  assert.ok(sd.CustomFieldValues == null || Object.keys(sd.CustomFieldValues).length === 0);
});

test('Addon Create: apiKeyEncoding=plain sends the key as is; custom base URL and path are honoured', async () => {
  const m2 = await startMockMarketplace({ interworksApiKeyEncoding: 'plain', interworksBasePath: '/connector/api', interworksAddonCreatePath: 'Example/Addons/Create' });
  try {
    const out = await runInterworks(env.mp, m2, create(), {
      credentials: { ...m2.credentials.interworks, baseUrl: `${m2.url}/connector/api/`, addonCreatePath: '/Example/Addons/Create', apiKeyEncoding: 'plain' },
    });
    assert.equal(out[0].json.Code, 0);
    assert.equal(m2.requests.length, 1);
    assert.equal(m2.requests[0].path, '/connector/api/Example/Addons/Create');
    assert.equal(m2.requests[0].headers['x-cloudplatform-apikey'], m2.credentials.interworks.apiKey);
  } finally {
    await m2.close();
  }
});

test('Addon Create: Code -1 from the connector is an error carrying its Message', async () => {
  const err = await rejection(runInterworks(env.mp, env.mock, create({ subscriptionId: 'unsupported' })));
  assert.equal(env.mock.requests.length, 1, 'not retried');
  assert.equal(err.kind, 'api');
  assert.equal(Number(err.itemIndex), 0);
  assert.match(`${err.message}\n${err.description ?? ''}`, /AddonsCreate functionality is not supported by default/);
});

test('Addon Create: a scripted Code 1 answer is an error carrying its Message', async () => {
  env.mock.failNext('POST /API/Addon/Create', { status: 200, body: { Code: 1, Message: 'Quota exceeded for VendorX', Result: null } });
  const err = await rejection(runInterworks(env.mp, env.mock, create()));
  assert.match(`${err.message}\n${err.description ?? ''}`, /Quota exceeded for VendorX/);
});

test('Addon Create: 401 from the connector says the application id / key was refused', async () => {
  for (const bad of [{ apiKey: 'not-the-key' }, { applicationId: '00000000-0000-4000-8000-000000000000' }]) {
    env.mock.reset();
    const creds = { ...env.mock.credentials.interworks, ...bad };
    const err = await rejection(runInterworks(env.mp, env.mock, create(), { credentials: creds }));
    assert.equal(env.mock.requests.length, 1, 'a 401 is not retried');
    assert.equal(httpCodeOf(err), '401');
    const text = `${err.message}\n${err.description ?? ''}`;
    assert.match(text, /application\s*id/i, text);
    assert.match(text, /key/i, text);
    assert.match(text, /refused|rejected|denied|not accepted|invalid|unauthori[sz]ed/i, text);
    assertNoSecrets(errorText(err), [creds.apiKey, Buffer.from(creds.apiKey).toString('base64')], 'error');
  }
});

test('Addon Create: incomplete credential is refused before sending', async () => {
  for (const missing of ['applicationId', 'apiKey', 'baseUrl']) {
    const creds = { ...env.mock.credentials.interworks };
    delete creds[missing];
    const err = await rejection(runInterworks(env.mp, env.mock, create(), { credentials: creds }), `without ${missing}`);
    assert.equal(env.mock.requests.length, 0, `without ${missing}: nothing sent`);
    assert.ok(err instanceof Error);
  }
});

// ---- bad input: never a request --------------------------------------------------------------------

const oneAddon = (a) => ({ addon: [{ productId: 'P', name: 'N', quantity: 1, ...a }] });
const badInputs = [
  ['missing subscription id', { subscriptionId: '' }, /subscription/i],
  ['blank subscription id', { subscriptionId: '   ' }, /subscription/i],
  ['no add-ons (empty object)', { addons: {} }, /add-?on/i],
  ['no add-ons (empty list)', { addons: { addon: [] } }, /add-?on/i],
  ['quantity 0', { addons: oneAddon({ quantity: 0 }) }, /quantity/i],
  ['negative quantity', { addons: oneAddon({ quantity: -2 }) }, /quantity/i],
  ['fractional quantity', { addons: oneAddon({ quantity: 1.5 }) }, /quantity/i],
  ['missing product id', { addons: oneAddon({ productId: '' }) }, /product/i],
  ['attribute without id', { addons: oneAddon({ attributes: { attribute: [{ id: '', name: 'x', value: 'y' }] } }) }, /attribute/i],
  ['malformed account JSON', { additionalFields: { account: '{"ID": ' } }, /account/i],
  ['malformed custom field values', { additionalFields: { customFieldValues: 'nope' } }, /custom field/i],
  ['derivative out of range', { additionalFields: { derivative: 9 } }, /derivative/i],
];

for (const [label, over, pattern] of badInputs) {
  test(`Addon Create rejects ${label} without sending anything`, async () => {
    const err = await rejection(runInterworks(env.mp, env.mock, create(over)), label);
    assert.equal(env.mock.requests.length, 0, `${label}: no request may be sent`);
    assert.equal(err.kind, 'input');
    assert.equal(Number(err.itemIndex), 0);
    assert.match(`${err.message}\n${err.description ?? ''}`, pattern, `${label}: ${err.message}`);
  });
}
