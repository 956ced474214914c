// Credentials never appear in outputs or errors, even when a vendor echoes them back.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { loadPackage, runMittwald, runInterworks, rejection, assertNoSecrets, errorText } from '../support/harness.mjs';

// Distinctive secrets so an accidental substring match is impossible.
const TOKEN = 'mw-Secret-Token-7Qx9Zk2Lp';
const API_KEY = 'iw-Secret-Key-4Rt8Yu1Io';
const API_KEY_B64 = Buffer.from(API_KEY).toString('base64');
const SECRETS = [TOKEN, API_KEY, API_KEY_B64];

let mp;
let mock;
before(async () => {
  mp = await loadPackage();
  mock = await startMockMarketplace({ mittwaldToken: TOKEN, interworksApiKey: API_KEY });
});
after(() => mock?.close());
beforeEach(() => mock.reset());

const EXT = '907a24e9-0723-4566-b584-86578419e983';
const CUST = '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
const order = (extra = {}) => ({
  resource: 'Marketplace',
  operation: 'extension-order-extension',
  extensionId: EXT,
  orderFor: 'customer',
  customerId: CUST,
  consentedScopes: ['project:read'],
  ...extra,
});
const addon = (extra = {}) => ({
  resource: 'addon',
  operation: 'addonCreate',
  subscriptionId: 'sub-1',
  addons: { addon: [{ productId: 'P1', name: 'Addon', quantity: 1 }] },
  additionalFields: {},
  ...extra,
});

test('the token reaches the vendor but not the output', async () => {
  const out = await runMittwald(mp, mock, order());
  const h = mock.requests[0].headers;
  assert.ok(h['x-access-token'] === TOKEN || h.authorization === `Bearer ${TOKEN}`, 'the credential is applied');
  assertNoSecrets(out, SECRETS, 'order output');
  const list = await runMittwald(mp, mock, { resource: 'Article', operation: 'article-list-articles', returnAll: true });
  assertNoSecrets(list, SECRETS, 'list output');
});

test('input validation errors do not contain credentials', async () => {
  const err = await rejection(runMittwald(mp, mock, order({ customerId: 'bad' })));
  assertNoSecrets(errorText(err), SECRETS, 'input error');
});

test('a vendor that echoes the token in its error body: the error is redacted', async () => {
  mock.failNext('POST /v2/extensions/*/order', {
    status: 400,
    body: {
      type: 'ValidationError',
      message: `token ${TOKEN} lacks scope`,
      validationErrors: [{ message: `header x-access-token=${TOKEN} is not allowed here`, path: '.headers', type: 'auth' }],
    },
  });
  const err = await rejection(runMittwald(mp, mock, order()));
  assertNoSecrets(errorText(err), SECRETS, 'vendor error');
  assert.match(err.description ?? '', /\.headers/, 'the rest of the vendor message survives redaction');
});

test('a vendor that echoes the token in a success body: the output is redacted', async () => {
  const article = { ...mock.data.articles[0], description: `reserved for ${TOKEN}` };
  mock.failNext('GET /v2/articles/*', { status: 200, body: article });
  const out = await runMittwald(mp, mock, { resource: 'Article', operation: 'article-get-article', articleId: article.articleId });
  assertNoSecrets(out, SECRETS, 'output');
  assert.equal(out[0].json.articleId, article.articleId);
});

test('continueOnFail error items contain no credentials', async () => {
  mock.failNext('POST /v2/extensions/*/order', { status: 403, body: { type: 'Forbidden', message: `token ${TOKEN} may not order` } });
  const out = await runMittwald(mp, mock, [order(), order({ customerId: 'bad' })], { continueOnFail: true });
  assert.equal(out.length, 2);
  assertNoSecrets(out, SECRETS, 'continueOnFail output');
});

test('wrong mittwald token: the error shows neither the wrong nor the right token', async () => {
  const wrong = 'mw-Wrong-Token-0Aa1Bb2Cc';
  const err = await rejection(runMittwald(mp, mock, order(), { credentials: { apiToken: wrong, baseUrl: mock.url } }));
  assertNoSecrets(errorText(err), [...SECRETS, wrong], 'auth error');
});

test('Interworks: key and its base64 form never appear in output or errors', async () => {
  const out = await runInterworks(mp, mock, addon());
  assert.equal(mock.requests[0].headers['x-cloudplatform-apikey'], API_KEY_B64);
  assertNoSecrets(out, SECRETS, 'interworks output');

  mock.reset();
  mock.failNext('POST /API/Addon/Create', { status: 200, body: { Code: 1, Message: `APIKey ${API_KEY_B64} (${API_KEY}) rejected`, Result: null } });
  const err = await rejection(runInterworks(mp, mock, addon()));
  assertNoSecrets(errorText(err), SECRETS, 'interworks vendor error');

  mock.reset();
  const err401 = await rejection(runInterworks(mp, mock, addon(), { credentials: { ...mock.credentials.interworks, apiKey: 'iw-Wrong-Key-9Zz' } }));
  assertNoSecrets(errorText(err401), [...SECRETS, 'iw-Wrong-Key-9Zz', Buffer.from('iw-Wrong-Key-9Zz').toString('base64')], 'interworks 401');
});

test('descriptors carry no credential values', async () => {
  assertNoSecrets(await mp.nodes(), SECRETS, 'nodes()');
  assertNoSecrets(await mp.credentials(), SECRETS, 'credentials()');
});
