// The AppDirect n8n package (pkg-n8n/n8n-nodes-appdirect): its trigger class is a polling trigger
// (`poll`, no `execute`, no `usableAsTool`) whose poll reads the trigger's parameters, keeps the state in
// the node's static data (not in manual runs), and sends through n8n's `httpRequestWithAuthentication`,
// which fetches the OAuth2 token (the module does not); and the package's manifest, codex and icons.
// Driven with a hand-made IPollFunctions and a stand-in for n8n-workflow (tests/support/n8n-workflow-stub.cjs)
// against the mock AppDirect; real n8n runs the e2e suites.
import { test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startMockAppDirect, APPDIRECT_CLIENT_SECRET } from '../support/mock-appdirect.mjs';
import { assertNoSecrets, errorText } from '../support/harness.mjs';
import { loadNodeClass, packageDir, require } from '../support/n8n-package.mjs';

const PACKAGE = packageDir('n8n-nodes-appdirect');
const load = (cls) => loadNodeClass('n8n-nodes-appdirect', cls);

let mock;
before(async () => {
  mock = await startMockAppDirect();
});
after(() => mock?.close());
beforeEach(() => mock.reset());
afterEach(() => assert.deepEqual(mock.errors, [], 'the mock saw nothing it did not expect'));

/** The credential values n8n hands a node for an appDirectOAuth2Api credential (hidden fields resolved). */
function n8nCredentials() {
  const { marketplaceUrl, clientId, clientSecret, scope } = mock.credentials;
  return {
    marketplaceUrl,
    clientId,
    clientSecret,
    scope,
    grantType: 'clientCredentials',
    accessTokenUrl: `${marketplaceUrl}/oauth2/token`,
    authUrl: '',
    authQueryParameters: '',
    authentication: 'header',
  };
}

/**
 * A hand-made IPollFunctions: parameters, static data and mode as given; `httpRequestWithAuthentication`
 * does what n8n does for an OAuth2 client-credentials credential (fetch a token once, add it as Bearer).
 */
function pollContext({ parameters = {}, staticData = {}, mode = 'trigger' } = {}) {
  const log = { parameters: [], authenticated: 0, plain: 0, tokenFetches: 0 };
  let token = null;
  const credentials = n8nCredentials();
  const respond = async (response) => ({
    statusCode: response.status,
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()),
  });
  const context = {
    log,
    staticData,
    getNodeParameter(name, fallback) {
      log.parameters.push(name);
      return Object.prototype.hasOwnProperty.call(parameters, name) ? parameters[name] : fallback;
    },
    getWorkflowStaticData(type) {
      assert.equal(type, 'node');
      return staticData;
    },
    getMode: () => mode,
    getNode: () => ({ name: 'AppDirect Trigger', type: 'n8n-nodes-appdirect.appDirectTrigger', typeVersion: 1, parameters }),
    getCredentials: async (type) => {
      assert.equal(type, 'appDirectOAuth2Api');
      return credentials;
    },
    helpers: {
      httpRequest: async () => {
        log.plain += 1;
        assert.fail('an OAuth2 credential goes through httpRequestWithAuthentication');
      },
      httpRequestWithAuthentication: async (type, options) => {
        assert.equal(type, 'appDirectOAuth2Api');
        log.authenticated += 1;
        if (token === null) {
          log.tokenFetches += 1;
          const answer = await fetch(credentials.accessTokenUrl, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: `grant_type=client_credentials&scope=${credentials.scope}`,
          });
          token = (await answer.json()).access_token;
        }
        assert.equal(options.returnFullResponse, true);
        // As n8n's helper: a non-2xx throws (so n8n can renew a refused OAuth2 token), the answer
        // under the error's cause as axios gives it.
        assert.equal(options.ignoreHttpStatusErrors, false);
        const response = await fetch(options.url, {
          method: options.method,
          headers: { ...options.headers, authorization: `Bearer ${token}` },
          body: options.body,
          redirect: 'manual',
        });
        const answer = await respond(response);
        if (answer.statusCode < 200 || answer.statusCode > 299) {
          const failed = new Error(`Request failed with status code ${answer.statusCode}`);
          failed.response = { status: answer.statusCode, headers: answer.headers, data: answer.body };
          throw Object.assign(new Error('NodeApiError'), { cause: failed });
        }
        return answer;
      },
    },
  };
  return context;
}

test('the trigger class is a polling trigger: poll(), no execute, not a tool; the action class executes', () => {
  const AppDirectTrigger = load('AppDirectTrigger');
  assert.equal(AppDirectTrigger.name, 'AppDirectTrigger');
  const trigger = new AppDirectTrigger();
  assert.equal(trigger.description.name, 'appDirectTrigger');
  assert.equal(trigger.description.polling, true);
  assert.deepEqual(trigger.description.group, ['trigger']);
  assert.deepEqual(trigger.description.inputs, []);
  assert.equal(typeof trigger.poll, 'function');
  assert.equal(trigger.execute, undefined);
  assert.equal('usableAsTool' in trigger.description, false);
  assert.deepEqual(trigger.description.credentials.map((c) => c.name), ['appDirectOAuth2Api']);

  const AppDirect = load('AppDirect');
  const action = new AppDirect();
  assert.equal(typeof action.execute, 'function');
  assert.equal(action.poll, undefined);
  assert.equal(action.description.usableAsTool, true);
});

const T0 = 1_800_000_000_000;

/** A first poll's (and a test run's) request: page 0 of the newest events, no fromDate. */
function assertLatestRequest(r, type) {
  assert.equal(r.path, '/api/channel/v1/events');
  assert.deepEqual(Object.keys(r.query).sort(), type === undefined ? ['page', 'size', 'sortOrder'] : ['page', 'size', 'sortOrder', 'type'], r.rawQuery);
  assert.deepEqual(r.query.sortOrder, ['DESC'], r.rawQuery);
  assert.deepEqual(r.query.page, ['0'], r.rawQuery);
  if (type !== undefined) assert.deepEqual(r.query.type, [type], r.rawQuery);
}

test('poll(): the first poll returns null and keeps a state; later polls return the new events oldest first, through n8n\'s OAuth2 helper', async () => {
  const trigger = new (load('AppDirectTrigger'))();
  const existing = mock.addEvent('SUBSCRIPTION_CANCEL', { n: 'existing' }, T0);
  const staticData = {};
  const first = pollContext({ staticData });
  assert.equal(await trigger.poll.call(first), null, 'the first poll emits nothing');
  assert.deepEqual(staticData, { state: { newest: T0, ids: [existing.uuid] } }, 'it starts at the newest event by the marketplace\'s clock');
  assert.equal(first.log.authenticated, 1, 'one request, through httpRequestWithAuthentication');
  assert.equal(first.log.plain, 0);
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0]);
  assert.ok(!first.log.parameters.includes('pollTimes'), 'n8n\'s own Poll Times is not read');
  assert.deepEqual([...new Set(first.log.parameters)].sort(), ['eventTypes', 'includePastEvents']);

  const a = mock.addEvent('SUBSCRIPTION_ORDER', { n: 'a' }, T0 + 20);
  const b = mock.addEvent('USER_ASSIGNMENT', { n: 'b' }, T0 + 10);
  const second = pollContext({ staticData });
  const out = await trigger.poll.call(second);
  assert.deepEqual(out, [[{ json: b }, { json: a }]]);
  assert.equal(second.log.authenticated, 1, 'one request, through httpRequestWithAuthentication');
  assert.equal(second.log.plain, 0);
  assert.equal(second.log.tokenFetches, 1);
  assert.equal(mock.tokenRequests().length, first.log.tokenFetches + second.log.tokenFetches, 'every token came from n8n (the helper), none from the module');
  const read = mock.apiRequests('GET')[1];
  assert.deepEqual(read.query.fromDate, [String(T0)]);
  assert.deepEqual(read.query.sortOrder, ['ASC']);
  assert.deepEqual(staticData, { state: { newest: T0 + 20, ids: [a.uuid] } });

  assert.equal(await trigger.poll.call(pollContext({ staticData })), null, 'nothing new');
  assert.deepEqual(staticData, { state: { newest: T0 + 20, ids: [a.uuid] } });
});

test('poll(): a manual run shows what is there and writes no static data; one event type goes as type=', async () => {
  const trigger = new (load('AppDirectTrigger'))();
  const old = mock.addEvent('SUBSCRIPTION_CANCEL', {}, Date.now() - 60_000);
  mock.addEvent('SUBSCRIPTION_ORDER', {}, Date.now() - 50_000);
  const staticData = {};
  const manual = pollContext({ staticData, mode: 'manual', parameters: { eventTypes: ['SUBSCRIPTION_CANCEL'] } });
  const out = await trigger.poll.call(manual);
  assert.deepEqual(out, [[{ json: old }]]);
  assert.deepEqual(staticData, {}, 'a manual run keeps no state');
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0], 'SUBSCRIPTION_CANCEL');
});

// "Fetch Test Event" on an active trigger: the static data already holds a state, and the test run
// still shows the newest events there (at most 10, oldest first) without moving it.
test('poll(): a manual run with a state already kept still shows the newest events and leaves the state', async () => {
  const trigger = new (load('AppDirectTrigger'))();
  const added = Array.from({ length: 12 }, (_, i) => mock.addEvent('SUBSCRIPTION_CANCEL', { i }, T0 - 60_000 + i));
  const staticData = { state: { newest: T0, ids: [] } };
  const kept = JSON.stringify(staticData);
  const out = await trigger.poll.call(pollContext({ staticData, mode: 'manual' }));
  assert.equal(JSON.stringify(staticData), kept, 'a manual run does not move the state');
  assert.deepEqual(out, [added.slice(-10).map((json) => ({ json }))], 'the 10 newest, oldest first');
  assert.equal(mock.apiRequests('GET').length, 1);
  assertLatestRequest(mock.apiRequests('GET')[0]);
});

test('poll(): an error answer throws a NodeApiError with the vendor message and HTTP code; the state stays', async () => {
  const trigger = new (load('AppDirectTrigger'))();
  const staticData = { state: { newest: 1_800_000_000_000, ids: [] } };
  mock.failNext('GET /api/channel/v1/events', 400, [{ code: 'BAD_REQUEST', message: `Invalid fromDate ${APPDIRECT_CLIENT_SECRET}` }]);
  let error;
  try {
    await trigger.poll.call(pollContext({ staticData }));
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'poll() threw');
  assert.equal(error.name, 'NodeApiError');
  assert.equal(String(error.httpCode), '400');
  assert.match(error.message, /Invalid fromDate \[redacted\] \(BAD_REQUEST\)/);
  assertNoSecrets(errorText(error), [APPDIRECT_CLIENT_SECRET, ...mock.issued], 'the error');
  assert.deepEqual(staticData, { state: { newest: 1_800_000_000_000, ids: [] } });

  const bad = pollContext({ staticData, parameters: { eventTypes: ['NOPE'] } });
  await assert.rejects(trigger.poll.call(bad), (e) => e.name === 'NodeOperationError' && /Event Types/.test(e.message));
});

test('the package\'s module leaves OAuth2 tokens to n8n: a host that does not fetch them gets a clear error, nothing is sent', async () => {
  const runtime = require(`${PACKAGE}dist/runtime.js`);
  const sent = [];
  const host = {
    request: async (req) => {
      sent.push(req);
      throw new Error('nothing may be sent');
    },
    sleep: async () => {},
  };
  const request = {
    node: 'appDirect',
    credentials: { ...mock.credentials },
    items: [{ parameters: { resource: 'Companies', operation: 'resource_Company_readAllCompanies_GET', returnAll: true } }],
  };
  const failure = await runtime.execute(JSON.stringify(request), host).then(
    ({ result }) => result.error?.message ?? JSON.stringify(result),
    (error) => errorText(error),
  );
  assert.match(failure, /needs an OAuth2 token, which this build leaves to its host/);
  assert.deepEqual(sent, []);
  assert.equal(mock.requests.length, 0);
});

test('the package: manifest, codex files and icons', () => {
  const manifest = JSON.parse(readFileSync(`${PACKAGE}package.json`, 'utf8'));
  assert.equal(manifest.name, 'n8n-nodes-appdirect');
  assert.ok(manifest.keywords.includes('n8n-community-node-package'));
  assert.equal('marketplace' in manifest, false, 'build-only keys are not published');
  assert.equal('codexCategories' in manifest, false);
  assert.deepEqual(manifest.n8n.nodes, ['dist/nodes/AppDirect/AppDirect.node.js', 'dist/nodes/AppDirectTrigger/AppDirectTrigger.node.js']);
  assert.deepEqual(manifest.n8n.credentials, ['dist/credentials/AppDirectOAuth2Api.credentials.js']);
  for (const cls of ['AppDirect', 'AppDirectTrigger']) {
    const codex = JSON.parse(readFileSync(`${PACKAGE}dist/nodes/${cls}/${cls}.node.json`, 'utf8'));
    assert.equal(codex.node, `n8n-nodes-appdirect.${cls.charAt(0).toLowerCase()}${cls.slice(1)}`);
    assert.deepEqual(codex.categories, ['Sales', 'Finance & Accounting']);
    for (const icon of ['appdirect.svg', 'appdirect.dark.svg']) {
      const svg = readFileSync(`${PACKAGE}dist/nodes/${cls}/${icon}`, 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 64 64"/);
    }
  }
  const credential = require(`${PACKAGE}dist/credentials/AppDirectOAuth2Api.credentials.js`).AppDirectOAuth2Api;
  const instance = new credential();
  assert.deepEqual(instance.extends, ['oAuth2Api']);
  assert.equal(instance.authenticate, undefined, 'n8n authenticates OAuth2 credentials itself');
});
