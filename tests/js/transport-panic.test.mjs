// A panic while a side effect is in flight (transport spec, "Side effects never hidden"): the call in
// flight is rejected saying the request may have been carried out, and the next call works.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, errorText, assertNoSecrets } from '../support/harness.mjs';
import { serverFor, OPS, TOKENS, runOp, textOf, rejection } from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

/** Waits (bounded) until `srv` has received `n` requests. */
async function untilRequests(srv, n) {
  for (let i = 0; i < 200 && srv.requests.length < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(srv.requests.length, n, `${n} request(s) reached the server`);
}

test('Order Extension in flight during a panic: rejected as possibly carried out; the next call works', async (t) => {
  const op = OPS.orderExtension;
  const srv = await serverFor(t, (req, res) => srv.later(300, () => op.ok(res)));
  const before = mp._internal.instancesCreated();
  const inFlight = runOp(mp, op, srv.url, { retry: { maxRetries: 2, baseDelayMs: 1 } });
  inFlight.catch(() => {}); // observed below; keeps an early rejection from counting as unhandled
  await untilRequests(srv, 1);

  assert.throws(() => mp._internal.__panicForTests(), /deliberate panic/);

  const started = Date.now();
  const err = await rejection(inFlight, 'the order in flight');
  assert.ok(Date.now() - started < 2000, 'rejected promptly');
  assert.match(textOf(err), /may have been carried out/);
  assert.equal(err.possiblyCarriedOut, true);
  assertNoSecrets(errorText(err), Object.values(TOKENS), 'panic error');

  // let the server answer the dead call: nothing may surface, nothing is re-sent
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(srv.requests.length, 1, 'the interrupted POST is not re-sent');

  const out = await runOp(mp, op, srv.url);
  assert.ok(op.checkOk(out), JSON.stringify(out));
  assert.equal(srv.requests.length, 2);
  assert.ok(mp._internal.instancesCreated() > before, 'a fresh instance runs the next call');
});

test('Get Article in flight during a panic: rejected (an error, not a hang); the next call works', async (t) => {
  const op = OPS.getArticle;
  const srv = await serverFor(t, (req, res) => srv.later(300, () => op.ok(res)));
  const inFlight = runOp(mp, op, srv.url, { retry: { maxRetries: 0 } });
  inFlight.catch(() => {});
  await untilRequests(srv, 1);
  assert.throws(() => mp._internal.__panicForTests(), /deliberate panic/);
  const err = await rejection(inFlight, 'the GET in flight');
  assert.ok(err instanceof Error);
  const out = await runOp(mp, op, srv.url);
  assert.ok(op.checkOk(out), JSON.stringify(out));
});
