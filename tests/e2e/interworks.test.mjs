// End to end in a real n8n (2.8.4, or 2.41.1 with E2E_N8N=latest): the Interworks Cloud node as a connector client (Subscription Create
// from a JSON item → Addon Update → Addon Cancel, each using the previous call's Result) and as the
// connector itself (Verify Platform Call on items shaped exactly like the Webhook node's output, with a
// correct and a refused key). Two n8n runs. Build first (`npm run build`), then
// `node --test tests/e2e/interworks.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureN8n, runWorkflows, chainWorkflow, itemsNode, customType, nodeDescription, REPO_ROOT } from './n8n-harness.mjs';

const MOCK_MODULE = path.join(REPO_ROOT, 'tests', 'support', 'mock-marketplace.mjs');
const CRED = { id: 'e2eInterworksCr2', name: 'Interworks connector (e2e)' };
const CALLS_WF = 'e2eIwConnector01';
const PLATFORM_WF = 'e2eIwPlatform001';

let mock;
let descriptor;
const outcomes = new Map(); // workflow id → { result, requests, calls }

/** An Interworks node whose every parameter is one the descriptor shows for its operation. */
function interworksNode(name, parameters, extra = {}) {
  for (const key of Object.keys(parameters)) {
    const declared = descriptor.properties.some(
      (p) => p.name === key && (!p.displayOptions?.show?.operation || p.displayOptions.show.operation.includes(parameters.operation)),
    );
    assert.ok(declared, `interworksCloud has no parameter "${key}" for ${parameters.operation}`);
  }
  return { name, type: customType('interworksCloud'), parameters, credentials: { interworksCloudApi: CRED }, ...extra };
}

/** n8n's Webhook node output for a platform call (lower-cased headers, parsed JSON body). */
function webhookItem(body, apiKeyHeader) {
  return {
    headers: {
      host: 'n8n.example:5678',
      'content-type': 'application/json; charset=utf-8',
      'x-cloudplatform-applicationid': mock.credentials.interworks.applicationId,
      'x-cloudplatform-apikey': apiKeyHeader,
      'x-cloudplatform-trackid': 'track-e2e',
    },
    params: {},
    query: {},
    body,
    webhookUrl: 'https://n8n.example/webhook/interworks/Addon/Update',
    executionMode: 'production',
  };
}

const PLATFORM_BODY = {
  ID: 'ext-sub-e2e',
  ActionType: 'None',
  Addons: [
    { ID: 'addon-1', ProductID: 'Seats', ActionType: 'Provision', Quantity: 12 },
    { ID: 'addon-2', ProductID: 'Support', ActionType: 'None', Quantity: 1 },
  ],
};

before(
  async () => {
    descriptor = nodeDescription('interworksCloud');
    await ensureN8n();
    mock = await (await import(pathToFileURL(MOCK_MODULE).href)).startMockMarketplace();
    const goodKey = Buffer.from(mock.credentials.interworks.apiKey).toString('base64');

    const calls = chainWorkflow({
      id: CALLS_WF,
      name: 'e2e: Interworks connector calls, each using the Result of the one before',
      nodes: [
        itemsNode('Order', [
          {
            ProductID: 'VendorXProfessional',
            Quantity: 10,
            Name: 'Vendor X - Professional Edition',
            Account: { ID: '1001', Name: 'Cloud Company' },
            AttributeList: { Plan: { ID: 'Plan', Value: 'Professional' } },
            Derivative: 'SUBSCRIPTION',
          },
        ]),
        interworksNode('Create Subscription', { resource: 'subscription', operation: 'subscriptionCreate', definitionSource: 'json' }),
        interworksNode('Update Add-On', {
          resource: 'addon',
          operation: 'addonUpdate',
          subscriptionId: '={{ $json.Result }}',
          addons: { addon: [{ productId: 'Seats', id: 'addon-1', quantity: 12 }, { productId: 'Support', id: 'addon-2', quantity: 1, included: false }] },
        }),
        interworksNode('Cancel Add-On', {
          resource: 'addon',
          operation: 'addonCancel',
          subscriptionId: '={{ $json.Result }}',
          addons: { addon: [{ productId: 'Support', id: 'addon-2', quantity: 1 }] },
        }),
      ],
    });

    // Start → two webhook-shaped calls (good key, refused key) → Verify (continue on fail);
    // then a refused call into a Verify without continue-on-fail, which must fail the run.
    const platform = chainWorkflow({
      id: PLATFORM_WF,
      name: 'e2e: Interworks Verify Platform Call on Webhook-shaped items',
      nodes: [
        itemsNode('Webhook Calls', [webhookItem(PLATFORM_BODY, goodKey), webhookItem(PLATFORM_BODY, Buffer.from('a-guess').toString('base64'))]),
        interworksNode('Verify Calls', { resource: 'platform', operation: 'verifyPlatformCall' }, { onError: 'continueRegularOutput' }),
        itemsNode('Refused Call', [webhookItem(PLATFORM_BODY, mock.credentials.interworks.apiKey)]),
        interworksNode('Verify Strictly', { resource: 'platform', operation: 'verifyPlatformCall', expectedCall: 'addonUpdate' }),
      ],
    });

    await runWorkflows({
      workflows: [calls, platform],
      credentials: [{ ...CRED, type: 'interworksCloudApi', data: { ...mock.credentials.interworks } }],
      beforeExecute: () => mock.reset(),
      afterExecute: (result, wf) => {
        outcomes.set(wf.id, { result, requests: mock.requests.slice(), calls: structuredClone(mock.data.interworksCalls), errors: mock.errors.slice() });
      },
    });
  },
  { timeout: 20 * 60_000 },
);

after(async () => {
  if (mock) await mock.close();
});

function outcome(id) {
  const o = outcomes.get(id);
  assert.ok(o, `workflow ${id} did not run (see the before hook's error)`);
  return o;
}

test('connector calls: Subscription Create from a JSON item, then Addon Update and Addon Cancel on its Result', () => {
  const { result, requests, calls, errors } = outcome(CALLS_WF);
  assert.equal(result.code, 0, `n8n exited ${result.code}: ${result.error?.message ?? ''}\n${result.stdout.slice(-2000)}`);
  assert.equal(result.status, 'success');
  assert.deepEqual(errors, []);

  const iw = mock.credentials.interworks;
  assert.deepEqual(requests.map((r) => `${r.method} ${r.path}`), ['POST /API/Subscriptions/Create', 'POST /API/Addon/Update', 'POST /API/Addon/Cancel']);
  for (const r of requests) {
    assert.equal(r.headers['x-cloudplatform-applicationid'], iw.applicationId);
    assert.equal(r.headers['x-cloudplatform-apikey'], Buffer.from(iw.apiKey).toString('base64'));
    assert.match(r.headers['content-type'], /^application\/json/);
  }
  const [create, update, cancel] = requests.map((r) => r.body);
  assert.deepEqual(create, {
    ActionType: 'Provision',
    ProductID: 'VendorXProfessional',
    Quantity: 10,
    Name: 'Vendor X - Professional Edition',
    Account: { ID: '1001', Name: 'Cloud Company' },
    AttributeList: { Plan: { ID: 'Plan', Value: 'Professional' } },
    Derivative: 1,
  });
  const externalId = calls[0].result;
  const created = result.items('Create Subscription');
  assert.equal(created.length, 1);
  assert.equal(created[0].json.Code, 0);
  assert.equal(created[0].json.Result, externalId);

  assert.deepEqual(update, {
    ID: externalId,
    ActionType: 'None',
    Addons: [
      { ProductID: 'Seats', ID: 'addon-1', ActionType: 'Provision', Quantity: 12 },
      { ProductID: 'Support', ID: 'addon-2', ActionType: 'None', Quantity: 1 },
    ],
  });
  assert.deepEqual(cancel, { ID: externalId, ActionType: 'None', Addons: [{ ProductID: 'Support', ID: 'addon-2', ActionType: 'Cancel', Quantity: 1 }] });
  for (const node of ['Update Add-On', 'Cancel Add-On']) {
    const items = result.items(node);
    assert.equal(items.length, 1);
    assert.deepEqual([items[0].json.Code, items[0].json.Result], [0, externalId]);
    assert.deepEqual(items[0].pairedItem, { item: 0 });
  }
  for (const secret of [iw.apiKey, Buffer.from(iw.apiKey).toString('base64')]) assert.ok(!result.stdout.includes(secret), 'the key stays out of n8n output');
});

test('Verify Platform Call in n8n: the right key passes with what to do, a refused key is an error item', () => {
  const { result, requests } = outcome(PLATFORM_WF);
  assert.deepEqual(requests, [], 'verifying sends nothing');
  const items = result.items('Verify Calls');
  assert.equal(items.length, 2);
  assert.deepEqual(items.map((i) => i.pairedItem), [{ item: 0 }, { item: 1 }]);
  const passed = items[0].json;
  assert.equal(passed.verified, true);
  assert.equal(passed.call, 'addonUpdate');
  assert.equal(passed.trackId, 'track-e2e');
  assert.deepEqual(passed.addons.update.map((a) => [a.ID, a.Quantity]), [['addon-1', 12]]);
  assert.deepEqual(passed.addons.unchanged.map((a) => a.ID), ['addon-2']);
  assert.deepEqual(passed.answer, { Code: 0, Message: '', Result: 'ext-sub-e2e' });
  const refused = items[1].json;
  assert.ok(!('verified' in refused), `a refused call never looks like a pass: ${JSON.stringify(refused)}`);
  assert.match(refused.error, /^The platform call was refused: /);
  assert.equal(refused.httpCode, '401');
});

test('Verify Platform Call in n8n: without continue-on-fail a refused call (plain key where Base64 is due) fails the run', () => {
  const { result } = outcome(PLATFORM_WF);
  assert.equal(result.code, 1);
  assert.equal(result.status, 'error');
  assert.equal(result.lastNodeExecuted, 'Verify Strictly');
  const error = result.nodeError('Verify Strictly');
  assert.ok(error, 'the node run is marked as failed');
  assert.equal(error.name, 'NodeOperationError');
  assert.match(error.message, /^The platform call was refused: .*do not match the credential/);
  assert.equal(error.context?.itemIndex, 0);
});
