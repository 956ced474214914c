// The n8n node class's pickers (`methods.listSearch`), loaded the way n8n loads them: with n8n's own
// n8n-workflow on the module path, and n8n's request-helper contract (authenticate via the credential
// class, answers for every status).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireCredentialClass, requireNodeClass, useN8nModules } from './n8n-harness.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';

let mock;
before(async () => {
  await useN8nModules();
  mock = await startMockMarketplace({ maxPageSize: 2 });
});
after(() => mock?.close());

test('the n8n node class serves the same lists through methods.listSearch and n8n\'s request helper', async () => {
  // pkg-n8n/n8n-nodes-mittwald-marketplace/dist/{nodes/Mittwald/Mittwald.node.js, credentials/MittwaldApi.credentials.js}
  const Mittwald = requireNodeClass('n8n-nodes-mittwald-marketplace', 'Mittwald');
  const MittwaldApi = requireCredentialClass('n8n-nodes-mittwald-marketplace', 'MittwaldApi');
  const node = new Mittwald();
  assert.deepEqual(Object.keys(node.methods.listSearch).sort(), ['searchArticles', 'searchCustomers', 'searchExtensions', 'searchProjects']);
  const credentials = mock.credentials.mittwald;
  const sent = [];
  // What n8n hands a listSearch method: getCredentials, and request helpers that do not throw on HTTP
  // errors (as asked). A header credential's headers are applied by the shim, once per call, and sent
  // through `httpRequest`; `httpRequestWithAuthentication` is kept for OAuth2 credentials.
  const context = {
    getCredentials: async (type) => {
      assert.equal(type, 'mittwaldApi');
      return credentials;
    },
    getNode: () => ({ name: 'mittwald', type: 'CUSTOM.mittwald', typeVersion: 1, parameters: {} }),
    helpers: {
      httpRequest: async (options) => {
        sent.push(options);
        const response = await fetch(options.url, { method: options.method, headers: options.headers, body: options.body });
        return { statusCode: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) };
      },
      httpRequestWithAuthentication: async () => assert.fail('a header credential needs no per-request authentication'),
    },
  };
  const page = await node.methods.listSearch.searchProjects.call(context, '', undefined);
  assert.equal(page.results.length, 2);
  assert.equal(page.paginationToken, '2');
  // The headers are exactly what the credential class's own `authenticate` adds.
  const signed = await new MittwaldApi().authenticate(credentials, { headers: {} });
  for (const [name, value] of Object.entries(signed.headers)) assert.equal(sent[0].headers[name], value);
  assert.equal(mock.requests.at(-1).headers['x-access-token'], credentials.apiToken);
});
