// Credentials never appear in outputs or errors, even when a vendor echoes them back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, runMittwald, runInterworks, rejection, assertNoSecrets, errorText } from '../support/harness.mjs';
import { orderBuilder } from '../support/fixtures.mjs';

// Distinctive secrets so an accidental substring match is impossible.
const TOKEN = 'mw-Secret-Token-7Qx9Zk2Lp';
const API_KEY = 'iw-Secret-Key-4Rt8Yu1Io';
const API_KEY_B64 = Buffer.from(API_KEY).toString('base64');
const SECRETS = [TOKEN, API_KEY, API_KEY_B64];

const env = useMockMarketplace({ mittwaldToken: TOKEN, interworksApiKey: API_KEY });

const order = orderBuilder({ variantKey: null }); // no variantKey parameter at all
const addon = (extra = {}) => ({
  resource: 'addon',
  operation: 'addonCreate',
  subscriptionId: 'sub-1',
  addons: { addon: [{ productId: 'P1', name: 'Addon', quantity: 1 }] },
  additionalFields: {},
  ...extra,
});

test('the token reaches the vendor but not the output', async () => {
  const out = await runMittwald(env.mp, env.mock, order());
  const h = env.mock.requests[0].headers;
  assert.ok(h['x-access-token'] === TOKEN || h.authorization === `Bearer ${TOKEN}`, 'the credential is applied');
  assertNoSecrets(out, SECRETS, 'order output');
  const list = await runMittwald(env.mp, env.mock, { resource: 'Article', operation: 'article-list-articles', returnAll: true });
  assertNoSecrets(list, SECRETS, 'list output');
});

test('input validation errors do not contain credentials', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order({ customerId: 'bad' })));
  assertNoSecrets(errorText(err), SECRETS, 'input error');
});

test('a vendor that echoes the token in its error body: the error is redacted', async () => {
  env.mock.failNext('POST /v2/extensions/*/order', {
    status: 400,
    body: {
      type: 'ValidationError',
      message: `token ${TOKEN} lacks scope`,
      validationErrors: [{ message: `header x-access-token=${TOKEN} is not allowed here`, path: '.headers', type: 'auth' }],
    },
  });
  const err = await rejection(runMittwald(env.mp, env.mock, order()));
  assertNoSecrets(errorText(err), SECRETS, 'vendor error');
  assert.match(err.description ?? '', /\.headers/, 'the rest of the vendor message survives redaction');
});

test('a vendor that echoes the token in a success body: the output is redacted', async () => {
  const article = { ...env.mock.data.articles[0], description: `reserved for ${TOKEN}` };
  env.mock.failNext('GET /v2/articles/*', { status: 200, body: article });
  const out = await runMittwald(env.mp, env.mock, { resource: 'Article', operation: 'article-get-article', articleId: article.articleId });
  assertNoSecrets(out, SECRETS, 'output');
  assert.equal(out[0].json.articleId, article.articleId);
});

test('continueOnFail error items contain no credentials', async () => {
  env.mock.failNext('POST /v2/extensions/*/order', { status: 403, body: { type: 'Forbidden', message: `token ${TOKEN} may not order` } });
  const out = await runMittwald(env.mp, env.mock, [order(), order({ customerId: 'bad' })], { continueOnFail: true });
  assert.equal(out.length, 2);
  assertNoSecrets(out, SECRETS, 'continueOnFail output');
});

test('wrong mittwald token: the error shows neither the wrong nor the right token', async () => {
  const wrong = 'mw-Wrong-Token-0Aa1Bb2Cc';
  const err = await rejection(runMittwald(env.mp, env.mock, order(), { credentials: { apiToken: wrong, baseUrl: env.mock.url } }));
  assertNoSecrets(errorText(err), [...SECRETS, wrong], 'auth error');
});

test('Interworks: key and its base64 form never appear in output or errors', async () => {
  const out = await runInterworks(env.mp, env.mock, addon());
  assert.equal(env.mock.requests[0].headers['x-cloudplatform-apikey'], API_KEY_B64);
  assertNoSecrets(out, SECRETS, 'interworks output');

  env.mock.reset();
  env.mock.failNext('POST /API/Addon/Create', { status: 200, body: { Code: 1, Message: `APIKey ${API_KEY_B64} (${API_KEY}) rejected`, Result: null } });
  const err = await rejection(runInterworks(env.mp, env.mock, addon()));
  assertNoSecrets(errorText(err), SECRETS, 'interworks vendor error');

  env.mock.reset();
  const err401 = await rejection(runInterworks(env.mp, env.mock, addon(), { credentials: { ...env.mock.credentials.interworks, apiKey: 'iw-Wrong-Key-9Zz' } }));
  assertNoSecrets(errorText(err401), [...SECRETS, 'iw-Wrong-Key-9Zz', Buffer.from('iw-Wrong-Key-9Zz').toString('base64')], 'interworks 401');
});

test('descriptors carry no credential values', async () => {
  assertNoSecrets(await env.mp.nodes(), SECRETS, 'nodes()');
  assertNoSecrets(await env.mp.credentials(), SECRETS, 'credentials()');
});
