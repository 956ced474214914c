// End to end: a real, headless n8n (2.8.4, or 2.41.1 with E2E_N8N=latest) loads the built n8n packages
// (`pkg-n8n/`) as custom extensions, runs workflows against the local mock marketplace, and we check every
// node's output and every request the mock received. Run: `npm run build` (repo root), then
// `node --test tests/e2e/*.test.mjs` (n8n 2.8.4) or `node tests/e2e-latest/run.mjs` (n8n 2.41.1 on
// Node 24). The first run on a fresh clone installs n8n into tests/e2e/node_modules (≈ 5 min, 2.3 GB),
// or into tests/e2e-latest (≈ 5.5 min, 3.0 GB).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureN8n, runWorkflows, triggerFanOutWorkflow, chainWorkflow, itemsNode, customType, nodeDescriptions, REPO_ROOT } from './n8n-harness.mjs';

const MOCK_MODULE = path.join(REPO_ROOT, 'tests', 'support', 'mock-marketplace.mjs');

const CUSTOMER_ID = '4b7c1f0e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
const SUBSCRIPTION_ID = 'sub-e2e-0001';
const UNKNOWN_ARTICLE = 'NO-SUCH-ARTICLE-404';

const MITTWALD_CRED = { id: 'e2eMittwaldCred1', name: 'mittwald (e2e)' };
const INTERWORKS_CRED = { id: 'e2eInterworksCr1', name: 'Interworks (e2e)' };

let mockLib;
let mock;
let descriptors; // node name → INodeTypeDescription, from the n8n packages themselves (pkg-n8n/)
const perWorkflow = new Map(); // workflow id → { result, requests, data }
let orderedExtension;
let wantedArticle;

// ---------------------------------------------------------------------------------------------------
// checks that a workflow only sets parameters the node declares (n8n silently drops the others)

function shows(prop, params, all) {
  const show = prop.displayOptions?.show;
  const hide = prop.displayOptions?.hide;
  const valueOf = (name) => {
    if (name in params) return params[name];
    return all.find((p) => p.name === name && !p.displayOptions)?.default;
  };
  if (show) {
    for (const [name, values] of Object.entries(show)) {
      if (name.startsWith('@')) continue;
      if (!values.includes(valueOf(name))) return false;
    }
  }
  if (hide) {
    for (const [name, values] of Object.entries(hide)) {
      if (name.startsWith('@')) continue;
      if (values.includes(valueOf(name))) return false;
    }
  }
  return true;
}

function assertDeclared(nodeName, params) {
  const desc = descriptors.get(nodeName);
  assert.ok(desc, `the package has no node "${nodeName}"; it has: ${[...descriptors.keys()].join(', ')}`);
  const props = desc.properties;
  for (const [key, value] of Object.entries(params)) {
    const matching = props.filter((p) => p.name === key && shows(p, params, props));
    assert.ok(
      matching.length > 0,
      `${nodeName}: parameter "${key}" is not declared (or hidden) for ${JSON.stringify({ resource: params.resource, operation: params.operation })}; ` +
        `visible: ${props.filter((p) => shows(p, params, props)).map((p) => p.name).join(', ')}`,
    );
    const prop = matching[0];
    if (prop.type === 'options') {
      const values = prop.options.map((o) => o.value);
      assert.ok(values.includes(value), `${nodeName}.${key} = ${JSON.stringify(value)} is not one of ${JSON.stringify(values)}`);
    }
    if (prop.type === 'fixedCollection' && value && typeof value === 'object') {
      for (const [group, entries] of Object.entries(value)) {
        const option = prop.options.find((o) => o.name === group);
        assert.ok(option, `${nodeName}.${key}: no group "${group}" (has ${prop.options.map((o) => o.name)})`);
        for (const entry of [].concat(entries)) {
          for (const field of Object.keys(entry)) {
            assert.ok(option.values.some((v) => v.name === field), `${nodeName}.${key}.${group}: no field "${field}"`);
          }
        }
      }
    }
  }
}

function mittwaldNode(name, parameters, extra = {}) {
  assertDeclared('mittwald', parameters);
  return { name, type: customType('mittwald'), parameters, credentials: { mittwaldApi: MITTWALD_CRED }, ...extra };
}

/** A mittwald node with "Authentication: None": no credential, the mock as the form's Base URL. */
function mittwaldNodeWithoutCredential(name, parameters) {
  const all = { authentication: 'none', publicBaseUrl: mock.url, ...parameters };
  assertDeclared('mittwald', all);
  return { name, type: customType('mittwald'), parameters: all };
}

function interworksNode(name, parameters, extra = {}) {
  assertDeclared('interworksCloud', parameters);
  return { name, type: customType('interworksCloud'), parameters, credentials: { interworksCloudApi: INTERWORKS_CRED }, ...extra };
}

const headerOf = (req, name) => req.headers[name.toLowerCase()];
const paired = (items) => items.map((i) => i.pairedItem);

// ---------------------------------------------------------------------------------------------------

before(
  async () => {
    descriptors = nodeDescriptions();
    await ensureN8n();

    mockLib = await import(pathToFileURL(MOCK_MODULE).href);
    mock = await mockLib.startMockMarketplace();
    orderedExtension = mockLib.EXTENSIONS[0].id;
    wantedArticle = mock.data.articles[1];

    const main = triggerFanOutWorkflow({
      id: 'e2eMarketplace01',
      name: 'e2e: every operation once',
      nodes: [
        mittwaldNode('List Articles', { resource: 'Article', operation: 'article-list-articles', returnAll: true }),
        mittwaldNode('Get an Article', { resource: 'Article', operation: 'article-get-article', articleId: wantedArticle.articleId }),
        mittwaldNode('Order Extension', {
          resource: 'Marketplace',
          operation: 'extension-order-extension',
          extensionId: orderedExtension,
          orderFor: 'customer',
          customerId: CUSTOMER_ID,
          consentedScopes: ['a', 'b'],
          variantKey: '',
        }),
        interworksNode('Create Add-On', {
          resource: 'addon',
          operation: 'addonCreate',
          subscriptionId: SUBSCRIPTION_ID,
          addons: { addon: [{ productId: 'PROD-DOMAIN', name: 'Extra Domain', quantity: 2 }] },
        }),
      ],
    });

    const continueOnFail = triggerFanOutWorkflow({
      id: 'e2eContinueFail1',
      name: 'e2e: vendor 404 under continue-on-fail',
      nodes: [
        mittwaldNode(
          'Get Unknown Article',
          { resource: 'Article', operation: 'article-get-article', articleId: UNKNOWN_ARTICLE },
          { onError: 'continueRegularOutput' },
        ),
        mittwaldNode('Get Known Article', { resource: 'Article', operation: 'article-get-article', articleId: wantedArticle.articleId }),
      ],
    });

    const badParameter = triggerFanOutWorkflow({
      id: 'e2eBadParameter1',
      name: 'e2e: invalid parameter stops the run before any request',
      nodes: [
        mittwaldNode('Order Extension', {
          resource: 'Marketplace',
          operation: 'extension-order-extension',
          extensionId: 'not-a-uuid',
          orderFor: 'customer',
          customerId: CUSTOMER_ID,
          consentedScopes: ['a'],
          variantKey: '',
        }),
      ],
    });

    const perItem = chainWorkflow({
      id: 'e2ePerItemExpr01',
      name: 'e2e: three items, an expression parameter, one 404 in the middle',
      nodes: [
        itemsNode('Article IDs', [{ articleId: mock.data.articles[0].articleId }, { articleId: UNKNOWN_ARTICLE }, { articleId: wantedArticle.articleId }]),
        mittwaldNode(
          'Get Each Article',
          { resource: 'Article', operation: 'article-get-article', articleId: '={{ $json.articleId }}' },
          { onError: 'continueRegularOutput' },
        ),
      ],
    });

    const withoutCredential = triggerFanOutWorkflow({
      id: 'e2eNoCredential1',
      name: 'e2e: Authentication None runs a public operation',
      nodes: [mittwaldNodeWithoutCredential('List Articles', { resource: 'Article', operation: 'article-list-articles', returnAll: false, limit: 2 })],
    });

    const noCredentialForPrivate = triggerFanOutWorkflow({
      id: 'e2eNoCredential2',
      name: 'e2e: Authentication None refuses an operation that needs the credential',
      nodes: [
        mittwaldNodeWithoutCredential('Order Extension', {
          resource: 'Marketplace',
          operation: 'extension-order-extension',
          extensionId: orderedExtension,
          orderFor: 'customer',
          customerId: CUSTOMER_ID,
          consentedScopes: ['a'],
          variantKey: '',
        }),
      ],
    });

    const credentials = [
      { ...MITTWALD_CRED, type: 'mittwaldApi', data: { ...mock.credentials.mittwald } },
      { ...INTERWORKS_CRED, type: 'interworksCloudApi', data: { ...mock.credentials.interworks } },
    ];

    await runWorkflows({
      workflows: [main, continueOnFail, badParameter, perItem, withoutCredential, noCredentialForPrivate],
      credentials,
      beforeExecute: () => mock.reset(),
      afterExecute: (result, wf) => {
        perWorkflow.set(wf.id, {
          result,
          requests: mock.requests.slice(),
          errors: mock.errors.slice(),
          data: structuredClone({ orders: mock.data.orders, interworksAddons: mock.data.interworksAddons }),
        });
      },
    });
  },
  { timeout: 20 * 60_000 },
);

after(async () => {
  if (mock) await mock.close();
});

function outcome(id) {
  const o = perWorkflow.get(id);
  assert.ok(o, `workflow ${id} did not run (see the before hook's error)`);
  return o;
}

function assertSucceeded(result) {
  assert.equal(
    result.code,
    0,
    `n8n exited with ${result.code}: ${result.error?.message ?? ''} ${result.error?.description ?? ''}\n${result.stdout.slice(-3000)}`,
  );
  assert.equal(result.status, 'success');
  assert.equal(result.error, null);
}

// ---------------------------------------------------------------------------------------------------
// workflow 1: every operation once

test('n8n runs the workflow with all four nodes successfully', () => {
  const { result, errors } = outcome('e2eMarketplace01');
  assertSucceeded(result);
  assert.deepEqual(Object.keys(result.runData).sort(), ['Create Add-On', 'Get an Article', 'List Articles', 'Order Extension', 'Start']);
  assert.deepEqual(errors, [], 'the mock saw no malformed request');
});

test('List Articles (returnAll) returns every article, each paired with the trigger item', () => {
  const { result, requests } = outcome('e2eMarketplace01');
  const items = result.items('List Articles');
  const expected = mockLib.defaultArticles();
  assert.equal(items.length, expected.length);
  assert.deepEqual(
    items.map((i) => i.json.articleId),
    expected.map((a) => a.articleId),
  );
  const first = items[0].json;
  assert.equal(first.name, expected[0].name);
  assert.deepEqual(first.tags, expected[0].tags);
  assert.deepEqual(paired(items), items.map(() => ({ item: 0 })));

  const listCalls = requests.filter((r) => r.method === 'GET' && r.path === '/v2/articles');
  assert.ok(listCalls.length >= 1, 'GET /v2/articles was called');
  for (const r of listCalls) assert.equal(headerOf(r, 'x-access-token'), mock.credentials.mittwald.apiToken);
});

test('Get an Article returns that one article', () => {
  const { result, requests } = outcome('e2eMarketplace01');
  const items = result.items('Get an Article');
  assert.equal(items.length, 1);
  assert.equal(items[0].json.articleId, wantedArticle.articleId);
  assert.equal(items[0].json.name, wantedArticle.name);
  assert.equal(items[0].json.price, wantedArticle.price);
  assert.deepEqual(items[0].pairedItem, { item: 0 });

  const calls = requests.filter((r) => r.method === 'GET' && r.path === `/v2/articles/${wantedArticle.articleId}`);
  assert.equal(calls.length, 1);
  assert.equal(headerOf(calls[0], 'x-access-token'), mock.credentials.mittwald.apiToken);
});

test('Order Extension posts the customer branch of the oneOf body with the token', () => {
  const { result, requests, data } = outcome('e2eMarketplace01');
  const items = result.items('Order Extension');
  assert.equal(items.length, 1);
  const json = items[0].json;
  assert.equal(json.ordered, true);
  assert.equal(json.extensionId, orderedExtension);
  assert.equal(json.customerId, CUSTOMER_ID);
  assert.deepEqual(json.consentedScopes, ['a', 'b']);
  assert.ok(!('projectId' in json), 'no projectId in the output');
  assert.deepEqual(items[0].pairedItem, { item: 0 });

  const calls = requests.filter((r) => r.method === 'POST' && r.path === `/v2/extensions/${orderedExtension}/order`);
  assert.equal(calls.length, 1);
  assert.equal(headerOf(calls[0], 'x-access-token'), mock.credentials.mittwald.apiToken);
  assert.match(headerOf(calls[0], 'content-type'), /^application\/json/);
  assert.deepEqual(calls[0].body, { consentedScopes: ['a', 'b'], customerId: CUSTOMER_ID }, 'empty variantKey is left out');
  assert.deepEqual(data.orders, [{ extensionId: orderedExtension, consentedScopes: ['a', 'b'], customerId: CUSTOMER_ID }]);
});

test('Interworks Cloud Addon Create sends the ServiceDefinition with both auth headers', () => {
  const { result, requests, data } = outcome('e2eMarketplace01');
  const items = result.items('Create Add-On');
  assert.equal(items.length, 1);
  assert.equal(items[0].json.Code, 0);
  assert.equal(data.interworksAddons.length, 1);
  assert.equal(items[0].json.Result, data.interworksAddons[0].externalId);
  assert.deepEqual(items[0].pairedItem, { item: 0 });

  const iw = mock.credentials.interworks;
  const calls = requests.filter((r) => r.path.toLowerCase().startsWith('/api/'));
  assert.equal(calls.length, 1);
  const [call] = calls;
  assert.equal(call.method, 'POST');
  assert.equal(call.path, '/API/Addon/Create');
  assert.equal(headerOf(call, 'X-CloudPlatform-ApplicationId'), iw.applicationId);
  assert.equal(headerOf(call, 'X-CloudPlatform-APIKey'), Buffer.from(iw.apiKey, 'utf8').toString('base64'));
  assert.equal(call.body.ID, SUBSCRIPTION_ID);
  assert.equal(call.body.ActionType, 'None');
  assert.deepEqual(call.body.Addons, [{ ProductID: 'PROD-DOMAIN', Name: 'Extra Domain', ActionType: 'Provision', Quantity: 2 }]);
});

test('no credential value appears in n8n output', () => {
  const { result } = outcome('e2eMarketplace01');
  const iw = mock.credentials.interworks;
  const secrets = [mock.credentials.mittwald.apiToken, iw.apiKey, Buffer.from(iw.apiKey).toString('base64')];
  for (const s of secrets) {
    assert.ok(!result.stdout.includes(s), `secret ${s.slice(0, 4)}… leaked into n8n's output`);
    assert.ok(!result.stderr.includes(s), `secret ${s.slice(0, 4)}… leaked into n8n's stderr`);
  }
});

// ---------------------------------------------------------------------------------------------------
// workflow 2: continue on fail

test('a vendor 404 under continue-on-fail becomes an error item and the run succeeds', () => {
  const { result, requests } = outcome('e2eContinueFail1');
  assertSucceeded(result);

  const items = result.items('Get Unknown Article');
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].pairedItem, { item: 0 });
  const json = items[0].json;
  assert.equal(typeof json.error, 'string', `error item: ${JSON.stringify(json)}`);
  assert.match(json.error, /not found/i);
  assert.match(json.error, new RegExp(UNKNOWN_ARTICLE));
  assert.equal(String(json.httpCode), '404');
  assert.equal(result.nodeError('Get Unknown Article'), null, 'the node itself did not fail');

  const known = result.items('Get Known Article');
  assert.equal(known.length, 1);
  assert.equal(known[0].json.articleId, wantedArticle.articleId);

  assert.equal(requests.filter((r) => r.path === `/v2/articles/${UNKNOWN_ARTICLE}`).length, 1, 'a 404 is not retried');
});

// ---------------------------------------------------------------------------------------------------
// workflow 3: invalid parameter

test('an invalid Extension Id fails the execution by name and sends no request', () => {
  const { result, requests } = outcome('e2eBadParameter1');
  assert.equal(result.code, 1, `n8n exits 1 when a node fails (exit ${result.code}, signal ${result.signal})`);
  assert.equal(result.status, 'error');
  assert.ok(result.error, 'the execution carries an error');
  assert.match(result.error.message, /Extension ID/);
  assert.equal(result.error.name, 'NodeOperationError');
  assert.equal(result.error.node?.name, 'Order Extension');
  assert.equal(result.lastNodeExecuted, 'Order Extension');

  const nodeError = result.nodeError('Order Extension');
  assert.ok(nodeError, 'the node run is marked as failed');
  assert.match(nodeError.message, /Extension ID/);
  assert.equal(nodeError.context?.itemIndex, 0);

  assert.deepEqual(requests, [], 'no request reached the vendor');
});

// ---------------------------------------------------------------------------------------------------
// workflow 4: several items, expression parameters

test('expressions resolve per item; each output item is paired with its input, the 404 stays in place', () => {
  const { result, requests } = outcome('e2ePerItemExpr01');
  assertSucceeded(result);
  const items = result.items('Get Each Article');
  assert.equal(items.length, 3);
  assert.deepEqual(paired(items), [{ item: 0 }, { item: 1 }, { item: 2 }]);
  assert.equal(items[0].json.articleId, mock.data.articles[0].articleId);
  assert.match(items[1].json.error, /not found/i);
  assert.equal(items[2].json.articleId, wantedArticle.articleId);
  assert.deepEqual(
    requests.map((r) => r.path).sort(),
    [`/v2/articles/${mock.data.articles[0].articleId}`, `/v2/articles/${UNKNOWN_ARTICLE}`, `/v2/articles/${wantedArticle.articleId}`].sort(),
    'one request per item (order of arrival not asserted)',
  );
});

// ---------------------------------------------------------------------------------------------------
// workflows 5 and 6: "Authentication: None" (the credential is required only under "Credential")

test('Authentication None: a public operation runs in n8n against the form\'s Base URL and sends no token', () => {
  const { result, requests, errors } = outcome('e2eNoCredential1');
  assertSucceeded(result);
  assert.deepEqual(errors, []);
  const items = result.items('List Articles');
  assert.deepEqual(items.map((i) => i.json.articleId), mockLib.defaultArticles().slice(0, 2).map((a) => a.articleId));
  assert.equal(requests.length, 1);
  assert.equal(requests[0].path, '/v2/articles');
  assert.equal(headerOf(requests[0], 'x-access-token'), undefined);
  assert.equal(headerOf(requests[0], 'authorization'), undefined);
});

test('Authentication None: an operation that needs the credential fails by name and sends nothing', () => {
  const { result, requests } = outcome('e2eNoCredential2');
  assert.equal(result.status, 'error', `n8n exited ${result.code}: ${result.stdout.slice(-1500)} ${result.stderr?.slice(-1500) ?? ''}`);
  assert.equal(result.error?.node?.name, 'Order Extension');
  assert.match(result.error?.message ?? '', /needs a "mittwald API" credential: set Authentication to "Credential"/);
  assert.equal(requests.length, 0);
});
