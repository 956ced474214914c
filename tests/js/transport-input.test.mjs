// Input never panics (transport spec, "Input never panics" and the execute() option ranges): bad option
// values, credential text that cannot go into a header, text that is not valid Unicode and null lists are
// refused before anything is sent, and the module keeps working.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, assertNamesItem, errorText, assertNoSecrets } from '../support/harness.mjs';
import { serverFor, OPS, ALL_OPS, TOKENS, runOp, rejection } from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

// ---- execute() option ranges --------------------------------------------------------------------------

const BAD_OPTIONS = [
  [{ retry: { maxRetries: 1e6 } }, /Malformed execute request: retry\.maxRetries must be a whole number from 0 to 10\b/],
  [{ retry: { maxRetries: 11 } }, /retry\.maxRetries must be a whole number from 0 to 10\b/],
  [{ retry: { maxRetries: -1 } }, /retry\.maxRetries must be a whole number from 0 to 10\b/],
  [{ retry: { maxRetries: 1.5 } }, /retry\.maxRetries must be a whole number from 0 to 10\b/],
  [{ retry: { maxRetries: 1, baseDelayMs: 60_001 } }, /retry\.baseDelayMs must be a whole number from 0 to 60000\b/],
  [{ retry: { maxRetries: 1, maxDelayMs: 600_001 } }, /retry\.maxDelayMs must be a whole number from 0 to 600000\b/],
  [{ timeout: 0 }, /Malformed execute request: limits\.timeout must be a whole number from 1 to 3600000\b/],
  [{ timeout: 3_600_001 }, /timeout must be a whole number from 1 to 3600000\b/],
  [{ timeout: 2.5 }, /timeout must be a whole number from 1 to 3600000\b/],
  [{ maxResponseBytes: 0 }, /maxResponseBytes must be a whole number from 1 to 1073741824\b/],
  [{ maxResponseBytes: 1_073_741_825 }, /maxResponseBytes must be a whole number from 1 to 1073741824\b/],
  [{ maxPages: 0 }, /maxPages must be a whole number from 1 to 100000\b/],
  [{ maxPages: 100_001 }, /maxPages must be a whole number from 1 to 100000\b/],
  [{ itemTimeout: 0 }, /itemTimeout must be a whole number from \d+ to \d+/],
  [{ maxItems: -1 }, /maxItems must be a whole number from \d+ to \d+/],
];

for (const [options, expected] of BAD_OPTIONS) {
  test(`execute(${JSON.stringify(options)}) rejects with a plain error and sends nothing`, async (t) => {
    const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
    const err = await rejection(
      mp.execute({ node: 'mittwald', parameters: OPS.getArticle.parameters(), credentials: OPS.getArticle.credentials(srv.url), ...options }),
      JSON.stringify(options),
    );
    assert.ok(err instanceof Error);
    assert.match(err.message, /^Malformed execute request: /);
    assert.match(err.message, expected);
    assert.equal(srv.requests.length, 0, 'nothing sent');
  });
}

test('the option limits themselves are accepted (timeout 3600000, maxRetries 10, maxPages 100000, …)', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
  const out = await runOp(mp, OPS.getArticle, srv.url, {
    timeout: 3_600_000,
    maxResponseBytes: 1_073_741_824,
    maxPages: 100_000,
    retry: { maxRetries: 10, baseDelayMs: 0, maxDelayMs: 0 },
  });
  assert.ok(OPS.getArticle.checkOk(out));
  const low = await runOp(mp, OPS.getArticle, srv.url, { timeout: 5000, maxResponseBytes: 100_000, maxPages: 1, retry: { maxRetries: 0, baseDelayMs: 60_000, maxDelayMs: 600_000 } });
  assert.ok(OPS.getArticle.checkOk(low));
  assert.equal(srv.requests.length, 2);
});

// ---- credential values that cannot be sent in a header ------------------------------------------------

const CRED_FIELDS = [
  { op: OPS.getArticle, field: 'apiToken', label: 'API Token' },
  { op: OPS.orderExtension, field: 'apiToken', label: 'API Token' },
  { op: OPS.yamduCreate, field: 'accessToken', label: 'Access Token' },
  // sent as is (not Base64), so the raw text has to fit in a header
  { op: OPS.interworksAddonCreate, field: 'apiKey', label: 'API Key', extra: { apiKeyEncoding: 'plain' } },
];
const BAD_VALUES = [
  ['CR/LF', 'tok\r\nX-Injected: 1'],
  ['LF', 'tok\nen'],
  ['NUL', 'tok\u0000en'],
  ['€', 'tok€en'],
  ['an emoji', 'tok😀en'],
];

for (const { op, field, label, extra = {} } of CRED_FIELDS) {
  for (const [what, value] of BAD_VALUES) {
    test(`${op.label}: credential ${field} with ${what} → input error naming "${label}", nothing sent`, async (t) => {
      const srv = await serverFor(t, (req, res) => op.ok(res));
      const credentials = { ...op.credentials(srv.url), ...extra, [field]: value };
      const err = await rejection(mp.execute({ node: op.node, parameters: op.parameters(), credentials, retry: { maxRetries: 0 } }));
      assert.equal(err.kind, 'input', `kind ${err.kind}: ${err.message}`);
      assert.ok(err.message.includes(label), `names ${label}: ${err.message}`);
      assert.match(err.message, /cannot be sent in an HTTP header/);
      assert.equal(srv.requests.length, 0, 'nothing sent');
      assert.ok(!errorText(err).includes(value), 'the bad value is not echoed');
      // the module keeps working
      const out = await runOp(mp, op, srv.url, { credentials: { ...op.credentials(srv.url), ...extra } });
      assert.ok(op.checkOk(out), JSON.stringify(out));
      assert.equal(srv.requests.length, 1);
    });
  }
}

test('a bad credential next to a call in flight: the call in flight is unaffected', async (t) => {
  const op = OPS.getArticle;
  const srv = await serverFor(t, (req, res) => srv.later(200, () => op.ok(res)));
  const inFlight = runOp(mp, op, srv.url);
  // let the first request reach the server
  for (let i = 0; i < 100 && srv.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(srv.requests.length, 1, 'the first call is in flight');
  const err = await rejection(mp.execute({ node: 'mittwald', parameters: op.parameters(), credentials: { ...op.credentials(srv.url), apiToken: 'bad\r\nvalue' } }));
  assert.equal(err.kind, 'input');
  assert.match(err.message, /cannot be sent in an HTTP header/);
  const out = await inFlight;
  assert.ok(op.checkOk(out), JSON.stringify(out));
  assert.equal(srv.requests.length, 1, 'the bad call sent nothing');
});

test('a credential with a surrogate pair outside Latin-1 in every node at once: refused, the module survives', async (t) => {
  for (const op of ALL_OPS) {
    const srv = await serverFor(t, (req, res) => op.ok(res));
    const credentials = op.credentials(srv.url);
    const field = { mittwald: 'apiToken', yamdu: 'accessToken', interworksCloud: 'apiKey' }[op.node];
    const extra = op.node === 'interworksCloud' ? { apiKeyEncoding: 'plain' } : {};
    const err = await rejection(mp.execute({ node: op.node, parameters: op.parameters(), credentials: { ...credentials, ...extra, [field]: '\u{1F511}' } }), op.label);
    assert.equal(err.kind, 'input', op.label);
    assert.equal(srv.requests.length, 0, op.label);
  }
  const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
  assert.ok(OPS.getArticle.checkOk(await runOp(mp, OPS.getArticle, srv.url)));
});

// ---- text that is not valid Unicode -------------------------------------------------------------------

test('Get Article: an Article ID with a lone surrogate → input error naming the field and item, nothing sent', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { parameters: { ...OPS.getArticle.parameters(), articleId: 'a\ud800b' } }));
  assert.equal(err.kind, 'input', `${err.kind}: ${err.message}`);
  assert.equal(Number(err.itemIndex), 0);
  assert.match(err.message, /Parameter "Article ID" of item 0 contains text that is not valid Unicode/);
  assert.equal(srv.requests.length, 0);
  assert.ok(OPS.getArticle.checkOk(await runOp(mp, OPS.getArticle, srv.url)), 'the next call works');
});

test('a lone surrogate in the second item names item 1; nothing is sent for either item', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
  const err = await rejection(
    mp.execute({
      node: 'mittwald',
      parameters: [OPS.getArticle.parameters(), { ...OPS.getArticle.parameters(), articleId: '\udfffX' }],
      credentials: OPS.getArticle.credentials(srv.url),
    }),
  );
  assert.equal(err.kind, 'input');
  assertNamesItem(err, 1);
  assert.match(err.message, /Parameter "Article ID" of item 1 contains text that is not valid Unicode/);
  assert.equal(srv.requests.length, 0);
});

test('Yamdu Create: a Client Name with a lone surrogate → input error by label, nothing sent', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.yamduCreate.ok(res));
  const err = await rejection(runOp(mp, OPS.yamduCreate, srv.url, { parameters: { ...OPS.yamduCreate.parameters(), clientName: 'Constantin \ud83d Film' } }));
  assert.equal(err.kind, 'input');
  assert.match(err.message, /Parameter "Client Name" of item 0 contains text that is not valid Unicode/);
  assert.equal(srv.requests.length, 0);
});

test('a lone surrogate in an input item json (not a parameter) does not crash the module', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.getArticle.ok(res));
  let outcome;
  try {
    outcome = await runOp(mp, OPS.getArticle, srv.url, { items: [{ json: { note: 'x\ud800y' } }] });
  } catch (err) {
    outcome = err;
  }
  if (outcome instanceof Error) {
    assert.doesNotMatch(outcome.message, /internal error/, 'a refusal, not a crash');
    assert.ok(outcome.kind === undefined || outcome.kind === 'input', `kind ${outcome.kind}: ${outcome.message}`);
    assert.equal(srv.requests.length, 0);
  } else {
    assert.ok(OPS.getArticle.checkOk(outcome));
  }
  assert.ok(OPS.getArticle.checkOk(await runOp(mp, OPS.getArticle, srv.url)), 'the next call works');
});

// ---- null lists ---------------------------------------------------------------------------------------

test('Order Extension: consentedScopes null is "none chosen": the order consents to no scope (the field is always sent)', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.orderExtension.ok(res));
  await runOp(mp, OPS.orderExtension, srv.url, { parameters: { ...OPS.orderExtension.parameters(), consentedScopes: null } });
  assert.equal(srv.requests.length, 1);
  assert.deepEqual(JSON.parse(srv.requests[0].body).consentedScopes, []);
});

test('Order Extension: consentedScopes that are not text → input error naming Consented Scopes, nothing sent', async (t) => {
  const srv = await serverFor(t, (req, res) => OPS.orderExtension.ok(res));
  const err = await rejection(runOp(mp, OPS.orderExtension, srv.url, { parameters: { ...OPS.orderExtension.parameters(), consentedScopes: [1, 2] } }));
  assert.equal(err.kind, 'input', `${err.kind}: ${err.message}`);
  assert.match(err.message, /Consented Scopes/);
  assert.equal(srv.requests.length, 0);
  assertNoSecrets(errorText(err), Object.values(TOKENS), 'input error');
});
