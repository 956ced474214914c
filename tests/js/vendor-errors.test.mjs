// Vendor error handling: 400 validationErrors, 401, 404, 412, 429 retry, 500/503, network failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockMarketplace, WELL_KNOWN } from '../support/mock-marketplace.mjs';
import { useMockMarketplace, runMittwald, rejection, httpCodeOf } from '../support/harness.mjs';
import { order, get } from '../support/fixtures.mjs';

const env = useMockMarketplace();

const ORDER_ROUTE = 'POST /v2/extensions/*/order';
const RATE_LIMITED = { status: 429, headers: { 'retry-after': '0' }, body: { type: 'RateLimitError', message: 'Too many requests' } };
const text = (err) => `${err.message}\n${err.description ?? ''}`;

test('400 with validationErrors: the description lists each path and message', async () => {
  env.mock.failNext(ORDER_ROUTE, {
    status: 400,
    body: {
      type: 'ValidationError',
      message: 'Validation failed',
      validationErrors: [
        { message: 'must match format "uuid"', path: '.customerId', type: 'format', context: { format: 'uuid' } },
        { message: 'scope not grantable: mail:write', path: '.consentedScopes[0]', type: 'scope' },
      ],
    },
  });
  const err = await rejection(runMittwald(env.mp, env.mock, order()));
  assert.equal(env.mock.requests.length, 1, '400 is not retried');
  assert.equal(httpCodeOf(err), '400');
  assert.equal(err.kind, 'api');
  assert.equal(Number(err.itemIndex), 0);
  assert.equal(typeof err.description, 'string');
  for (const needle of ['.customerId', 'must match format "uuid"', '.consentedScopes[0]', 'scope not grantable: mail:write']) {
    assert.ok(err.description.includes(needle), `description should include ${needle}: ${err.description}`);
  }
  assert.match(err.message, /Validation failed|validation/i);
});

test('400 from a real validation path of the mock (well-known customer id)', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order({ customerId: WELL_KNOWN.invalidCustomerId })));
  assert.equal(httpCodeOf(err), '400');
  assert.match(err.description ?? '', /\.customerId/);
  assert.match(err.description ?? '', /customer not found or not accessible/);
});

test('404 on order: unknown extension → API error with the vendor message', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order({ extensionId: WELL_KNOWN.missingExtensionId })));
  assert.equal(httpCodeOf(err), '404');
  assert.match(text(err), new RegExp(`Extension ${WELL_KNOWN.missingExtensionId} not found`));
  assert.equal(env.mock.requests.length, 1);
});

test('412 precondition failed → API error with the vendor message', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order({ extensionId: WELL_KNOWN.preconditionExtensionId })));
  assert.equal(httpCodeOf(err), '412');
  assert.match(text(err), /No saved payment method/);
});

test('401 with a wrong token → API error about the credential, not retried', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, order(), { credentials: { ...env.mock.credentials.mittwald, apiToken: 'wrong-token' } }));
  assert.equal(httpCodeOf(err), '401');
  assert.equal(env.mock.requests.length, 1);
  assert.match(text(err), /token|credential|unauthori[sz]ed|access/i);
});

test('429 with retry-after: 0 on POST is retried, then succeeds', async () => {
  env.mock.failNext(ORDER_ROUTE, RATE_LIMITED);
  const started = Date.now();
  const out = await runMittwald(env.mp, env.mock, order(), { retry: { maxRetries: 3, baseDelayMs: 5000 } });
  // retry-after: 0 overrides the (long) base delay: this must finish fast
  assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms: retry-after: 0 was not honoured`);
  assert.equal(out[0].json.ordered, true);
  const reqs = env.mock.requestsFor(ORDER_ROUTE);
  assert.equal(reqs.length, 2);
  assert.deepEqual(reqs[1].body, reqs[0].body, 'the retry sends the same body');
  assert.equal(env.mock.data.orders.length, 1);
});

test('429 on GET is retried too', async () => {
  env.mock.failNext('GET /v2/articles/*', RATE_LIMITED, 2);
  const out = await runMittwald(env.mp, env.mock, get('DOM-DE-0001'), { retry: { maxRetries: 2, baseDelayMs: 1 } });
  assert.equal(out[0].json.articleId, 'DOM-DE-0001');
  assert.equal(env.mock.requests.length, 3);
});

test('429 during Return All pagination: the page is retried, nothing duplicated', async () => {
  const m2 = await startMockMarketplace({ maxPageSize: 4 });
  try {
    m2.failNext('GET /v2/articles', { status: 200, body: m2.data.articles.slice(0, 4), headers: { 'x-pagination-limit': '4', 'x-pagination-skip': '0', 'x-pagination-page': '1', 'x-pagination-totalcount': '9' } });
    m2.failNext('GET /v2/articles', RATE_LIMITED);
    const out = await runMittwald(env.mp, m2, { resource: 'Article', operation: 'article-list-articles', returnAll: true });
    assert.deepEqual(out.map((o) => o.json.articleId), m2.data.articles.map((a) => a.articleId));
    assert.deepEqual(m2.requests.map((r) => Number(r.query.skip ?? 0)), [0, 4, 4, 8]);
  } finally {
    await m2.close();
  }
});

test('persistent 429 → API error with httpCode 429 after maxRetries', async () => {
  env.mock.failNext(ORDER_ROUTE, RATE_LIMITED, 50);
  const err = await rejection(runMittwald(env.mp, env.mock, order(), { retry: { maxRetries: 2, baseDelayMs: 1 } }));
  assert.equal(httpCodeOf(err), '429');
  assert.equal(err.kind, 'api');
  assert.equal(env.mock.requests.length, 3, '1 try + 2 retries');
  assert.match(text(err), /Too many requests|rate/i);
});

test('maxRetries 0 disables retrying', async () => {
  env.mock.failNext(ORDER_ROUTE, RATE_LIMITED, 5);
  const err = await rejection(runMittwald(env.mp, env.mock, order(), { retry: { maxRetries: 0, baseDelayMs: 1 } }));
  assert.equal(httpCodeOf(err), '429');
  assert.equal(env.mock.requests.length, 1);
});

test('429 without retry-after waits baseDelayMs-based backoff', async () => {
  env.mock.failNext(ORDER_ROUTE, { status: 429, body: { type: 'RateLimitError', message: 'Too many requests' } });
  const started = Date.now();
  await runMittwald(env.mp, env.mock, order(), { retry: { maxRetries: 1, baseDelayMs: 200 } });
  assert.equal(env.mock.requests.length, 2);
  const gap = env.mock.requests[1].time - env.mock.requests[0].time;
  assert.ok(gap >= 20, `waited only ${gap} ms before retrying`);
  assert.ok(Date.now() - started < 5000);
});

test('500 on POST is not retried: exactly one request', async () => {
  env.mock.failNext(ORDER_ROUTE, { status: 500, body: { type: 'InternalServerError', message: 'Something went wrong' } }, 5);
  const err = await rejection(runMittwald(env.mp, env.mock, order()));
  assert.equal(httpCodeOf(err), '500');
  assert.equal(env.mock.requests.length, 1);
  assert.match(text(err), /Something went wrong/);
});

test('503 on POST is not retried; 503 on GET is', async () => {
  env.mock.failNext(ORDER_ROUTE, { status: 503, body: { type: 'Unavailable', message: 'maintenance' } }, 5);
  const err = await rejection(runMittwald(env.mp, env.mock, order()));
  assert.equal(httpCodeOf(err), '503');
  assert.equal(env.mock.requests.length, 1);

  env.mock.reset();
  env.mock.failNext('GET /v2/articles/*', { status: 503, body: { type: 'Unavailable', message: 'maintenance' } });
  const out = await runMittwald(env.mp, env.mock, get('DOM-DE-0001'));
  assert.equal(out[0].json.articleId, 'DOM-DE-0001');
  assert.equal(env.mock.requests.length, 2);
});

test('non-JSON error body still produces a readable error', async () => {
  env.mock.failNext('GET /v2/articles/*', { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body>Bad Gateway</body></html>' });
  const err = await rejection(runMittwald(env.mp, env.mock, get('DOM-DE-0001')));
  assert.equal(httpCodeOf(err), '502');
  assert.ok(err.message.length > 0);
});

test('a 2xx answer that is not JSON is an error, not a crash', async () => {
  env.mock.failNext('GET /v2/articles/*', { status: 200, headers: { 'content-type': 'text/plain' }, body: 'definitely not json' });
  const err = await rejection(runMittwald(env.mp, env.mock, get('DOM-DE-0001')));
  assert.ok(err instanceof Error);
  assert.ok(err.kind === 'api' || err.kind === 'internal', `kind ${err.kind}`);
});

test('connection dropped → error naming the failure; the package keeps working afterwards', async () => {
  env.mock.failNext('GET /v2/articles/*', { destroy: true }, 10);
  const err = await rejection(runMittwald(env.mp, env.mock, get('DOM-DE-0001'), { retry: { maxRetries: 0, baseDelayMs: 1 } }));
  assert.ok(err instanceof Error);
  assert.ok(err.message.length > 0);
  env.mock.reset();
  const out = await runMittwald(env.mp, env.mock, get('DOM-DE-0001'));
  assert.equal(out[0].json.articleId, 'DOM-DE-0001');
});

test('unreachable host → error, no hang', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, get('DOM-DE-0001'), { credentials: { apiToken: 'x', baseUrl: 'http://127.0.0.1:9' }, retry: { maxRetries: 0, baseDelayMs: 1 } }));
  assert.ok(err instanceof Error);
});
