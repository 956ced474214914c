// The mittwald n8n package (pkg-n8n/n8n-nodes-mittwald-marketplace): its node offers "Authentication:
// Credential | None" because some operations are public. The credential is required (and shown) only
// under Credential; under None the node sends no credential, takes the form's Base URL, and refuses a
// non-public operation before any request. Driven with a hand-made IExecuteFunctions and a stand-in for
// n8n-workflow (tests/support/n8n-workflow-stub.cjs) against the mock marketplace; real n8n runs the
// e2e suites (tests/e2e/n8n.test.mjs).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { errorText } from '../support/harness.mjs';
import { loadNodeClass } from '../support/n8n-package.mjs';

const load = () => new (loadNodeClass('n8n-nodes-mittwald-marketplace', 'Mittwald'))();

let mock;
before(async () => {
  mock = await startMockMarketplace();
});
after(() => mock?.close());
beforeEach(() => mock.reset());

/** A hand-made IExecuteFunctions over one input item; `credentials` is what getCredentials gives. */
function executeContext(parameters, credentials) {
  const log = { credentialReads: 0 };
  const context = {
    log,
    getInputData: () => [{ json: {} }],
    getNode: () => ({ name: 'mittwald', type: 'n8n-nodes-mittwald-marketplace.mittwald', typeVersion: 1, parameters }),
    getNodeParameter(name, itemIndex, fallback) {
      assert.equal(itemIndex, 0);
      return Object.prototype.hasOwnProperty.call(parameters, name) ? parameters[name] : fallback;
    },
    continueOnFail: () => false,
    getCredentials: async (type) => {
      assert.equal(type, 'mittwaldApi');
      log.credentialReads += 1;
      if (!credentials) throw new Error('Node does not have any credentials set');
      return credentials;
    },
    helpers: {
      httpRequest: async (options) => {
        const response = await fetch(options.url, {
          method: options.method,
          headers: options.headers,
          body: options.body,
          redirect: 'manual',
        });
        return {
          statusCode: response.status,
          headers: Object.fromEntries(response.headers),
          body: Buffer.from(await response.arrayBuffer()),
        };
      },
    },
  };
  return context;
}

const listArticles = { resource: 'Article', operation: 'article-list-articles', returnAll: false, limit: 2 };

test('the description: Authentication first, the credential required and hidden only under None', () => {
  const { description } = load();
  const [authentication] = description.properties;
  assert.equal(authentication.name, 'authentication');
  assert.equal(authentication.default, 'credential');
  assert.deepEqual(authentication.options.map((o) => o.value), ['credential', 'none']);
  assert.deepEqual(description.credentials, [
    { name: 'mittwaldApi', required: true, displayOptions: { hide: { authentication: ['none'] } } },
  ]);
  const baseUrl = description.properties.find((p) => p.name === 'publicBaseUrl');
  assert.equal(baseUrl.default, 'https://api.mittwald.de');
  assert.deepEqual(baseUrl.displayOptions, { show: { authentication: ['none'] } });
});

test('Authentication None: a public operation runs against the form\'s Base URL, reads no credential, sends no token', async () => {
  const ctx = executeContext({ ...listArticles, authentication: 'none', publicBaseUrl: mock.url }, null);
  const [items] = await load().execute.call(ctx);
  assert.equal(items.length, 2);
  assert.equal(items[0].json.articleId, mock.data.articles[0].articleId);
  assert.equal(ctx.log.credentialReads, 0, 'under None the credential is not read');
  assert.equal(mock.requests.length, 1);
  assert.equal(mock.requests[0].headers['x-access-token'], undefined);
  assert.equal(mock.requests[0].headers.authorization, undefined);
});

test('Authentication None: a non-public operation stops before any request and says what to choose', async () => {
  const parameters = { resource: 'Marketplace', operation: 'extension-order-extension', authentication: 'none', publicBaseUrl: mock.url };
  const ctx = executeContext(parameters, null);
  await assert.rejects(load().execute.call(ctx), (error) => {
    assert.match(errorText(error), /needs a "mittwald API" credential: set Authentication to "Credential"/);
    return true;
  });
  assert.equal(mock.requests.length, 0, 'nothing was sent');
});

test('Authentication Credential (the default): the credential\'s token and Base URL are used', async () => {
  const credentials = { apiToken: mock.data.config.mittwaldToken, baseUrl: mock.url };
  const ctx = executeContext({ ...listArticles, publicBaseUrl: 'https://not-used.invalid' }, credentials);
  const [items] = await load().execute.call(ctx);
  assert.equal(items.length, 2);
  assert.equal(ctx.log.credentialReads, 1);
  const headers = mock.requests[0].headers;
  assert.equal(headers['x-access-token'] ?? headers.authorization?.replace(/^Bearer /, ''), mock.data.config.mittwaldToken);
});
