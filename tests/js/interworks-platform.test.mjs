// Interworks Cloud "Verify Platform Call": the workflow *is* the connector (Webhook → this node →
// Respond to Webhook). Items are shaped exactly like n8n's Webhook node output; nothing is ever sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, runInterworks, rejection, assertNoSecrets, errorText, assertPaired } from '../support/harness.mjs';

const env = useMockMarketplace();

const VERIFY = { resource: 'platform', operation: 'verifyPlatformCall' };
const SUB = 'ext-sub-0042';

const creds = () => env.mock.credentials.interworks;
const keyHeader = (key = creds().apiKey) => Buffer.from(key, 'utf8').toString('base64');

/** What n8n's Webhook node outputs for a POST: lower-cased headers, params, query, parsed body. */
function webhookItem(body, headers = {}) {
  return {
    headers: {
      host: 'n8n.example:5678',
      'user-agent': 'Interworks.Cloud.BSS',
      'content-type': 'application/json; charset=utf-8',
      'x-cloudplatform-applicationid': creds().applicationId,
      'x-cloudplatform-apikey': keyHeader(),
      'x-cloudplatform-trackid': 'track-0001',
      'x-cloudplatform-baseuri': 'https://platform.example/api',
      'x-cloudplatform-setting-region': 'eu-central',
      ...headers,
    },
    params: {},
    query: {},
    body,
    webhookUrl: 'https://n8n.example/webhook/interworks/Addon/Update',
    executionMode: 'production',
  };
}

const verify = (json, parameters = {}, extra = {}) => runInterworks(env.mp, env.mock, { ...VERIFY, ...parameters }, { items: [{ json }], ...extra });

/** Bodies the platform sends for each endpoint (ActionTypes per WIRE.md). */
const bodies = {
  addonCreate: { ID: SUB, ActionType: 'None', Addons: [{ ID: null, ProductID: 'Domain', ActionType: 'Provision', Quantity: 1 }, { ID: 'a-2', ProductID: 'Support', ActionType: 'None', Quantity: 1 }] },
  addonUpdate: { ID: SUB, ActionType: 'None', Addons: [{ ID: 'a-1', ProductID: 'Seats', ActionType: 'Provision', Quantity: 12 }, { ID: 'a-2', ProductID: 'Support', ActionType: 'None', Quantity: 1 }] },
  addonCancel: { ID: SUB, ActionType: 'None', Addons: [{ ID: 'a-1', ProductID: 'Seats', ActionType: 'Cancel', Quantity: 12 }] },
  subscriptionCreate: { ID: null, ActionType: 'Provision', ProductID: 'Pro', Quantity: 10, Addons: [{ ProductID: 'Domain', ActionType: 'Provision', Quantity: 1 }] },
  subscriptionUpdate: { ID: SUB, ActionType: 'Provision', ProductID: 'Pro', Quantity: 20 },
  subscriptionCancel: { ID: SUB, ActionType: 'Cancel' },
  subscriptionSuspend: { ID: SUB, ActionType: 'Suspend' },
  subscriptionActivate: { ID: SUB, ActionType: 'Activate' },
  subscriptionUpgradeToPaid: { ID: SUB, ActionType: 'UpgradeToPaid', IsTrial: false },
};

test('a call with this connector\'s id and key passes and says what to do', async () => {
  const out = await verify(webhookItem(bodies.addonUpdate));
  assert.equal(env.mock.requests.length, 0, 'nothing is sent');
  assertPaired(out, [0]);
  const json = out[0].json;
  assert.equal(json.verified, true);
  assert.equal(json.call, 'addonUpdate');
  assert.equal(json.subscriptionId, SUB);
  assert.equal(json.subscriptionAction, 'none');
  assert.deepEqual(json.addons.update.map((a) => [a.ID, a.Quantity]), [['a-1', 12]]);
  assert.deepEqual(json.addons.unchanged.map((a) => a.ID), ['a-2']);
  assert.deepEqual([json.addons.provision, json.addons.cancel, json.addons.other], [[], [], []]);
  assert.equal(json.checkOnly, false);
  assert.equal(json.trackId, 'track-0001');
  assert.equal(json.platformBaseUri, 'https://platform.example/api');
  assert.deepEqual(json.settings, { region: 'eu-central' });
  assert.deepEqual(json.answer, { Code: 0, Message: '', Result: SUB });
  assert.deepEqual(json.serviceDefinition, bodies.addonUpdate);
  assertNoSecrets(out, [creds().apiKey, keyHeader()], 'output');
});

for (const [call, body] of Object.entries(bodies)) {
  test(`each endpoint's call is told from its ActionTypes: ${call}`, async () => {
    const out = await verify(webhookItem(body));
    assert.equal(out[0].json.call, call);
    // and it fits when the webhook says which endpoint it serves
    const fitted = await verify(webhookItem(body), { expectedCall: call });
    assert.equal(fitted[0].json.call, call);
  });
}

test('what to provision, update and cancel follows the call', async () => {
  const create = (await verify(webhookItem(bodies.addonCreate)))[0].json;
  assert.deepEqual(create.addons.provision.map((a) => a.ProductID), ['Domain']);
  assert.deepEqual(create.addons.unchanged.map((a) => a.ProductID), ['Support']);
  const cancel = (await verify(webhookItem(bodies.addonCancel)))[0].json;
  assert.deepEqual(cancel.addons.cancel.map((a) => a.ID), ['a-1']);
  const sub = (await verify(webhookItem({ ...bodies.subscriptionCreate, CheckOnly: true })))[0].json;
  assert.equal(sub.subscriptionAction, 'create');
  assert.equal(sub.checkOnly, true, 'a pre-check must not provision');
  assert.deepEqual(sub.addons.provision.map((a) => a.ProductID), ['Domain']);
  assert.deepEqual(sub.answer, { Code: 0, Message: '', Result: null }, 'a Create answers the new external ID: the workflow fills Result');
  for (const [call, action] of [['subscriptionCancel', 'cancel'], ['subscriptionSuspend', 'suspend'], ['subscriptionUpgradeToPaid', 'upgradeToPaid'], ['subscriptionUpdate', 'update']]) {
    assert.equal((await verify(webhookItem(bodies[call])))[0].json.subscriptionAction, action);
  }
});

// ---- refused calls: an error, never a pass ------------------------------------------------------------

const refusals = [
  ['a wrong key', { 'x-cloudplatform-apikey': Buffer.from('not-the-key').toString('base64') }, /do not match the credential/],
  ['the key as is where Base64 is expected', { 'x-cloudplatform-apikey': 'interworks-test-key' }, /do not match the credential/],
  ['a key header that is not Base64', { 'x-cloudplatform-apikey': '%%%' }, /do not match the credential/],
  ['another application id', { 'x-cloudplatform-applicationid': '00000000-0000-4000-8000-000000000000' }, /do not match the credential/],
  ['no key header', { 'x-cloudplatform-apikey': undefined }, /has no X-CloudPlatform-APIKey header/],
  ['no application id header', { 'x-cloudplatform-applicationid': undefined }, /has no X-CloudPlatform-ApplicationId header/],
];

for (const [label, headers, pattern] of refusals) {
  test(`a call with ${label} is refused`, async () => {
    const item = webhookItem(bodies.addonUpdate, headers);
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete item.headers[k];
    const err = await rejection(verify(item), label);
    assert.equal(err.kind, 'input');
    assert.equal(String(err.httpCode), '401');
    assert.equal(Number(err.itemIndex), 0);
    assert.match(err.message, /^The platform call was refused: /);
    assert.match(err.message, pattern);
    assertNoSecrets(errorText(err), [creds().apiKey, keyHeader()], 'error');
    assert.equal(env.mock.requests.length, 0);
  });
}

test('with continueOnFail a refused call is an error item in its place, never a pass', async () => {
  const good = webhookItem(bodies.addonCancel);
  const bad = webhookItem(bodies.addonCancel, { 'x-cloudplatform-apikey': Buffer.from('guess').toString('base64') });
  const out = await runInterworks(env.mp, env.mock, VERIFY, { items: [{ json: good }, { json: bad }, { json: good }], continueOnFail: true });
  assertPaired(out, [0, 1, 2]);
  assert.equal(out[0].json.verified, true);
  assert.ok(!('verified' in out[1].json), `refused item: ${JSON.stringify(out[1].json)}`);
  assert.match(out[1].json.error, /refused/);
  assert.equal(out[1].json.httpCode, '401');
  assert.ok(!('answer' in out[1].json));
  assert.equal(out[2].json.verified, true);
});

test('apiKeyEncoding plain: the header is the key itself', async () => {
  const plain = { ...creds(), apiKeyEncoding: 'plain' };
  const out = await verify(webhookItem(bodies.subscriptionSuspend, { 'x-cloudplatform-apikey': creds().apiKey }), {}, { credentials: plain });
  assert.equal(out[0].json.verified, true);
  const err = await rejection(verify(webhookItem(bodies.subscriptionSuspend), {}, { credentials: plain }));
  assert.match(err.message, /refused/);
});

// ---- the body -------------------------------------------------------------------------------------------

test('headers and body may be given as parameters (names in any case, body as JSON text)', async () => {
  const headers = { 'X-CloudPlatform-ApplicationId': creds().applicationId, 'X-CloudPlatform-APIKey': keyHeader() };
  const out = await verify({ something: 'else' }, { headers, body: JSON.stringify(bodies.subscriptionCancel) });
  assert.equal(out[0].json.call, 'subscriptionCancel');
});

test('a body that is no ServiceDefinition, or does not fit the expected call, is an error (not 401)', async () => {
  let err = await rejection(verify(webhookItem({ ID: SUB, ActionType: 'None', AttributeList: [{ ID: 'x' }] })));
  assert.match(err.message, /"Subscription Details \(Body\)" of item 0 is not a valid ServiceDefinition: AttributeList must be an object keyed by attribute ID/);
  assert.ok(err.httpCode == null);
  err = await rejection(verify(webhookItem(bodies.addonUpdate), { expectedCall: 'subscriptionCreate' }));
  assert.match(err.message, /does not fit Subscription Create: its ActionType is None; Subscription Create sends Provision/);
  err = await rejection(verify(webhookItem(bodies.addonUpdate), { expectedCall: 'addonCancel' }));
  assert.match(err.message, /does not fit Addon Cancel: Addons\[0\]\.ActionType is "Provision"/);
  err = await rejection(verify(webhookItem('not json')));
  assert.match(err.message, /"Subscription Details \(Body\)" of item 0 is not set and the item's body is nothing, not an object/);
});

// ---- both sides agree on the wire ---------------------------------------------------------------------

test('what the node sends as a connector client verifies as a platform call with the same credential', async () => {
  await runInterworks(env.mp, env.mock, {
    resource: 'addon',
    operation: 'addonUpdate',
    subscriptionId: SUB,
    addons: { addon: [{ productId: 'Seats', id: 'a-1', quantity: 12 }] },
  });
  const [sent] = env.mock.requests;
  const out = await verify({ headers: sent.headers, params: {}, query: {}, body: sent.body }, { expectedCall: 'addonUpdate' });
  assert.equal(out[0].json.verified, true);
  assert.deepEqual(out[0].json.addons.update.map((a) => [a.ID, a.Quantity]), [['a-1', 12]]);
});
