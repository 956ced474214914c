// The mittwald credential's "Test" button: the request it declares, authenticated by the credential
// class exactly as n8n would (resolve the declared request, call `authenticate`, send), against the
// mock marketplace — accepted with the right token, refused with a clear message otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { requireCredentialClass, useN8nModules } from './n8n-harness.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';

let mock;
before(async () => {
  await useN8nModules();
  mock = await startMockMarketplace();
});
after(() => mock?.close());

/** What n8n does with `test.request`: `={{$credentials.x}}` filled in, then `authenticate`. */
async function runCredentialTest(credentials) {
  // pkg-n8n/n8n-nodes-mittwald-marketplace/dist/credentials/MittwaldApi.credentials.js
  const MittwaldApi = requireCredentialClass('n8n-nodes-mittwald-marketplace', 'MittwaldApi');
  const type = new MittwaldApi();
  const declared = type.test.request;
  const fill = (value) => String(value).replace(/^=\{\{\s*\$credentials\.(\w+)\s*\}\}$/, (_, key) => credentials[key]);
  const url = new URL(declared.url, fill(declared.baseURL));
  for (const [key, value] of Object.entries(declared.qs ?? {})) url.searchParams.set(key, String(value));
  const signed = await type.authenticate(credentials, { method: declared.method ?? 'GET', url: url.href, headers: {} });
  const response = await fetch(signed.url, { method: signed.method, headers: signed.headers });
  return { status: response.status, body: await response.json() };
}

test('the credential test request succeeds with a valid token', async () => {
  const result = await runCredentialTest(mock.credentials.mittwald);
  assert.equal(result.status, 200);
  const sent = mock.requests.at(-1);
  assert.equal(sent.path, '/v2/projects');
  assert.equal(sent.headers['x-access-token'], mock.credentials.mittwald.apiToken);
});

test('the credential test request is refused with the vendor\'s message for a wrong token', async () => {
  const result = await runCredentialTest({ ...mock.credentials.mittwald, apiToken: 'not-the-token' });
  assert.equal(result.status, 401);
  assert.match(result.body.message, /token/i);
});

test('without a token the credential says which field is missing before anything is sent', async () => {
  const before = mock.requests.length;
  await assert.rejects(runCredentialTest({ baseUrl: mock.url }), /The credential "mittwald API" has no API Token/);
  assert.equal(mock.requests.length, before);
});
