// Network errors keep their cause (refused / reset / dns), answers are bounded in size, Retry-After is
// honoured (and a very long one is reported, not waited for), a side effect is never hidden behind a later
// failure, and a token echoed as a JSON key is redacted.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, httpCodeOf, errorText, assertNoSecrets } from '../support/harness.mjs';
import { freePort } from '../support/free-port.mjs';
import {
  serverFor,
  json,
  destroy,
  OPS,
  ALL_OPS,
  SIDE_EFFECTS,
  ARTICLE,
  TOKENS,
  ORDER_HASH,
  yamduEnvelope,
  yamduOrderAnswer,
  runOp,
  textOf,
  rejection,
} from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

const SECRETS = Object.values(TOKENS);
const NO_RETRY = Object.freeze({ maxRetries: 0, baseDelayMs: 1 });

// ---- connection refused -------------------------------------------------------------------------------

for (const op of ALL_OPS) {
  test(`${op.label}: connection refused → reason refused, "Nothing was sent", not possibly carried out`, async () => {
    const port = await freePort(); // free a moment ago: nothing listens there
    const err = await rejection(runOp(mp, op, `http://127.0.0.1:${port}`, { retry: NO_RETRY }));
    assert.match(err.message, /Could not connect to http:\/\/127\.0\.0\.1:\d+.*refused/);
    assert.ok(err.message.includes(`127.0.0.1:${port}`), err.message);
    assert.equal(err.reason, 'refused');
    assert.equal(err.possiblyCarriedOut, false);
    assert.match(err.description ?? '', /Nothing was sent/);
    assert.doesNotMatch(textOf(err), /may have been carried out/);
    assertNoSecrets(errorText(err), SECRETS, 'refused error');
  });
}

// A port fetch refuses to use at all ("bad port", e.g. 9 = discard): nothing leaves the process.
test('Order Extension to a port fetch refuses (127.0.0.1:9, "bad port"): not reported as possibly carried out', async () => {
  const err = await rejection(runOp(mp, OPS.orderExtension, 'http://127.0.0.1:9', { retry: NO_RETRY }));
  assert.equal(err.possiblyCarriedOut, false, `possiblyCarriedOut ${err.possiblyCarriedOut}, reason ${err.reason}: ${err.message}`);
  assert.doesNotMatch(textOf(err), /may have been carried out/);
});

// ---- reset --------------------------------------------------------------------------------------------

for (const op of SIDE_EFFECTS) {
  test(`${op.label}: the connection is dropped after the request → reason reset, may have been carried out, sent once`, async (t) => {
    const srv = await serverFor(t, (req) => destroy(req));
    const err = await rejection(runOp(mp, op, srv.url, { retry: { maxRetries: 3, baseDelayMs: 1 } }));
    assert.match(err.message, /connection to .* broke/);
    assert.equal(err.reason, 'reset');
    assert.match(err.description ?? '', /may have been carried out/);
    assert.equal(err.possiblyCarriedOut, true);
    assert.equal(srv.requests.length, 1, `never re-sent, got ${srv.requests.length}`);
  });
}

test('Get Article: the connection is dropped → reason reset', async (t) => {
  const srv = await serverFor(t, (req) => destroy(req));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { retry: NO_RETRY }));
  assert.match(err.message, /connection to .* broke/);
  assert.equal(err.reason, 'reset');
  assert.equal(srv.requests.length, 1);
});

test('Get Article: the connection is dropped mid-body → an error (reset), no crash', async (t) => {
  const srv = await serverFor(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
    res.write('{"articleId":"DOM');
    srv.later(20, () => req.socket.destroy());
  });
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { retry: NO_RETRY }));
  assert.equal(err.reason, 'reset', `${err.reason}: ${err.message}`);
  assert.equal(srv.requests.length, 1);
});

// ---- DNS ----------------------------------------------------------------------------------------------

test('an unknown host → "Could not find the host", reason dns', async () => {
  const err = await rejection(
    mp.execute({
      node: 'mittwald',
      parameters: OPS.getArticle.parameters(),
      credentials: { apiToken: TOKENS.mittwald, baseUrl: 'http://no-such-host.invalid' },
      retry: NO_RETRY,
    }),
  );
  assert.match(err.message, /Could not find the host/);
  assert.equal(err.reason, 'dns');
  assert.equal(err.possiblyCarriedOut, false);
});

test('an unknown host via the baseUrl option (public call) → reason dns', async () => {
  const err = await rejection(
    mp.execute({ node: 'mittwald', parameters: OPS.getArticle.parameters(), credentials: null, baseUrl: 'http://no-such-host.invalid', retry: NO_RETRY }),
  );
  assert.match(err.message, /Could not find the host/);
  assert.equal(err.reason, 'dns');
});

// ---- bounded memory -----------------------------------------------------------------------------------

const BIG = JSON.stringify({ ...ARTICLE, description: 'x'.repeat(5000) });

test('maxResponseBytes: a 5000-byte answer over a limit of 1000 → "larger than the limit of 1,000 bytes"', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 200, BIG));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { maxResponseBytes: 1000, retry: NO_RETRY }));
  assert.match(err.message, /larger than the limit of 1,000 bytes/);
  assert.equal(err.reason, 'too-large');
  assert.equal(srv.requests.length, 1);
});

test('maxResponseBytes also holds without a Content-Length (chunked answer)', async (t) => {
  const srv = await serverFor(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    for (let i = 0; i < 10; i++) res.write(BIG.slice(i * 500, (i + 1) * 500));
    res.end(BIG.slice(5000));
  });
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { maxResponseBytes: 1000, retry: NO_RETRY }));
  assert.match(err.message, /larger than the limit of 1,000 bytes/);
  assert.equal(err.reason, 'too-large');
});

test('maxResponseBytes: an endless chunked answer is cut off, not read into memory', async (t) => {
  const chunk = 'y'.repeat(16 * 1024);
  const srv = await serverFor(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"articleId":"');
    let sent = 0;
    const pump = () => {
      // bounded: at most 16 MiB, stops as soon as the client hangs up
      while (!res.destroyed && sent < 1024) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  });
  const started = Date.now();
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { maxResponseBytes: 100_000, retry: NO_RETRY }));
  assert.match(err.message, /larger than the limit of 100,000 bytes/);
  assert.equal(err.reason, 'too-large');
  assert.ok(Date.now() - started < 5000);
});

for (const op of SIDE_EFFECTS) {
  test(`${op.label}: a too-large answer to the POST → too-large, may have been carried out, sent once`, async (t) => {
    const srv = await serverFor(t, (req, res) => json(res, op.method === 'POST' && op.node === 'mittwald' ? 201 : 200, { Code: 0, pad: 'x'.repeat(5000) }));
    const err = await rejection(runOp(mp, op, srv.url, { maxResponseBytes: 1000, retry: { maxRetries: 3, baseDelayMs: 1 } }));
    assert.match(err.message, /larger than the limit of 1,000 bytes/);
    assert.equal(err.reason, 'too-large');
    assert.equal(err.possiblyCarriedOut, true);
    assert.match(err.description ?? '', /may have been carried out/);
    assert.equal(srv.requests.length, 1);
  });
}

test('an answer exactly at maxResponseBytes is fine', async (t) => {
  const body = JSON.stringify(ARTICLE);
  const srv = await serverFor(t, (req, res) => json(res, 200, body));
  const out = await runOp(mp, OPS.getArticle, srv.url, { maxResponseBytes: Buffer.byteLength(body), retry: NO_RETRY });
  assert.ok(OPS.getArticle.checkOk(out));
});

// ---- Retry-After --------------------------------------------------------------------------------------

test('429 with Retry-After as an HTTP date ~2 s ahead: waits about 2 s, then succeeds', { timeout: 20_000 }, async (t) => {
  let n = 0;
  const srv = await serverFor(t, (req, res) => {
    if (n++ > 0) return OPS.getArticle.ok(res);
    const now = Date.now();
    json(res, 429, { type: 'RateLimitError', message: 'Too many requests' }, {
      date: new Date(now).toUTCString(),
      'retry-after': new Date(now + 2000).toUTCString(),
    });
  });
  const started = Date.now();
  const out = await runOp(mp, OPS.getArticle, srv.url, { retry: { maxRetries: 2, baseDelayMs: 1 } });
  const took = Date.now() - started;
  assert.ok(OPS.getArticle.checkOk(out));
  assert.equal(srv.requests.length, 2);
  const gap = srv.requests[1].time - srv.requests[0].time;
  assert.ok(gap >= 1000 && gap <= 4000, `waited ${gap} ms (total ${took} ms)`);
});

// The date variant: Date and Retry-After on whole seconds, exactly 3600 s apart (read against the host's
// own clock instead of Date it is 3,599.x s, so 3,599 is accepted there).
for (const [label, value, expected] of [
  ['3600 (seconds)', () => '3600', /asked to wait 3,600 s/],
  ['an HTTP date 1 h ahead', (now) => new Date(now + 3600_000).toUTCString(), /asked to wait 3,(600|599) s/],
]) {
  test(`429 with Retry-After ${label} and the default policy: reported, not waited for, 1 request`, { timeout: 20_000 }, async (t) => {
    const srv = await serverFor(t, (req, res) => {
      const now = Math.floor(Date.now() / 1000) * 1000;
      json(res, 429, { type: 'RateLimitError', message: 'Too many requests' }, { date: new Date(now).toUTCString(), 'retry-after': value(now) });
    });
    const started = Date.now();
    const err = await rejection(mp.execute({ node: 'mittwald', parameters: OPS.getArticle.parameters(), credentials: OPS.getArticle.credentials(srv.url) }));
    assert.ok(Date.now() - started < 3000, 'did not wait');
    assert.equal(httpCodeOf(err), '429');
    assert.match(err.description ?? '', expected);
    assert.equal(srv.requests.length, 1);
  });
}

test('429 with Retry-After 3600 on a POST: reported, not re-sent', { timeout: 20_000 }, async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 429, { type: 'RateLimitError', message: 'Too many requests' }, { 'retry-after': '3600' }));
  const err = await rejection(mp.execute({ node: 'mittwald', parameters: OPS.orderExtension.parameters(), credentials: OPS.orderExtension.credentials(srv.url) }));
  assert.equal(httpCodeOf(err), '429');
  assert.match(err.description ?? '', /asked to wait 3,600 s/);
  assert.equal(srv.requests.length, 1);
});

// ---- side effects never hidden ------------------------------------------------------------------------

const WAIT = Object.freeze({ waitUntilPacked: true, pollIntervalMs: 100, maxWaitSeconds: 2 });

for (const [what, failRead] of [
  ['503', (req, res) => json(res, 503, { status: 503, status_message: 'Service Unavailable', info: 'maintenance', data: {} })],
  ['a dropped connection', (req) => destroy(req)],
]) {
  test(`Yamdu Create + Wait Until Packed: the order is created, the first status read gets ${what} → the error carries the order`, async (t) => {
    const srv = await serverFor(t, (req, res, r) => {
      if (r.method === 'POST') return json(res, 201, yamduEnvelope(201, yamduOrderAnswer()));
      return failRead(req, res);
    });
    const err = await rejection(
      mp.execute({
        node: 'yamdu',
        parameters: { ...OPS.yamduCreate.parameters(), ...WAIT },
        credentials: OPS.yamduCreate.credentials(srv.url),
        retry: { maxRetries: 0, baseDelayMs: 1 },
      }),
    );
    assert.equal(srv.count('POST'), 1, 'the create is sent once');
    assert.ok(srv.count('GET', `/api/orders/${ORDER_HASH}`) >= 1, 'the status was read');
    assert.ok((err.description ?? '').includes(ORDER_HASH), `the description names the order ${ORDER_HASH}: ${err.description}`);
    assert.equal(err.possiblyCarriedOut, true);
    assert.ok(err.created && typeof err.created === 'object', `created holds the order answer: ${JSON.stringify(err.created)}`);
    assert.ok(JSON.stringify(err.created).includes(ORDER_HASH), `created has the order_hash: ${JSON.stringify(err.created)}`);
    assertNoSecrets(errorText(err), SECRETS, 'side-effect error');
    assert.match(err.description ?? '', /do not (run|send) it again/i);
  });
}

test('Yamdu Create + Wait, continue on fail: the error item carries created and possiblyCarriedOut', async (t) => {
  const srv = await serverFor(t, (req, res, r) =>
    r.method === 'POST' ? json(res, 201, yamduEnvelope(201, yamduOrderAnswer())) : json(res, 503, { status: 503, status_message: 'Service Unavailable', info: '', data: {} }),
  );
  const out = await mp.execute({
    node: 'yamdu',
    parameters: { ...OPS.yamduCreate.parameters(), ...WAIT },
    credentials: OPS.yamduCreate.credentials(srv.url),
    retry: { maxRetries: 0 },
    continueOnFail: true,
  });
  assert.equal(out.length, 1);
  assert.ok(out[0].json.error, JSON.stringify(out[0].json));
  assert.equal(out[0].json.possiblyCarriedOut, true);
  assert.ok(JSON.stringify(out[0].json.created ?? null).includes(ORDER_HASH), JSON.stringify(out[0].json));
  assert.equal(srv.count('POST'), 1);
});

// ---- redaction ----------------------------------------------------------------------------------------

test('a success answer echoing the token as a JSON key: the key is [redacted]', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 200, { ...ARTICLE, seenTokens: { [TOKENS.mittwald]: 'valid' } }));
  const out = await runOp(mp, OPS.getArticle, srv.url);
  assertNoSecrets(out, SECRETS, 'output');
  assert.deepEqual(out[0].json.seenTokens, { '[redacted]': 'valid' });
  assert.equal(out[0].json.articleId, ARTICLE.articleId);
});

test('an error answer echoing the token as a JSON key: the key is [redacted] in the error', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 400, { type: 'ValidationError', message: 'bad token', details: { [TOKENS.mittwald]: 'not allowed' } }));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url));
  assertNoSecrets(errorText(err), SECRETS, 'error');
  assert.equal(srv.requests.length, 1);
});

test('Yamdu: a token echoed as a field name of data.errors: the error shows [redacted]', async (t) => {
  const srv = await serverFor(t, (req, res) =>
    json(res, 422, { status: 422, status_message: 'Unprocessable Entity', info: 'Order is invalid', data: { errors: { [TOKENS.yamdu]: ['is not a field'] } } }),
  );
  const err = await rejection(runOp(mp, OPS.yamduCreate, srv.url));
  assertNoSecrets(errorText(err), SECRETS, 'yamdu error');
  assert.match(textOf(err), /\[redacted\]: is not a field/);
  assert.equal(srv.requests.length, 1);
});

test('Yamdu: a token echoed as a key in a create answer is [redacted]', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 201, yamduEnvelope(201, yamduOrderAnswer({ extra: { [TOKENS.yamdu]: 1 } }))));
  const out = await runOp(mp, OPS.yamduCreate, srv.url);
  assertNoSecrets(out, SECRETS, 'yamdu output');
  assert.deepEqual(out[0].json.extra, { '[redacted]': 1 });
});
