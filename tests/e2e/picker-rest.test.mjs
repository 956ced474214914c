// The "From List" picker of a resource-locator field, called by the REAL n8n the way its editor calls it.
//
// A headless `n8n start` (own temp user folder, free loopback ports, the repository's pkg-n8n/ as custom
// extensions) is set up through its REST API like a first-time user would: owner sign-up, login (cookie),
// a mittwald credential pointing at the mock marketplace. Then the test sends what the editor's
// ResourceLocator component sends when the list of a resource-locator field opens, scrolls or is filtered:
//
//   POST /rest/dynamic-node-parameters/resource-locator-results
//   { nodeTypeAndVersion: { name, version }, path, methodName, currentNodeParameters, credentials,
//     projectId, filter?, paginationToken? }                       (ResourceLocatorRequestDto, n8n 2.8.4)
//
// n8n (DynamicNodeParametersService.getResourceLocatorResults) builds a one-node workflow "Temp-Node" from
// currentNodeParameters + credentials, and calls `nodeType.methods.listSearch[methodName]` with a
// LoadOptionsContext as `this` and (filter, paginationToken) as arguments; the answer is
// `{ data: { results, paginationToken? } }`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { customType, ensureN8n, EXTENSIONS_DIR, N8N_VERSION, nodeClassPath } from './n8n-harness.mjs';
import { restClient as restClientFor, startN8nServer, tail } from './n8n-server.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';

const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 20_000;
const OWNER = { email: 'owner@example.com', firstName: 'Picker', lastName: 'Tester', password: 'Picker-E2e-2024' };
/** The editor sends a per-tab `browser-id` header; n8n ties the auth cookie to it. */
const BROWSER_ID = 'picker-rest-e2e-0001';
const NODE_TYPE = { name: customType('mittwald'), version: 1 };
/** The parameters of a mittwald node set to "Marketplace → Order an extension" for a project. */
const ORDER_FOR_PROJECT = {
  resource: 'Marketplace',
  operation: 'extension-order-extension',
  orderFor: 'project',
  projectId: { __rl: true, mode: 'list', value: '' },
};

let mock;
let n8n;
let api;
let personalProjectId;
let credential;

const restClient = (baseUrl) => restClientFor(baseUrl, { timeoutMs: REQUEST_TIMEOUT_MS, browserId: BROWSER_ID });

function expectOk(what, res, status = 200) {
  if (res.status !== status || res.body?.data === undefined) throw new Error(`${what}: HTTP ${res.status} (expected ${status} with { data })\n${res.text.slice(0, 2000)}\n--- n8n output (tail) ---\n${tail(n8n.output(), 20)}`);
  return res.body?.data;
}

/** What the editor posts when the "From List" dropdown of the `projectId` field loads, scrolls or is filtered. */
async function pickProjects({ filter, paginationToken, credentials = { mittwaldApi: { id: credential.id, name: credential.name } }, client = api } = {}) {
  const body = {
    nodeTypeAndVersion: NODE_TYPE,
    path: 'parameters.projectId',
    methodName: 'searchProjects',
    currentNodeParameters: ORDER_FOR_PROJECT,
    credentials,
    projectId: personalProjectId,
  };
  if (filter) body.filter = filter;
  if (paginationToken) body.paginationToken = paginationToken;
  return client('POST', '/dynamic-node-parameters/resource-locator-results', body);
}

const entryOf = (project) => ({
  name: `${project.description} (${project.shortId})`,
  value: project.id,
  url: `https://studio.mittwald.de/app/projects/${project.id}`,
});

// ---------------------------------------------------------------------------------------------------

before(ensureN8n, { timeout: 30 * 60_000 });

before(
  async () => {
    if (!fs.existsSync(nodeClassPath('n8n-nodes-mittwald-marketplace', 'Mittwald'))) {
      throw new Error(`${EXTENSIONS_DIR} has no built mittwald node (build the packages first: npm run build)`);
    }
    mock = await startMockMarketplace({ maxPageSize: 2 });
    n8n = await startN8nServer({ prefix: 'n8n-rest-e2e-', timeoutMs: START_TIMEOUT_MS });
    api = restClient(n8n.baseUrl);

    // first start: the owner signs up (OwnerSetupRequestDto), which also logs them in …
    const setup = await api('POST', '/owner/setup', OWNER);
    assert.equal(expectOk('POST /rest/owner/setup', setup).email, OWNER.email);
    // … and logs in again like a returning user (LoginRequestDto): a fresh `n8n-auth` cookie
    const login = await api('POST', '/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
    assert.equal(expectOk('POST /rest/login', login).email, OWNER.email);
    assert.ok(login.setsAuthCookie, 'login set the n8n-auth cookie');
    personalProjectId = expectOk('GET /rest/projects/personal', await api('GET', '/projects/personal')).id;

    // the credential as the editor's credential modal saves it (CreateCredentialDto)
    credential = expectOk(
      'POST /rest/credentials',
      await api('POST', '/credentials', { name: 'mittwald (mock)', type: 'mittwaldApi', data: mock.credentials.mittwald, projectId: personalProjectId }),
    );
    assert.ok(credential?.id, 'the credential has an id');
    mock.reset();
  },
  { timeout: START_TIMEOUT_MS + 30_000 },
);

after(async () => {
  await n8n?.stop();
  await mock?.close();
});

test('n8n serves the mittwald node with a "From List" project field backed by searchProjects', async (t) => {
  t.diagnostic(`n8n ${N8N_VERSION} start → REST ready in ${n8n.startMs} ms`);
  // what the editor loads before it renders the node's parameters
  const [description] = expectOk('POST /rest/node-types', await api('POST', '/node-types', { nodeInfos: [NODE_TYPE] }));
  assert.equal(description?.name, 'mittwald');
  const field = description.properties.find(
    (p) => p.name === 'projectId' && p.type === 'resourceLocator' && p.displayOptions?.show?.operation?.includes(ORDER_FOR_PROJECT.operation),
  );
  assert.ok(field, 'the order operation has a projectId resource locator');
  assert.deepEqual(field.displayOptions.show, { resource: [ORDER_FOR_PROJECT.resource], operation: [ORDER_FOR_PROJECT.operation], orderFor: [ORDER_FOR_PROJECT.orderFor] });
  const list = field.modes.find((m) => m.name === 'list');
  assert.equal(list.typeOptions.searchListMethod, 'searchProjects');
  assert.equal(list.typeOptions.searchable, true);

  // the picker endpoint is behind the login: without the cookie n8n refuses before any node code runs
  const anonymous = await pickProjects({ client: restClient(n8n.baseUrl) });
  assert.equal(anonymous.status, 401);
  assert.deepEqual(mock.requests, []);
});

test('n8n calls searchProjects and pages through the mock\'s projects with the token it hands back', async () => {
  const projects = mock.data.projects;
  const pages = [];
  let token;
  do {
    const data = expectOk('resource-locator-results', await pickProjects({ paginationToken: token }));
    pages.push(data);
    token = data.paginationToken;
    assert.ok(pages.length <= projects.length, 'paging ends');
  } while (token);

  // the mock pages by 2: three pages, each but the last one handing back where the next one starts
  assert.deepEqual(pages.map((p) => p.paginationToken), ['2', '4', undefined]);
  assert.deepEqual(pages[0].results, projects.slice(0, 2).map(entryOf));
  assert.equal(pages[0].results[0].name, 'Shop production (p-abc101)');
  assert.deepEqual(pages[1].results, projects.slice(2, 4).map(entryOf));
  assert.deepEqual(pages.flatMap((p) => p.results), projects.map(entryOf));

  // the vendor saw one request per page, authenticated with the credential n8n decrypted
  const sent = mock.requests.filter((r) => r.path === '/v2/projects');
  assert.equal(sent.length, 3);
  assert.equal(mock.requests.length, 3);
  assert.deepEqual(sent.map((r) => [r.method, r.query.skip, r.query.searchTerm]), [['GET', '0', undefined], ['GET', '2', undefined], ['GET', '4', undefined]]);
  for (const r of sent) assert.equal(r.headers['x-access-token'], mock.credentials.mittwald.apiToken);
  assert.deepEqual(mock.errors, []);
});

test('the editor\'s search box reaches the vendor as searchTerm and narrows the list', async () => {
  mock.reset();
  const projects = mock.data.projects;
  const shop = expectOk('resource-locator-results (filter "shop")', await pickProjects({ filter: 'shop' }));
  assert.deepEqual(shop.results, projects.filter((p) => /shop/i.test(p.description)).map(entryOf));
  assert.equal(shop.paginationToken, undefined);

  const last = projects.at(-1);
  const one = expectOk(`resource-locator-results (filter "${last.shortId}")`, await pickProjects({ filter: last.shortId }));
  assert.deepEqual(one.results, [entryOf(last)]);

  const none = expectOk('resource-locator-results (filter "nothing")', await pickProjects({ filter: 'no-such-project' }));
  assert.deepEqual(none.results, []);

  assert.deepEqual(mock.requests.map((r) => r.query.searchTerm), ['shop', last.shortId, 'no-such-project']);
  for (const r of mock.requests) assert.equal(r.headers['x-access-token'], mock.credentials.mittwald.apiToken);
});

test('a token the vendor refuses comes back from n8n as the vendor\'s message, without the token', async () => {
  const refused = expectOk(
    'POST /rest/credentials (wrong token)',
    await api('POST', '/credentials', { name: 'mittwald (wrong token)', type: 'mittwaldApi', data: { ...mock.credentials.mittwald, apiToken: 'not-the-token' }, projectId: personalProjectId }),
  );
  mock.reset();
  const res = await pickProjects({ credentials: { mittwaldApi: { id: refused.id, name: refused.name } } });
  // n8n answers any error a listSearch method throws with HTTP 500 and the error's fields
  assert.equal(res.status, 500, res.text.slice(0, 500));
  assert.equal(res.body.name, 'NodeApiError');
  assert.equal(res.body.message, 'access token invalid or expired');
  assert.equal(res.body.httpCode, '401');
  assert.match(res.body.description, /HTTP 401/);
  assert.ok(!res.text.includes('not-the-token'), 'the token is not echoed');
  // one attempt: a 401 is not retried
  assert.deepEqual(mock.requests.map((r) => [r.path, r.headers['x-access-token']]), [['/v2/projects', 'not-the-token']]);
});
