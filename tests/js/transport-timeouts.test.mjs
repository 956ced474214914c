// Timeouts (transport spec, "Timeouts"): a server that never answers, or stalls mid-body, cannot hold a
// call; a POST that timed out is reported as possibly carried out and never re-sent; a GET is retried.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage } from '../support/harness.mjs';
import { serverFor, hang, stallMidBody, json, OPS, SIDE_EFFECTS, runOp, textOf, rejection } from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

const NO_ANSWER_300 = /No answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms/;

/** Runs and times a call that must reject. */
async function timedRejection(promise) {
  const started = Date.now();
  const err = await rejection(promise);
  return { err, took: Date.now() - started };
}

const BEHAVIOURS = [
  ['never answers', (req, res) => hang()],
  ['sends headers, then stalls mid-body', (req, res) => stallMidBody(res)],
];

for (const [what, behave] of BEHAVIOURS) {
  for (const op of SIDE_EFFECTS) {
    test(`${op.label}: a server that ${what} → timeout after 300 ms, may have been carried out, sent once`, async (t) => {
      const srv = await serverFor(t, behave);
      const { err, took } = await timedRejection(runOp(mp, op, srv.url, { timeout: 300, retry: { maxRetries: 3, baseDelayMs: 1 } }));
      assert.ok(took < 5000, `settled after ${took} ms`);
      assert.ok(took >= 250, `gave up after only ${took} ms`);
      assert.match(err.message, NO_ANSWER_300);
      assert.equal(err.reason, 'timeout');
      assert.match(err.description ?? '', /may have been carried out/);
      assert.equal(err.possiblyCarriedOut, true);
      // On a busy machine the aborted POST may reach the server late, or not be recorded at all (its
      // body cut off): wait a little, then it must have arrived at most once.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(srv.requests.length <= 1, `a POST is never re-sent, got ${srv.requests.length} requests`);
      for (const r of srv.requests) assert.equal(r.method, 'POST');
    });
  }

  test(`Get Article: a server that ${what} → each attempt times out, retried maxRetries times`, async (t) => {
    const srv = await serverFor(t, behave);
    const { err, took } = await timedRejection(runOp(mp, OPS.getArticle, srv.url, { timeout: 300, retry: { maxRetries: 2, baseDelayMs: 1 } }));
    assert.ok(took < 5000, `settled after ${took} ms`);
    assert.match(err.message, NO_ANSWER_300);
    assert.equal(err.reason, 'timeout');
    assert.equal(srv.requests.length, 3, `1 try + 2 retries, got ${srv.requests.length}`);
    assert.ok(srv.requests.every((r) => r.method === 'GET'));
  });
}

test('Get Article: a GET that timed out once and then answers succeeds', async (t) => {
  let n = 0;
  const srv = await serverFor(t, (req, res) => (n++ === 0 ? hang() : OPS.getArticle.ok(res)));
  const out = await runOp(mp, OPS.getArticle, srv.url, { timeout: 300, retry: { maxRetries: 2, baseDelayMs: 1 } });
  assert.ok(OPS.getArticle.checkOk(out), JSON.stringify(out));
  assert.equal(srv.requests.length, 2);
});

test('a timeout of 1000 ms or more is printed in seconds', async (t) => {
  const srv = await serverFor(t, hang);
  const { err, took } = await timedRejection(runOp(mp, OPS.getArticle, srv.url, { timeout: 1000, retry: { maxRetries: 0 } }));
  assert.match(err.message, /No answer from http:\/\/127\.0\.0\.1:\d+ within 1 s\b/);
  assert.equal(err.reason, 'timeout');
  assert.ok(took >= 900 && took < 5000, `took ${took} ms`);
  assert.equal(srv.requests.length, 1);
});

test('a body that trickles in slower than the timeout still times out (the limit covers the body)', async (t) => {
  const srv = await serverFor(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
    const tick = () => {
      if (res.destroyed || res.writableEnded) return;
      res.write(' ');
      srv.later(50, tick);
    };
    tick();
  });
  const { err, took } = await timedRejection(runOp(mp, OPS.getArticle, srv.url, { timeout: 300, retry: { maxRetries: 0 } }));
  assert.ok(took < 3000, `settled after ${took} ms`);
  assert.match(err.message, NO_ANSWER_300);
  assert.equal(err.reason, 'timeout');
  assert.equal(srv.requests.length, 1);
});

test('itemTimeout smaller than the retries need → "did not finish within", reason timeout', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 503, { type: 'Unavailable', message: 'maintenance' }));
  const { err, took } = await timedRejection(
    runOp(mp, OPS.getArticle, srv.url, { itemTimeout: 500, retry: { maxRetries: 10, baseDelayMs: 200, maxDelayMs: 200 } }),
  );
  assert.match(err.message, /did not finish within/);
  assert.equal(err.reason, 'timeout');
  assert.ok(took < 3000, `the item deadline holds: ${took} ms`);
  assert.ok(srv.requests.length >= 1 && srv.requests.length < 11, `stopped before all retries: ${srv.requests.length}`);
});

test('itemTimeout also bounds attempts that each stay within their own timeout', async (t) => {
  const srv = await serverFor(t, hang);
  const { err, took } = await timedRejection(runOp(mp, OPS.getArticle, srv.url, { timeout: 300, itemTimeout: 500, retry: { maxRetries: 10, baseDelayMs: 1 } }));
  assert.equal(err.reason, 'timeout');
  assert.match(textOf(err), /did not finish within|No answer from/);
  assert.ok(took < 3000, `took ${took} ms`);
  assert.ok(srv.requests.length <= 3, `${srv.requests.length} attempts in 500 ms of 300 ms each`);
});

test('continue on fail: a POST that timed out becomes an error item with reason and possiblyCarriedOut', async (t) => {
  const srv = await serverFor(t, hang);
  const out = await runOp(mp, OPS.orderExtension, srv.url, { timeout: 300, continueOnFail: true });
  assert.equal(out.length, 1);
  assert.match(out[0].json.error, NO_ANSWER_300);
  assert.equal(out[0].json.reason, 'timeout');
  assert.equal(out[0].json.possiblyCarriedOut, true);
  assert.match(out[0].json.description ?? '', /may have been carried out/);
  assert.equal(srv.requests.length, 1);
});

test('continue on fail over two items: the timed-out one fails, the next one is still sent and succeeds', async (t) => {
  let n = 0;
  const srv = await serverFor(t, (req, res) => (n++ === 0 ? hang() : OPS.orderExtension.ok(res)));
  const out = await mp.execute({
    node: 'mittwald',
    parameters: [OPS.orderExtension.parameters(), OPS.orderExtension.parameters()],
    credentials: OPS.orderExtension.credentials(srv.url),
    timeout: 300,
    continueOnFail: true,
    retry: { maxRetries: 2, baseDelayMs: 1 },
  });
  assert.equal(out.length, 2);
  assert.equal(out[0].json.reason, 'timeout');
  assert.equal(out[1].json.ordered, true);
  assert.equal(srv.requests.length, 2, 'one POST per item, none repeated');
});
