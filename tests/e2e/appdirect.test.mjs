// End to end: the AppDirect package (pkg-n8n/n8n-nodes-appdirect) in a REAL `n8n start` (2.8.4; 2.41.1
// with E2E_N8N=latest), against the checking loopback mock of AppDirect (tests/support/mock-appdirect.mjs).
//
// One n8n (own temp user folder, sqlite, free loopback ports) is set up through its REST API like a
// first-time user would: owner sign-up, an "AppDirect OAuth2 API" credential (and one with a wrong
// secret), three workflows:
//   - "chain":   Webhook → Create Subscription → Assign User → Cancel Subscription; the assignment and the
//                cancel take the subscription id from the create's output by expression;
//   - "lists":   Webhook → List all subscriptions (billing: start/count, bare arrays) and List all
//                companies (account: page/size, {content, page}), both Return All over several pages;
//   - "trigger": AppDirect Trigger (polling) → HTTP Request posting each event to a loopback sink.
// The webhook workflows are run by calling their production webhooks; what each node put out is read
// back from the execution n8n stored (GET /rest/executions/:id). The trigger workflow is ACTIVE: n8n
// itself polls (every 2 s, see POLL_TIMES) and starts one execution per poll that found new events.
//
// What is proven, and how (the tests run in this order and build on each other):
//   - the trigger's first poll (at activation) emits nothing — not even an event that already exists —
//     and the polls after it nothing either while there is nothing new;
//   - the chain and both Return All styles: by the mock's requests and state and by the stored executions;
//   - the trigger then emits each event that appeared after the first poll (the chain's three, two added
//     to the mock) exactly once — one sink POST and one trigger output item per event over all
//     executions — and the next polls emit nothing more;
//   - the token: the credential extends n8n's oAuth2Api (grant type clientCredentials), so n8n fetches the
//     token itself (requestOAuth2 → client-oauth2) when the first request needs it — here the trigger's
//     first poll — and keeps it in the credential's oauthTokenData; the module, told `oauth2Tokens: true`,
//     never asks for one. For all polls and node runs the mock sees exactly ONE token request (HTTP Basic
//     clientId:clientSecret, form `grant_type=client_credentials&scope=ROLE_PARTNER`, no query), every
//     /api request carries that token, none is refused, and neither the secret nor the token is in any
//     stored execution;
//   - the credential's Test (POST /rest/credentials/test): OK with the right secret (2.8.4 tests the
//     credential as stored, with its token; 2.41.1 the data sent, fetching a token of its own), and
//     client-oauth2's "Client authentication failed …" for a credential saved with a wrong secret;
//   - a token the marketplace stops accepting is replaced: n8n renews it on the 401 (the last test).
//
// n8n's polling floor: every pollTimes entry must fire at most once a minute (2.8.4 refuses a seconds
// field containing `*`; 2.41.1 anything but one fixed second). Entries are independent crons, though, so
// 30 entries "S * * * * *" (S = 0, 2, …, 58) poll every 2 s on both versions.
// Run: `npm run build` (repo root), then `node --test tests/e2e/appdirect.test.mjs` (2.8.4) or
// `node tests/e2e-latest/run.mjs tests/e2e/appdirect.test.mjs` (2.41.1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { customType, ensureN8n, EXTENSIONS_DIR, freePort, N8N_MODULES, N8N_VERSION, nodeClassPath } from './n8n-harness.mjs';
import { waitForProductionWebhook } from './queue-harness.mjs';
import { dataOf, jsonOrUndefined, signUpOwner, sleep, startN8nServer, tail } from './n8n-server.mjs';
import { startMockAppDirect, APPDIRECT_CLIENT_ID, APPDIRECT_CLIENT_SECRET } from '../support/mock-appdirect.mjs';
import { startSink } from '../support/sink.mjs';

const START_TIMEOUT_MS = 90_000;
const CALL_TIMEOUT_MS = 60_000;
/** How long a poll-driven outcome may take (a poll every 2 s; generous for a loaded box). */
const POLL_WAIT_MS = 30_000;
const WRONG_SECRET = 'ad-Wrong-Secret-Qq55Rt';
/** 230 rows: three pages of 100 in both paging styles. */
const ROWS = 230;
const ORDER = { paymentPlanId: 7001, orderLines: [{ unit: 'USER', quantity: 3 }] };
/** One cron per even second: n8n polls every 2 s (see the header). */
const POLL_TIMES = { item: Array.from({ length: 30 }, (_, i) => ({ mode: 'custom', cronExpression: `${2 * i} * * * * *` })) };
const EVENTS_PATH = '/api/channel/v1/events';

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const RIGHT_CLIENT = basic(APPDIRECT_CLIENT_ID, APPDIRECT_CLIENT_SECRET);
// n8n serialises an execution's data with `flatted` (the editor parses it the same way)
/** n8n's own `flatted` (how it stores execution data), loaded once n8n is installed (`ensureN8n`). */
const parseFlatted = (text) => createRequire(path.join(N8N_MODULES, 'n8n', 'package.json'))('flatted').parse(text);

let mock;
let sink;
let n8n;
let api;
let personalProjectId;
let credential;
let wrongCredential;
const workflows = {}; // name → { id, versionId }
const timings = {};
/** Every execution document read back (for the secret check at the end). */
const documents = [];

// ---------------------------------------------------------------------------------------------------
// helpers

/** Waits (bounded) until `check()` is truthy; returns its last value. */
async function eventually(check, ms, every = 200) {
  const deadline = Date.now() + ms;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await sleep(every);
    value = await check();
  }
  return value;
}


/** A headless `n8n start` (regular mode, sqlite), ready once its REST API answers. */
async function startN8n() {
  // Installed on demand (a fresh clone runs this file first): wait for it here, where n8n is needed.
  await ensureN8n();
  const port = await freePort();
  // The webhook URL names the port n8n will listen on, so the server is given that port.
  return startN8nServer({
    prefix: 'n8n-appdirect-e2e-',
    httpPort: port,
    env: { WEBHOOK_URL: `http://127.0.0.1:${port}/`, N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5' },
    timeoutMs: START_TIMEOUT_MS,
  });
}

const logTail = () => `\n--- n8n output (tail) ---\n${tail(n8n?.proc.output() ?? '', 30)}`;

let nodeNumber = 0;
const nodeId = () => `ad0e2e00-0000-4000-8000-${String(++nodeNumber).padStart(12, '0')}`;
const appDirectCredentials = () => ({ appDirectOAuth2Api: { id: credential.id, name: credential.name } });

function webhookNode(webhookPath, responseData) {
  return {
    id: nodeId(),
    name: 'Webhook',
    type: 'n8n-nodes-base.webhook',
    typeVersion: 2,
    position: [0, 0],
    webhookId: `ad0e2e00-1111-4111-8111-${String(++nodeNumber).padStart(12, '0')}`,
    // answer once the workflow has finished
    parameters: { httpMethod: 'POST', path: webhookPath, responseMode: 'lastNode', responseData, options: {} },
  };
}

function appDirectNode(name, parameters, position) {
  return { id: nodeId(), name, type: customType('appDirect'), typeVersion: 1, position, parameters, credentials: appDirectCredentials() };
}

const connect = (...names) => ({ main: [names.map((node) => ({ node, type: 'main', index: 0 }))] });
const byId = (value) => ({ __rl: true, mode: 'id', value });

function chainWorkflow() {
  return {
    name: 'e2e AppDirect: create → assign → cancel',
    nodes: [
      webhookNode('appdirect-chain', 'firstEntryJson'),
      appDirectNode(
        'Create Subscription',
        {
          resource: 'Subscriptions',
          operation: 'resource_Other_createSubscription_POST',
          companyId: byId('={{ $json.body.companyId }}'),
          userId: byId('={{ $json.body.userId }}'),
          // The order is a set of fields in the form, its order lines entries whose fields are added
          // one by one (n8n fills an entry's plain fields with defaults; none of those may be sent).
          additionalFields: {
            order: {
              paymentPlanId: ORDER.paymentPlanId,
              orderLines: { entry: ORDER.orderLines.map((line) => ({ additionalFields: line })) },
            },
          },
        },
        [300, 0],
      ),
      appDirectNode(
        'Assign User',
        {
          resource: 'SubscriptionAssignments',
          operation: 'resource_Subscription_createSubscriptionAssignment_POST',
          subscriptionUuid: byId('={{ $json.id }}'),
          userUuid: byId("={{ $('Webhook').item.json.body.userId }}"),
        },
        [600, 0],
      ),
      appDirectNode(
        'Cancel Subscription',
        {
          resource: 'Subscriptions',
          operation: 'resource_Subscription_cancelSubscription_DELETE',
          subscriptionId: byId("={{ $('Create Subscription').item.json.id }}"),
        },
        [900, 0],
      ),
    ],
    connections: { Webhook: connect('Create Subscription'), 'Create Subscription': connect('Assign User'), 'Assign User': connect('Cancel Subscription') },
  };
}

function listsWorkflow() {
  return {
    name: 'e2e AppDirect: Return All in both paging styles',
    nodes: [
      webhookNode('appdirect-lists', 'noData'),
      appDirectNode('All Subscriptions', { resource: 'Subscriptions', operation: 'resource_Subscription_readSubscriptions_GET', returnAll: true }, [300, -100]),
      appDirectNode('All Companies', { resource: 'Companies', operation: 'resource_Company_readAllCompanies_GET', returnAll: true }, [300, 100]),
    ],
    connections: { Webhook: connect('All Subscriptions', 'All Companies') },
  };
}

function triggerWorkflow() {
  return {
    name: 'e2e AppDirect: Trigger → sink',
    nodes: [
      {
        id: nodeId(),
        name: 'AppDirect Trigger',
        type: customType('appDirectTrigger'),
        typeVersion: 1,
        position: [0, 0],
        parameters: { pollTimes: POLL_TIMES, eventTypes: [], includePastEvents: false },
        credentials: appDirectCredentials(),
      },
      {
        id: nodeId(),
        name: 'Sink',
        type: 'n8n-nodes-base.httpRequest',
        typeVersion: 4.2,
        position: [300, 0],
        parameters: { method: 'POST', url: `${sink.url}/event`, sendBody: true, specifyBody: 'json', jsonBody: '={{ JSON.stringify($json) }}', options: {} },
      },
    ],
    connections: { 'AppDirect Trigger': connect('Sink') },
  };
}

async function createWorkflow(key, workflow) {
  const created = dataOf(`POST /rest/workflows (${key})`, await api('POST', '/workflows', { ...workflow, settings: { executionOrder: 'v1' }, projectId: personalProjectId }));
  workflows[key] = { id: created.id, versionId: created.versionId };
  return workflows[key];
}

async function activate(key) {
  const { id, versionId } = workflows[key];
  const activated = dataOf(`POST /rest/workflows/${id}/activate (${key})`, await api('POST', `/workflows/${id}/activate`, { versionId }));
  assert.equal(activated.active, true, `${key} is active`);
}

async function callWebhook(webhookPath, body) {
  const res = await fetch(`${n8n.baseUrl}/webhook/${webhookPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await res.text();
  return { status: res.status, body: jsonOrUndefined(text), text };
}

/** The executions n8n stored for a workflow (newest first), as its executions list shows them. */
async function executionsOf(key) {
  const query = new URLSearchParams({ filter: JSON.stringify({ workflowId: workflows[key].id }), limit: '100' });
  return dataOf('GET /rest/executions', await api('GET', `/executions?${query}`)).results;
}

/** One stored execution: { status, mode, runData, items(node) }. */
async function execution(id) {
  const stored = dataOf(`GET /rest/executions/${id}`, await api('GET', `/executions/${id}`));
  const data = typeof stored.data === 'string' ? parseFlatted(stored.data) : stored.data;
  documents.push(JSON.stringify(data));
  const runData = data?.resultData?.runData ?? {};
  return {
    id: String(stored.id),
    status: stored.status,
    mode: stored.mode,
    error: data?.resultData?.error ?? null,
    runData,
    items(node) {
      const run = runData[node]?.[0];
      if (!run) throw new Error(`node "${node}" did not run in execution ${id}; nodes that ran: ${Object.keys(runData).join(', ')}`);
      if (run.error) throw new Error(`node "${node}" failed in execution ${id}: ${run.error.message} ${run.error.description ?? ''}`);
      return run.data?.main?.[0] ?? [];
    },
  };
}

/** Calls a webhook workflow once and returns { response, execution } (the execution n8n stored for it). */
async function runWebhookWorkflow(key, webhookPath, body) {
  const before = new Set((await executionsOf(key)).map((e) => String(e.id)));
  const response = await callWebhook(webhookPath, body);
  const finished = await eventually(async () => {
    const fresh = (await executionsOf(key)).filter((e) => !before.has(String(e.id)));
    return fresh.length === 1 && ['success', 'error', 'crashed'].includes(fresh[0].status) ? fresh[0] : null;
  }, 15_000);
  assert.ok(finished, `n8n stored one finished execution of ${key} (webhook answered ${response.status}: ${response.text.slice(0, 300)})${logTail()}`);
  return { response, execution: await execution(finished.id) };
}

/** The /api requests the mock received since `mock.requests[from]`. */
const apiSince = (from) => mock.requests.slice(from).filter((r) => r.path.startsWith('/api/'));
const eventPolls = () => mock.requests.filter((r) => r.path === EVENTS_PATH);
/** Polls that asked for the events since the trigger's mark (not the first poll's "newest events" read). */
const sincePolls = () => eventPolls().filter((r) => r.query.fromDate !== undefined);

/** Every event the trigger emitted, from the stored executions of the trigger workflow: [{ execution, uuid }]. */
async function emitted() {
  const out = [];
  for (const e of await executionsOf('trigger')) {
    const ex = await execution(e.id);
    for (const item of ex.items('AppDirect Trigger')) out.push({ execution: ex.id, status: ex.status, uuid: item.json.uuid, type: item.json.type });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------

before(
  async () => {
    if (!fs.existsSync(nodeClassPath('n8n-nodes-appdirect', 'AppDirect'))) {
      throw new Error(`${EXTENSIONS_DIR} has no built AppDirect node (build the packages first: npm run build)`);
    }
    mock = await startMockAppDirect({ seed: { companies: ROWS, subscriptions: ROWS } });
    sink = await startSink();
    n8n = await startN8n();
    timings.start = n8n.startMs;

    const t = Date.now();
    ({ api, personalProjectId } = await signUpOwner(n8n.baseUrl));
    // the credential as the editor's credential modal saves it: only the fields the form shows
    credential = dataOf(
      'POST /rest/credentials',
      await api('POST', '/credentials', { name: 'AppDirect (mock)', type: 'appDirectOAuth2Api', data: { ...mock.credentials }, projectId: personalProjectId }),
    );
    wrongCredential = dataOf(
      'POST /rest/credentials (wrong secret)',
      await api('POST', '/credentials', {
        name: 'AppDirect (wrong secret)',
        type: 'appDirectOAuth2Api',
        data: { ...mock.credentials, clientSecret: WRONG_SECRET },
        projectId: personalProjectId,
      }),
    );
    await createWorkflow('chain', chainWorkflow());
    await createWorkflow('lists', listsWorkflow());
    await createWorkflow('trigger', triggerWorkflow());
    await activate('chain');
    await activate('lists');
    await waitForProductionWebhook(n8n.baseUrl, 'appdirect-chain', 'POST');
    await waitForProductionWebhook(n8n.baseUrl, 'appdirect-lists', 'POST');
    timings.setup = Date.now() - t;
    // setting n8n up sent nothing to AppDirect
    assert.deepEqual(mock.requests.map((r) => `${r.method} ${r.path}`), []);
  },
  // n8n may be installed first (a fresh clone runs this file first): up to 30 minutes of it.
  { timeout: 30 * 60_000 + START_TIMEOUT_MS + 60_000 },
);

after(async () => {
  await n8n?.stop().catch(() => {});
  await sink?.close().catch(() => {});
  await mock?.close().catch(() => {});
});

// ---------------------------------------------------------------------------------------------------

let pastEvent;
let activatedAt;

test('the active AppDirect Trigger: the first poll (at activation) emits nothing, not even an event already there', async (t) => {
  t.diagnostic(`n8n ${N8N_VERSION}: start → REST ready in ${timings.start} ms, REST setup ${timings.setup} ms`);
  pastEvent = mock.addEvent('SUBSCRIPTION_NOTICE', { note: 'before the trigger was switched on' }, Date.now() - 60_000);
  activatedAt = Date.now();
  await activate('trigger');
  t.diagnostic(`activate call took ${Date.now() - activatedAt} ms`);
  // the first poll, then at least two regular ones (every 2 s)
  const polled = await eventually(() => sincePolls().length >= 2, POLL_WAIT_MS);
  assert.ok(polled, `n8n polled (events requests: ${JSON.stringify(eventPolls().map((r) => r.rawQuery))})${logTail()}`);
  t.diagnostic(`first regular poll ${sincePolls()[0].time - activatedAt} ms after the activate call`);

  // the first poll read where "now" is: the newest event, by the marketplace's clock
  const [first, ...rest] = eventPolls();
  assert.equal(first.query.sortOrder?.[0], 'DESC', `the first poll asks for the newest events (${first.rawQuery})`);
  assert.equal(first.query.fromDate, undefined);
  // … and the later ones ask from there (the past event's time, inclusive), oldest first
  for (const r of rest) {
    assert.equal(r.query.sortOrder?.[0], 'ASC', r.rawQuery);
    assert.equal(r.query.fromDate?.[0], String(pastEvent.creationDate), r.rawQuery);
  }
  assert.deepEqual(await executionsOf('trigger'), [], 'no execution of the trigger workflow');
  assert.deepEqual(sink.received, [], 'nothing reached the sink');
});

let chainRun;
test('create → assign → cancel in one workflow: each node takes what it needs from the one before', async () => {
  const companyId = mock.data.companies[0].id;
  const userId = mock.data.users[1].id;
  const from = mock.requests.length;
  const { response, execution: ex } = await runWebhookWorkflow('chain', 'appdirect-chain', { companyId, userId });
  chainRun = { companyId, userId, ex, subscriptionId: null };
  assert.equal(ex.status, 'success', `the execution failed: ${JSON.stringify(ex.error)?.slice(0, 800)}${logTail()}`);
  assert.equal(response.status, 200, response.text);

  const [created] = ex.items('Create Subscription');
  const subscriptionId = created.json.id;
  chainRun.subscriptionId = subscriptionId;
  assert.ok(mock.isUuid(subscriptionId), JSON.stringify(created.json));
  assert.equal(created.json.status, 'ACTIVE');
  assert.deepEqual(created.json.company, { id: companyId, name: mock.data.companies[0].name });
  assert.equal(created.json.user.id, userId);
  assert.deepEqual(created.json.order.orderLines, ORDER.orderLines);
  const [assigned] = ex.items('Assign User');
  assert.deepEqual(assigned.json.subscription, { id: subscriptionId });
  assert.equal(assigned.json.user.id, userId);
  const cancelled = ex.items('Cancel Subscription');
  assert.deepEqual(cancelled.map((i) => i.json), [{ success: true }], 'the 204 answer');
  assert.deepEqual(response.body, { success: true }, 'the webhook answered with the last node\'s item');
  for (const node of ['Create Subscription', 'Assign User', 'Cancel Subscription']) {
    assert.deepEqual(ex.items(node).map((i) => i.pairedItem), [{ item: 0 }], `${node}: one item, paired with the input`);
  }

  // what the marketplace received, in order (polls of the trigger interleave: leave them out)
  const calls = apiSince(from).filter((r) => r.path !== EVENTS_PATH);
  assert.deepEqual(
    calls.map((r) => `${r.method} ${r.path}`),
    [
      `POST /api/billing/v1/companies/${companyId}/users/${userId}/subscriptions`,
      `POST /api/account/v2/subscriptions/${subscriptionId}/assignments/${userId}`,
      `DELETE /api/billing/v1/subscriptions/${subscriptionId}`,
    ],
  );
  assert.deepEqual(calls[0].body, { order: ORDER });
  assert.match(calls[0].headers['content-type'], /^application\/json/);
  assert.deepEqual(calls.map((r) => r.rawQuery), ['', '', '']);
  assert.equal(calls[2].rawBody, '', 'the cancel sends no body');
  // and its state
  assert.equal(mock.data.subscriptions.find((s) => s.id === subscriptionId).status, 'CANCELLED');
  assert.deepEqual(mock.data.assignments.map((a) => [a.subscription.id, a.user.id]), [[subscriptionId, userId]]);
  assert.deepEqual(
    mock.data.events.filter((e) => e.subscriptionId === subscriptionId).map((e) => e.type),
    ['SUBSCRIPTION_ORDER', 'USER_ASSIGNMENT', 'SUBSCRIPTION_CANCEL'],
  );
});

test('Return All in both paging styles: every subscription (start/count) and every company (page/size), each once', async () => {
  const from = mock.requests.length;
  const { response, execution: ex } = await runWebhookWorkflow('lists', 'appdirect-lists', {});
  assert.equal(ex.status, 'success', `the execution failed: ${JSON.stringify(ex.error)?.slice(0, 800)}${logTail()}`);
  assert.equal(response.status, 200, response.text);

  // billing v1: bare arrays, start/count
  const subscriptions = ex.items('All Subscriptions');
  assert.deepEqual(subscriptions.map((i) => i.json.id), mock.data.subscriptions.map((s) => s.id), 'every subscription, in order (the chain\'s one last)');
  assert.ok(subscriptions.length > ROWS);
  const billing = apiSince(from).filter((r) => r.path === '/api/billing/v1/subscriptions');
  const count = Number(billing[0].query.count?.[0]);
  assert.ok(count > 0 && subscriptions.length > count, `more than one page (count=${count})`);
  assert.deepEqual(billing.map((r) => Object.keys(r.query).sort()), billing.map(() => ['count', 'start']));
  assert.deepEqual(billing.map((r) => Number(r.query.start[0])), Array.from({ length: Math.ceil(subscriptions.length / count) }, (_, i) => i * count), 'start = 0, count, 2·count, …, none read twice');

  // account v2: {content, page}, page/size
  const companies = ex.items('All Companies');
  assert.deepEqual(companies.map((i) => i.json.id), mock.data.companies.map((c) => c.id), 'every company, in order');
  assert.deepEqual(companies[0].json, mock.data.companies[0], 'the rows as the service gave them (unwrapped from content)');
  const account = apiSince(from).filter((r) => r.path === '/api/account/v2/companies');
  const size = Number(account[0].query.size?.[0]);
  assert.ok(size > 0 && ROWS > size, `more than one page (size=${size})`);
  assert.deepEqual(account.map((r) => Number(r.query.page[0])), Array.from({ length: Math.ceil(ROWS / size) }, (_, i) => i), 'pages 0 … totalPages-1, none beyond');
  for (const r of account) assert.deepEqual(Object.keys(r.query).sort(), ['page', 'size'], r.rawQuery);
  assert.deepEqual(mock.errors, []);
});

test('the trigger emits each new event exactly once (the chain\'s three, two added), and the next polls nothing', async (t) => {
  assert.ok(chainRun?.subscriptionId, 'the chain ran');
  const added = [mock.addEvent('USER_UPDATED', { note: 'added 1' }), mock.addEvent('ADDON_ORDER', { note: 'added 2' })];
  const chainEvents = mock.data.events.filter((e) => e.subscriptionId === chainRun.subscriptionId);
  const expected = [...chainEvents, ...added].map((e) => e.uuid);
  assert.equal(expected.length, 5);

  const arrived = await eventually(() => sink.received.length >= expected.length, POLL_WAIT_MS);
  assert.ok(arrived, `the sink got ${sink.received.length} of ${expected.length} events${logTail()}`);
  // then at least two more polls, which must emit nothing
  const polls = sincePolls().length;
  const quiet = await eventually(() => sincePolls().length >= polls + 2, POLL_WAIT_MS);
  assert.ok(quiet, 'n8n kept polling');
  await sleep(1000); // an execution a late poll would start has reached the sink by now
  t.diagnostic(`polls so far ${eventPolls().length}; sink POSTs ${sink.received.length}`);

  // the sink: one POST per event, each the event as the marketplace gave it
  assert.deepEqual(sink.received.map((r) => r.body.uuid).sort(), [...expected].sort(), 'each new event reached the sink once');
  for (const r of sink.received) assert.deepEqual(r.body, mock.data.events.find((e) => e.uuid === r.body.uuid));
  // n8n's record: the trigger's output items over all executions, each successful
  const out = await eventually(async () => {
    const e = await emitted();
    return e.length >= expected.length && e.every((x) => x.status === 'success') ? e : null;
  }, 10_000);
  assert.ok(out, `stored trigger executions: ${JSON.stringify(await emitted())}`);
  assert.deepEqual(out.map((x) => x.uuid).sort(), [...expected].sort(), 'each new event emitted exactly once');
  assert.ok(!out.some((x) => x.uuid === pastEvent.uuid), 'the event from before the activation never');
  const executions = await executionsOf('trigger');
  assert.deepEqual([...new Set(executions.map((e) => e.mode))], ['trigger']);
  // oldest first within each execution
  const byExecution = {};
  for (const x of out) (byExecution[x.execution] ??= []).push(x);
  for (const items of Object.values(byExecution)) {
    const times = items.map((x) => mock.data.events.find((e) => e.uuid === x.uuid).creationDate);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  }
  t.diagnostic(`${executions.length} trigger execution(s) for ${out.length} events`);
});

test('one token for every poll and node run, fetched by n8n: HTTP Basic client id:secret, client-credentials form; every API request carried it', async () => {
  const right = mock.tokenRequests().filter((r) => r.headers.authorization === RIGHT_CLIENT);
  assert.equal(right.length, 1, `token requests with the right client: ${right.length}`);
  const [token] = right;
  // n8n fetched it when the trigger's first poll (at activation) first needed it, before any API request
  assert.equal(mock.requests[0], token, 'the first request AppDirect saw is the token request');
  assert.equal(mock.requests[1].path, EVENTS_PATH);
  assert.equal(mock.requests[1].token, token.issued);
  assert.equal(token.method, 'POST');
  assert.equal(token.rawQuery, '');
  assert.match(token.headers['content-type'], /^application\/x-www-form-urlencoded/);
  assert.deepEqual(token.form, { grant_type: 'client_credentials', scope: 'ROLE_PARTNER' });
  assert.equal(mock.issued.length, 1, 'one token issued');
  const apiCalls = mock.apiRequests();
  assert.ok(apiCalls.length > 0);
  for (const r of apiCalls) {
    assert.equal(r.headers.authorization, `Bearer ${mock.issued[0]}`, `${r.method} ${r.path}`);
    assert.equal(r.authFailure, undefined);
  }
  assert.deepEqual(mock.errors, [], 'the mock saw nothing it did not expect');

  // n8n keeps the token in the credential (oauthTokenData); the credential as the editor reads it
  const stored = dataOf(`GET /rest/credentials/${credential.id}`, await api('GET', `/credentials/${credential.id}?includeData=true`));
  assert.ok(stored.data?.oauthTokenData, `n8n stored the token data in the credential: ${JSON.stringify(Object.keys(stored.data ?? {}))}`);
  assert.ok(!JSON.stringify(stored).includes(mock.issued[0]), 'n8n does not hand the token out');

  // neither the secret nor the token is in any execution n8n stored
  for (const doc of documents) {
    assert.ok(!doc.includes(APPDIRECT_CLIENT_SECRET), 'the client secret is not in an execution');
    assert.ok(!doc.includes(mock.issued[0]), 'the token is not in an execution');
  }
});

test('the credential\'s Test (POST /rest/credentials/test): OK with the right secret, a clear error with a wrong one', async (t) => {
  const testOf = async (c, secret) =>
    dataOf(
      `POST /rest/credentials/test (${c.name})`,
      await api('POST', '/credentials/test', { credentials: { id: c.id, name: c.name, type: 'appDirectOAuth2Api', data: { ...mock.credentials, clientSecret: secret } } }),
    );
  let from = mock.requests.length;
  const ok = await testOf(credential, APPDIRECT_CLIENT_SECRET);
  assert.equal(ok.status, 'OK', JSON.stringify(ok));
  // the declared test request, one company, with a live token. Which one differs by version: 2.8.4 tests
  // the credential as stored (its token), 2.41.1 the data sent, so it fetches a token of its own (and
  // stores it in the credential)
  const sent = mock.requests.slice(from).filter((r) => r.path !== EVENTS_PATH);
  t.diagnostic(`the Test sent: ${sent.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  const tokens = sent.filter((r) => r.path === '/oauth2/token');
  assert.ok(tokens.length <= 1, 'at most one token request');
  for (const r of tokens) assert.equal(r.headers.authorization, RIGHT_CLIENT);
  const reads = sent.filter((r) => r.path.startsWith('/api/'));
  assert.deepEqual(reads.map((r) => `${r.method} ${r.path}?${r.rawQuery} ${r.authFailure ?? 'ok'}`), ['GET /api/account/v2/companies?size=1 ok']);
  assert.equal(reads[0].token, tokens.length ? tokens[0].issued : mock.issued[0]);

  from = mock.requests.length;
  const wrong = await testOf(wrongCredential, WRONG_SECRET);
  assert.equal(wrong.status, 'Error', JSON.stringify(wrong));
  t.diagnostic(`wrong secret: ${JSON.stringify(wrong)}`);
  // client-oauth2's wording for the marketplace's `invalid_client`
  assert.match(wrong.message, /Client authentication failed/, JSON.stringify(wrong));
  assert.doesNotMatch(wrong.message, new RegExp(WRONG_SECRET), 'the secret is not in the message');
  const tried = mock.requests.slice(from).filter((r) => r.path !== EVENTS_PATH);
  assert.deepEqual(tried.map((r) => `${r.method} ${r.path} ${r.authFailure ?? 'ok'}`), ['POST /oauth2/token wrong client'], 'one token request, refused; no API request');
  assert.equal(tried[0].headers.authorization, basic(APPDIRECT_CLIENT_ID, WRONG_SECRET));
  assert.deepEqual(mock.errors, []);
});

// Last: it leaves the marketplace refusing the run's token.
test(
  'a token the marketplace no longer accepts (expired, revoked): n8n fetches a new one and the node succeeds',
  async () => {
    mock.revokeTokens();
    const from = mock.requests.length;
    const tokensBefore = mock.tokenRequests().length;
    const { execution: ex } = await runWebhookWorkflow('chain', 'appdirect-chain', { companyId: mock.data.companies[0].id, userId: mock.data.users[2].id });
    const sent = mock.requests.slice(from).filter((r) => r.path !== EVENTS_PATH);
    assert.equal(ex.status, 'success', `${JSON.stringify(ex.error?.message)}; requests: ${sent.map((r) => `${r.method} ${r.path} ${r.authFailure ?? 'ok'}`).join(', ')}`);
    // n8n renews on the 401 of whoever meets the revoked token first: the chain's first node, and maybe
    // the active trigger's poll running meanwhile (each renewal is stored, so it is at most these two).
    const renewed = mock.tokenRequests().length - tokensBefore;
    assert.ok(renewed >= 1 && renewed <= 2, `new tokens: ${renewed}`);
    // Each API request was refused at most once, and everything after a refusal went through.
    const refused = sent.filter((r) => r.authFailure);
    assert.ok(refused.length <= renewed, `refused: ${refused.map((r) => `${r.method} ${r.path}`).join(', ')}`);
  },
);
