// n8n's queue mode (scale-out) with the repository's packages: main + two workers + Redis, as users run
// it when they outgrow one process (issue 11, point 7). The harness's n8n (2.8.4 from tests/e2e; also
// passes with E2E_N8N=latest, 2.41.1), EXECUTIONS_MODE=queue, a private redis-server and a private PostgreSQL shared by all
// three processes (both installed from Debian's packages on demand: tests/support/redis.mjs,
// tests/support/postgres.mjs), pkg-n8n/ loaded by every process.
// E2E_QUEUE_DB=sqlite shares one sqlite file instead (n8n: "not officially supported"); that mostly
// works, but about every second run one of the 100 executions fails with SQLITE_BUSY — n8n's limit, not
// the package's (see queue-harness.mjs) — so the default is Postgres.
//
// Main (`n8n start`) is set up through its REST API like a first-time user would (owner, a mittwald
// credential, a workflow Webhook → mittwald "Get Article" answering with the node's output, activated).
// Then 100 webhook calls are fired at once, each with its own article id, at a paced loopback mock
// (tests/support/paced-server.mjs) that answers GET /v2/articles/:id after 100 ms.
//
// Who ran what, from two independent sources:
//   - n8n's own logs: main "Enqueued execution <id>", each worker "Worker started/finished execution
//     <id>" (the execution row has no worker id), checked against the executions main lists over REST;
//   - the kernel: the vendor calls go through a loopback TCP proxy that looks up, for every connection,
//     which process holds its client socket (/proc/net/tcp → /proc/<pid>/fd), so every article request
//     is attributed to the process that sent it (Linux; without /proc this check is skipped).
// Finally main's REST API answers a "From List" picker (searchProjects, as picker-rest.test.mjs calls it)
// itself: the vendor call comes from main, and no worker runs anything for it.
//
// AppDirect (an OAuth2 client-credentials credential: n8n fetches the token and keeps it in the credential,
// tests/e2e/appdirect.test.mjs) against the checking mock (tests/support/mock-appdirect.mjs), behind a
// tracing proxy of its own:
//   - 20 webhook calls fired at once, each running an AppDirect read (List all companies, filtered by the
//     name the call sends, limit 1) on the workers, with no token stored yet: every call gets its own
//     company back and every API request came from a worker with a live token. Token requests: n8n has
//     no lock around the first fetch — each execution reads the credential from the database and
//     fetches a token when it finds none there (requestOAuth2), so every execution that starts before
//     the first token has been stored fetches one of its own (measured on 2.8.4: 6 for 20; the
//     diagnostic line says). The bound asserted is therefore one per execution that could have started
//     by then (all 20: 2 workers × concurrency 10), never more than one per execution; and a second
//     wave, and main's polls, find the stored token and fetch none.
//   - an ACTIVE AppDirect Trigger (polling every 2 s, see appdirect.test.mjs for n8n's polling floor)
//     → HTTP Request to a loopback sink: main polls (every events request comes from main's process),
//     the executions it starts run on the workers (their logs), and each event added after the first
//     poll reaches the sink exactly once, also over the polls after it.
// Run: `npm run build` (repo root), then `node --test tests/e2e/queue-mode.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { customType, ensureN8n, EXTENSIONS_DIR, N8N_VERSION, nodeClassPath } from './n8n-harness.mjs';
import { mainExecutions, startOwnerTracingProxy, startQueueCluster, waitForProductionWebhook, workerExecutions } from './queue-harness.mjs';
import { dataOf, signUpOwner, sleep, tail } from './n8n-server.mjs';
import { startRedis, redisVersion } from '../support/redis.mjs';
import { startPostgres } from '../support/postgres.mjs';
import { startPacedServer, articleIds, PACED_TOKEN } from '../support/paced-server.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { startMockAppDirect } from '../support/mock-appdirect.mjs';
import { startSink } from '../support/sink.mjs';

const CALLS = 100;
const LATENCY_MS = 100;
const WORKERS = 2;
/** `n8n worker --concurrency`: both workers together run 20 of the 100 executions at a time. */
const WORKER_CONCURRENCY = 10;
const CALL_TIMEOUT_MS = 60_000;
const WEBHOOK_PATH = 'queue-mode-e2e';
const ARTICLES = articleIds(CALLS);
const HAVE_PROC = fs.existsSync('/proc/net/tcp');
const DB = (process.env.E2E_QUEUE_DB ?? 'postgres').trim() || 'postgres';
if (!['postgres', 'sqlite'].includes(DB)) throw new Error(`E2E_QUEUE_DB=${DB}: use postgres (the default) or sqlite`);

let redis;
let postgres;
let cluster;
let paced;
let pacedProxy;
let marketplace;
let marketplaceProxy;
let api;
let personalProjectId;
let pickerCredential;
let workflowId;
const timings = {};
let calls; // [{ articleId, status, body, ms }]
// AppDirect
const AD_CALLS = 20;
const AD_WEBHOOK_PATH = 'queue-mode-appdirect-e2e';
/** One cron per even second: the trigger polls every 2 s (n8n's per-entry floor is a minute). */
const AD_POLL_TIMES = { item: Array.from({ length: 30 }, (_, i) => ({ mode: 'custom', cronExpression: `${2 * i} * * * * *` })) };
const AD_EVENTS_PATH = '/api/channel/v1/events';
const AD_POLL_WAIT_MS = 30_000;
let appDirect;
let appDirectProxy;
let sink;
let adCredential;
const adWorkflows = {}; // read, trigger → { id, versionId }

// ---------------------------------------------------------------------------------------------------

const processesOf = () => cluster?.processes ?? [];

function logsTail() {
  return processesOf()
    .map((p) => `--- ${p.name} (pid ${p.pid}) output (tail) ---\n${tail(p.output(), 25)}`)
    .join('\n');
}

function webhookWorkflow(credential) {
  return {
    name: 'e2e queue mode: Webhook → mittwald Get Article',
    settings: { executionOrder: 'v1' },
    projectId: personalProjectId,
    nodes: [
      {
        id: '7e0f0a51-0000-4000-8000-000000000001',
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: '7e0f0a51-1111-4111-8111-000000000001',
        // answer with the first item of the last node's output, once it has finished
        parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
      },
      {
        id: '7e0f0a51-0000-4000-8000-000000000002',
        name: 'Get Article',
        type: customType('mittwald'),
        typeVersion: 1,
        position: [300, 0],
        parameters: { resource: 'Article', operation: 'article-get-article', articleId: '={{ $json.body.articleId }}' },
        credentials: { mittwaldApi: { id: credential.id, name: credential.name } },
      },
    ],
    connections: { Webhook: { main: [[{ node: 'Get Article', type: 'main', index: 0 }]] } },
  };
}

async function callWebhook(articleId) {
  const started = Date.now();
  try {
    const res = await fetch(`${cluster.baseUrl}/webhook/${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ articleId }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { articleId, status: res.status, body, ms: Date.now() - started };
  } catch (err) {
    return { articleId, status: null, body: String(err), ms: Date.now() - started };
  }
}

/** Waits (bounded) until `check()` is truthy; returns its last value. */
async function eventually(check, ms) {
  const deadline = Date.now() + ms;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await sleep(200);
    value = await check();
  }
  return value;
}

/**
 * Every execution of the workflow, as main lists them (GET /rest/executions): one page of up to 100 (the
 * most n8n hands out at once; paging differs between 2.8.4 and 2.41), with n8n's total count.
 */
async function executionsOfWorkflow() {
  const query = new URLSearchParams({ filter: JSON.stringify({ workflowId }), limit: String(CALLS) });
  const data = dataOf('GET /rest/executions', await api('GET', `/executions?${query}`));
  return { results: data.results, count: data.count };
}



function appDirectWorkflows(credential) {
  const credentials = { appDirectOAuth2Api: { id: credential.id, name: credential.name } };
  return {
    read: {
      name: 'e2e queue mode: Webhook → AppDirect List companies (by name, limit 1)',
      settings: { executionOrder: 'v1' },
      projectId: personalProjectId,
      nodes: [
        {
          id: '7e0f0a51-0000-4000-8000-0000000000a1',
          name: 'Webhook',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: '7e0f0a51-1111-4111-8111-0000000000a1',
          parameters: { httpMethod: 'POST', path: AD_WEBHOOK_PATH, responseMode: 'lastNode', responseData: 'firstEntryJson', options: {} },
        },
        {
          id: '7e0f0a51-0000-4000-8000-0000000000a2',
          name: 'Company',
          type: customType('appDirect'),
          typeVersion: 1,
          position: [300, 0],
          parameters: { resource: 'Companies', operation: 'resource_Company_readAllCompanies_GET', returnAll: false, limit: 1, additionalFields: { name: '={{ $json.body.name }}' } },
          credentials,
        },
      ],
      connections: { Webhook: { main: [[{ node: 'Company', type: 'main', index: 0 }]] } },
    },
    trigger: {
      name: 'e2e queue mode: AppDirect Trigger → sink',
      settings: { executionOrder: 'v1' },
      projectId: personalProjectId,
      nodes: [
        {
          id: '7e0f0a51-0000-4000-8000-0000000000b1',
          name: 'AppDirect Trigger',
          type: customType('appDirectTrigger'),
          typeVersion: 1,
          position: [0, 0],
          parameters: { pollTimes: AD_POLL_TIMES, eventTypes: [], includePastEvents: false },
          credentials,
        },
        {
          id: '7e0f0a51-0000-4000-8000-0000000000b2',
          name: 'Sink',
          type: 'n8n-nodes-base.httpRequest',
          typeVersion: 4.2,
          position: [300, 0],
          parameters: { method: 'POST', url: `${sink.url}/event`, sendBody: true, specifyBody: 'json', jsonBody: '={{ JSON.stringify($json) }}', options: {} },
        },
      ],
      connections: { 'AppDirect Trigger': { main: [[{ node: 'Sink', type: 'main', index: 0 }]] } },
    },
  };
}

async function callAppDirectWebhook(name) {
  try {
    const res = await fetch(`${cluster.baseUrl}/webhook/${AD_WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { name, status: res.status, body };
  } catch (err) {
    return { name, status: null, body: String(err) };
  }
}

/** Executions of one workflow, as main lists them (newest first, up to 100). */
async function executionsOf(id) {
  const query = new URLSearchParams({ filter: JSON.stringify({ workflowId: id }), limit: '100' });
  return dataOf('GET /rest/executions', await api('GET', `/executions?${query}`)).results;
}

// ---------------------------------------------------------------------------------------------------

before(ensureN8n, { timeout: 30 * 60_000 });

before(
  async () => {
    if (!fs.existsSync(nodeClassPath('n8n-nodes-mittwald-marketplace', 'Mittwald'))) {
      throw new Error(`${EXTENSIONS_DIR} has no built mittwald node (build the packages first: npm run build)`);
    }
    let t = Date.now();
    redis = await startRedis();
    timings.redis = Date.now() - t;
    if (DB === 'postgres') {
      t = Date.now();
      postgres = await startPostgres();
      timings.postgres = Date.now() - t;
    }

    paced = await startPacedServer({ latency: LATENCY_MS });
    pacedProxy = await startOwnerTracingProxy({ target: paced.url, processes: processesOf });
    marketplace = await startMockMarketplace({ maxPageSize: 2 });
    marketplaceProxy = await startOwnerTracingProxy({ target: marketplace.url, processes: processesOf });
    appDirect = await startMockAppDirect({ seed: { companies: AD_CALLS } });
    appDirectProxy = await startOwnerTracingProxy({ target: appDirect.url, processes: processesOf });
    sink = await startSink();

    cluster = await startQueueCluster({ redis, database: postgres, workers: WORKERS, concurrency: WORKER_CONCURRENCY, timeoutMs: 120_000 });

    t = Date.now();
    ({ api, personalProjectId } = await signUpOwner(cluster.baseUrl));
    // both credentials point at the tracing proxies, which pass everything on to the mocks
    const articleCredential = dataOf(
      'POST /rest/credentials (paced)',
      await api('POST', '/credentials', { name: 'mittwald (paced mock)', type: 'mittwaldApi', data: { apiToken: PACED_TOKEN, baseUrl: pacedProxy.url }, projectId: personalProjectId }),
    );
    pickerCredential = dataOf(
      'POST /rest/credentials (marketplace)',
      await api('POST', '/credentials', {
        name: 'mittwald (marketplace mock)',
        type: 'mittwaldApi',
        data: { ...marketplace.credentials.mittwald, baseUrl: marketplaceProxy.url },
        projectId: personalProjectId,
      }),
    );
    const created = dataOf('POST /rest/workflows', await api('POST', '/workflows', webhookWorkflow(articleCredential)));
    workflowId = created.id;
    const activated = dataOf(`POST /rest/workflows/${workflowId}/activate`, await api('POST', `/workflows/${workflowId}/activate`, { versionId: created.versionId }));
    assert.equal(activated.active, true, 'the workflow is active');
    await waitForProductionWebhook(cluster.baseUrl, WEBHOOK_PATH, 'POST');
    timings.setup = Date.now() - t;

    // AppDirect: the credential points at the tracing proxy; the read workflow is activated, the trigger
    // workflow only created (its test activates it)
    t = Date.now();
    adCredential = dataOf(
      'POST /rest/credentials (AppDirect)',
      await api('POST', '/credentials', { name: 'AppDirect (mock)', type: 'appDirectOAuth2Api', data: { ...appDirect.credentials, marketplaceUrl: appDirectProxy.url }, projectId: personalProjectId }),
    );
    const adDefs = appDirectWorkflows(adCredential);
    for (const key of ['read', 'trigger']) {
      const made = dataOf(`POST /rest/workflows (AppDirect ${key})`, await api('POST', '/workflows', adDefs[key]));
      adWorkflows[key] = { id: made.id, versionId: made.versionId };
    }
    const adActive = dataOf('activate AppDirect read', await api('POST', `/workflows/${adWorkflows.read.id}/activate`, { versionId: adWorkflows.read.versionId }));
    assert.equal(adActive.active, true);
    await waitForProductionWebhook(cluster.baseUrl, AD_WEBHOOK_PATH, 'POST');
    timings.appDirectSetup = Date.now() - t;
    assert.deepEqual(appDirect.requests, [], 'setting n8n up sent nothing to AppDirect');

    paced.reset();
    pacedProxy.reset();
    t = Date.now();
    calls = await Promise.all(ARTICLES.map(callWebhook));
    timings.calls = Date.now() - t;
  },
  { timeout: 4 * 60_000 },
);

after(async () => {
  // everything, even when the before hook failed halfway; each stop is bounded
  await cluster?.stop().catch(() => {});
  await redis?.stop().catch(() => {});
  await postgres?.stop().catch(() => {});
  await pacedProxy?.close().catch(() => {});
  await marketplaceProxy?.close().catch(() => {});
  await paced?.close().catch(() => {});
  await marketplace?.close().catch(() => {});
  await appDirectProxy?.close().catch(() => {});
  await appDirect?.close().catch(() => {});
  await sink?.close().catch(() => {});
});

test(`${CALLS} concurrent webhook calls each get their own article back`, (t) => {
  t.diagnostic(`n8n ${N8N_VERSION}, ${redisVersion()?.split(' ').slice(0, 3).join(' ')}, database: ${DB}`);
  t.diagnostic(
    `redis ready in ${timings.redis} ms${postgres ? `, postgres in ${timings.postgres} ms` : ''}; main ready in ${cluster.startMs.main} ms, ${WORKERS} workers in ${cluster.startMs.workers} ms; ` +
      `REST setup ${timings.setup} ms; ${CALLS} calls in ${timings.calls} ms (slowest ${Math.max(...calls.map((c) => c.ms))} ms)`,
  );
  const failed = calls.filter((c) => c.status !== 200);
  assert.deepEqual(failed.slice(0, 5), [], `${failed.length} calls failed\n${logsTail()}`);
  for (const c of calls) assert.deepEqual(c.body, { articleId: c.articleId, name: `Article ${c.articleId}` }, `the call for ${c.articleId} got its own article`);
});

test('the vendor saw exactly one authenticated request per call, several at a time', () => {
  const requests = paced.requests;
  assert.equal(requests.length, CALLS, `the mock saw ${requests.length} requests`);
  assert.deepEqual(requests.map((r) => r.articleId).sort(), [...ARTICLES].sort(), 'each article id exactly once');
  for (const r of requests) {
    assert.equal(r.method, 'GET');
    assert.equal(r.path, `/v2/articles/${r.articleId}`);
    assert.equal(r.headers['x-access-token'], PACED_TOKEN, 'the mittwald token');
    assert.equal(r.status, 200);
  }
  const { maxInFlight } = paced.stats();
  assert.ok(maxInFlight >= 2, `executions overlapped (at most ${maxInFlight} requests in flight)`);
});

test('the executions ran on the workers, both of them, each exactly once', async (t) => {
  // n8n's record: the executions main stored for the workflow …
  const executions = await eventually(async () => {
    const { results, count } = await executionsOfWorkflow();
    return count === CALLS && results.length === CALLS && results.every((e) => e.status === 'success') ? results : null;
  }, 15_000);
  assert.ok(executions, `main lists ${CALLS} successful executions of the workflow:\n${JSON.stringify(await executionsOfWorkflow().then(({ results, count }) => ({ count, results: results.map((e) => [e.id, e.status]) })))}`);
  assert.deepEqual([...new Set(executions.map((e) => e.mode))], ['webhook']);
  const ids = executions.map((e) => String(e.id)).sort();

  // … main's log: it enqueued each one and heard back that a worker finished it …
  const fromMain =
    (await eventually(() => {
      const m = mainExecutions(cluster.main.output());
      return m.finished.size >= CALLS ? m : null;
    }, 10_000)) ?? mainExecutions(cluster.main.output());
  assert.deepEqual([...fromMain.enqueued].sort(), ids, 'main enqueued every execution');
  assert.deepEqual([...fromMain.finished].sort(), ids, 'main heard every execution finish');
  assert.doesNotMatch(cluster.main.output(), /Worker started execution/, 'main ran none itself');

  // … and each worker's log: which executions it took (every one started and finished by one worker)
  const ran = await eventually(() => {
    const per = cluster.workers.map((w) => ({ name: w.name, ...workerExecutions(w.output()) }));
    return per.reduce((n, w) => n + w.finished.size, 0) >= CALLS ? per : null;
  }, 10_000);
  assert.ok(ran, `the workers logged ${CALLS} finished executions\n${logsTail()}`);
  for (const w of ran) {
    assert.deepEqual([...w.finished].sort(), [...w.started].sort(), `${w.name} finished what it started`);
    assert.ok(w.finished.size > 0, `${w.name} ran some executions (it ran ${w.finished.size})`);
  }
  const byWorkers = ran.flatMap((w) => [...w.finished]);
  assert.equal(new Set(byWorkers).size, byWorkers.length, 'no execution ran on two workers');
  assert.deepEqual(byWorkers.sort(), ids, 'the workers ran exactly the stored executions');

  // the kernel's record: every vendor request came from a worker's process, as many from each as its
  // log says it ran
  if (!HAVE_PROC) {
    t.diagnostic('no /proc/net/tcp: which process sent each vendor request was not checked');
    return;
  }
  const sentBy = {};
  for (const r of pacedProxy.requests) sentBy[r.by] = (sentBy[r.by] ?? 0) + 1;
  assert.equal(pacedProxy.requests.length, CALLS, 'every vendor request went through the proxy');
  assert.deepEqual(
    sentBy,
    Object.fromEntries(ran.map((w) => [w.name, w.finished.size])),
    `vendor requests per sending process (connections: ${JSON.stringify(pacedProxy.connections.map((c) => c.by))})`,
  );
  t.diagnostic(`executions per worker (logs): ${ran.map((w) => `${w.name} ${w.finished.size}`).join(', ')}; vendor requests per process (sockets): ${JSON.stringify(sentBy)} over ${pacedProxy.connections.length} connections`);
});

test('main answers a "From List" picker itself', async () => {
  const before = cluster.workers.map((w) => workerExecutions(w.output()).started.size);
  marketplace.requests.length = 0;
  marketplaceProxy.reset();
  const res = await api('POST', '/dynamic-node-parameters/resource-locator-results', {
    nodeTypeAndVersion: { name: customType('mittwald'), version: 1 },
    path: 'parameters.projectId',
    methodName: 'searchProjects',
    currentNodeParameters: { resource: 'Marketplace', operation: 'extension-order-extension', orderFor: 'project', projectId: { __rl: true, mode: 'list', value: '' } },
    credentials: { mittwaldApi: { id: pickerCredential.id, name: pickerCredential.name } },
    projectId: personalProjectId,
  });
  const page = dataOf('POST /rest/dynamic-node-parameters/resource-locator-results', res);
  const projects = marketplace.data.projects;
  assert.deepEqual(
    page.results,
    projects.slice(0, 2).map((p) => ({ name: `${p.description} (${p.shortId})`, value: p.id, url: `https://studio.mittwald.de/app/projects/${p.id}` })),
  );
  assert.equal(page.paginationToken, '2');

  // one vendor request, with the token, sent by main's own process; no worker ran anything for it
  assert.deepEqual(marketplace.requests.map((r) => [r.method, r.path]), [['GET', '/v2/projects']]);
  assert.equal(marketplace.requests[0].headers['x-access-token'], marketplace.credentials.mittwald.apiToken);
  if (HAVE_PROC) assert.deepEqual(marketplaceProxy.requests.map((r) => [r.path.split('?')[0], r.by]), [['/v2/projects', 'main']]);
  assert.deepEqual(cluster.workers.map((w) => workerExecutions(w.output()).started.size), before, 'no worker started an execution');
});

// ---- AppDirect: n8n's OAuth2 token and the polling trigger's state with several workers -------------

test(`AppDirect: ${AD_CALLS} concurrent webhook executions read on the workers; at most one token each, none once stored`, async (t) => {
  const started = Date.now();
  const names = appDirect.data.companies.map((c) => c.name);
  assert.equal(names.length, AD_CALLS);
  const results = await Promise.all(names.map(callAppDirectWebhook));
  const ms = Date.now() - started;
  const failed = results.filter((r) => r.status !== 200);
  assert.deepEqual(failed.slice(0, 3), [], `${failed.length} calls failed\n${logsTail()}`);
  for (const r of results) assert.deepEqual(r.body, appDirect.data.companies.find((c) => c.name === r.name), `the call for ${r.name} got its company`);

  const tokens = appDirect.tokenRequests();
  const reads = appDirect.apiRequests('GET');
  // at most one token per execution that may have started before the first token was stored
  const bound = Math.min(AD_CALLS, WORKERS * WORKER_CONCURRENCY);
  t.diagnostic(`${AD_CALLS} AppDirect calls in ${ms} ms, cold credential: ${tokens.length} token requests (bound ${bound}), ${appDirect.issued.length} issued`);
  assert.ok(tokens.length >= 1 && tokens.length <= bound, `token requests: ${tokens.length}, at most ${bound} expected`);
  for (const r of tokens) assert.deepEqual(r.form, { grant_type: 'client_credentials', scope: 'ROLE_PARTNER' });
  assert.equal(reads.length, AD_CALLS, 'one read per call');
  for (const r of reads) {
    assert.equal(r.path, '/api/account/v2/companies');
    assert.ok(appDirect.issued.includes(r.token) && r.authFailure === undefined, `a live Bearer token (${r.authFailure})`);
  }
  assert.deepEqual(reads.map((r) => r.query.name[0]).sort(), [...names].sort(), 'each name asked once');
  assert.deepEqual(appDirect.errors, []);
  // the kernel's record: every connection to AppDirect (tokens too) was opened by a worker (connections,
  // not request lines: after a form body without a line end the proxy's scan misses the next request line)
  if (HAVE_PROC) {
    const by = {};
    for (const c of appDirectProxy.connections) by[c.by] = (by[c.by] ?? 0) + 1;
    t.diagnostic(`AppDirect connections per process (sockets): ${JSON.stringify(by)}`);
    assert.ok(appDirectProxy.connections.length > 0);
    assert.ok(appDirectProxy.connections.every((c) => /^worker\d$/.test(c.by ?? '')), `only workers called AppDirect: ${JSON.stringify(by)}`);
  }

  // a second wave of as many finds the stored token: no token request at all
  const before = appDirect.tokenRequests().length;
  const again = await Promise.all(names.map(callAppDirectWebhook));
  assert.deepEqual(again.filter((r) => r.status !== 200), [], 'the second wave succeeded');
  assert.equal(appDirect.tokenRequests().length, before, 'the stored token served the second wave');
  for (const r of appDirect.apiRequests('GET').slice(AD_CALLS)) assert.ok(appDirect.issued.includes(r.token) && r.authFailure === undefined);
});

test('AppDirect Trigger on main: polls from main, executions on the workers, each new event exactly once', async (t) => {
  const t0 = Date.now();
  appDirect.addEvent('SUBSCRIPTION_NOTICE', { note: 'before the trigger was switched on' }, Date.now() - 60_000);
  const from = appDirect.requests.length;
  const proxyFrom = appDirectProxy.requests.length;
  const connectionsFrom = appDirectProxy.connections.length;
  const polls = () => appDirect.requests.slice(from).filter((r) => r.path === AD_EVENTS_PATH);
  const sincePolls = () => polls().filter((r) => r.query.fromDate !== undefined);
  const activated = dataOf('activate AppDirect trigger', await api('POST', `/workflows/${adWorkflows.trigger.id}/activate`, { versionId: adWorkflows.trigger.versionId }));
  assert.equal(activated.active, true);
  assert.ok(await eventually(() => sincePolls().length >= 1, AD_POLL_WAIT_MS), `main polled${logsTail()}`);
  assert.deepEqual(await executionsOf(adWorkflows.trigger.id), [], 'the first poll emitted nothing');
  assert.deepEqual(sink.received, []);

  const added = [appDirect.addEvent('SUBSCRIPTION_ORDER', { n: 1 }), appDirect.addEvent('USER_ASSIGNMENT', { n: 2 }), appDirect.addEvent('SUBSCRIPTION_CANCEL', { n: 3 })];
  assert.ok(await eventually(() => sink.received.length >= added.length, AD_POLL_WAIT_MS), `the sink got ${sink.received.length} of ${added.length}${logsTail()}`);
  const count = sincePolls().length;
  assert.ok(await eventually(() => sincePolls().length >= count + 2, AD_POLL_WAIT_MS), 'main kept polling');
  await sleep(1000);
  assert.deepEqual(sink.received.map((r) => r.body?.uuid).sort(), added.map((e) => e.uuid).sort(), 'each event reached the sink once');

  // n8n's record: the trigger's executions, successful, each started and finished by a worker
  const executions = await eventually(async () => {
    const list = await executionsOf(adWorkflows.trigger.id);
    return list.length > 0 && list.every((e) => e.status === 'success') ? list : null;
  }, 10_000);
  assert.ok(executions, `the trigger's executions: ${JSON.stringify(await executionsOf(adWorkflows.trigger.id))}`);
  const ids = executions.map((e) => String(e.id));
  const ranOn = await eventually(() => {
    const per = cluster.workers.map((w) => ({ name: w.name, ...workerExecutions(w.output()) }));
    return ids.every((id) => per.some((w) => w.finished.has(id))) ? per : null;
  }, 10_000);
  assert.ok(ranOn, `the workers logged the trigger executions ${ids.join(', ')}\n${logsTail()}`);
  const where = ids.map((id) => ranOn.filter((w) => w.started.has(id)).map((w) => w.name));
  for (const names of where) assert.equal(names.length, 1, 'each trigger execution ran on exactly one worker');
  assert.ok(mainExecutions(cluster.main.output()).enqueued.size > 0);
  for (const id of ids) assert.ok(mainExecutions(cluster.main.output()).enqueued.has(id), `main enqueued trigger execution ${id}`);
  // the kernel's record: every events request came from main; the token stayed the stored one
  if (HAVE_PROC) {
    const eventRequests = appDirectProxy.requests.slice(proxyFrom).filter((r) => r.path.startsWith(AD_EVENTS_PATH));
    assert.ok(eventRequests.length >= 3);
    assert.deepEqual([...new Set(eventRequests.map((r) => r.by))], ['main'], 'main polls');
    assert.deepEqual([...new Set(appDirectProxy.connections.slice(connectionsFrom).map((c) => c.by))], ['main'], 'only main connected to AppDirect meanwhile');
  }
  for (const r of polls()) assert.ok(appDirect.issued.includes(r.token) && r.authFailure === undefined);
  assert.deepEqual(appDirect.requests.slice(from).filter((r) => r.path === '/oauth2/token'), [], 'main used the token the workers stored');
  assert.deepEqual(appDirect.errors, []);
  t.diagnostic(`trigger: ${polls().length} polls, ${executions.length} execution(s) on ${where.flat().join(', ')}, ${Date.now() - t0} ms`);
});
