// Redirects (transport spec, "Redirects"): a credential never follows a redirect to another origin, a
// non-GET is never turned into a GET, 307/308 keep method, body and credential, and chains are bounded.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage, httpCodeOf, errorText, assertNoSecrets } from '../support/harness.mjs';
import { serverFor, json, redirect, OPS, SIDE_EFFECTS, ALL_OPS, ARTICLE, TOKENS, runOp, textOf, rejection } from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

const SECRETS = Object.values(TOKENS);

/** Server B: "localhost" (127.0.0.1 and, where there is one, ::1); answers like the real service would. */
async function foreign(t, op) {
  return serverFor(t, (req, res) => op.ok(res), { ipv6: true });
}

// ---- another origin -----------------------------------------------------------------------------------

for (const op of ALL_OPS) {
  const statuses = op.sideEffect ? [302, 307, 308] : [301, 302, 303, 307, 308];
  for (const status of statuses) {
    test(`${op.label}: ${status} to another origin (127.0.0.1 → localhost) is not followed with the credential`, async (t) => {
      const b = await foreign(t, op);
      const target = `http://localhost:${b.port}`;
      const a = await serverFor(t, (req, res, r) => redirect(res, status, `${target}${r.url}`));
      const err = await rejection(runOp(mp, op, a.url), `${op.label} redirected to ${target}`);
      assert.equal(b.requests.length, 0, `the other origin must receive nothing, got ${JSON.stringify(b.requests.map((r) => `${r.method} ${r.url}`))}`);
      assert.equal(a.requests.length, 1, `exactly one request at the first server, got ${a.requests.length}`);
      assert.equal(a.requests[0].method, op.method);
      assert.equal(err.kind, 'api');
      assert.equal(err.reason, 'redirect', `reason: ${err.reason} (${err.message})`);
      if (op.sideEffect && status === 302) {
        // either rule may speak first (other origin, or a POST answered 302): never followed, never a GET
        assert.match(textOf(err), /another origin|answered POST with HTTP 302/, err.message);
      } else {
        assert.match(err.message, /another origin/);
        assert.ok(textOf(err).includes(target), `the error names the target origin ${target}: ${textOf(err)}`);
      }
      assertNoSecrets(errorText(err), SECRETS, 'redirect error');
    });
  }
}

test('cross-origin redirect with a path-relative-looking but absolute Location (//localhost:B/…) is refused too', async (t) => {
  const op = OPS.getArticle;
  const b = await foreign(t, op);
  const a = await serverFor(t, (req, res, r) => redirect(res, 302, `//localhost:${b.port}${r.url}`));
  const err = await rejection(runOp(mp, op, a.url));
  assert.equal(b.requests.length, 0, 'the other origin must receive nothing');
  assert.equal(a.requests.length, 1);
  assert.equal(err.reason, 'redirect');
  assert.match(err.message, /another origin/);
});

test('cross-origin: another port on the same host is another origin', async (t) => {
  const op = OPS.getArticle;
  const b = await serverFor(t, (req, res) => op.ok(res));
  const a = await serverFor(t, (req, res, r) => redirect(res, 307, `${b.url}${r.url}`));
  const err = await rejection(runOp(mp, op, a.url));
  assert.equal(b.requests.length, 0, 'the other port must receive nothing');
  assert.equal(a.requests.length, 1);
  assert.equal(err.reason, 'redirect');
  assert.ok(textOf(err).includes(b.origin), `names ${b.origin}: ${textOf(err)}`);
});

test('public Get Article without a credential follows a GET redirect to another origin', async (t) => {
  const b = await serverFor(t, (req, res) => json(res, 200, { ...ARTICLE, servedBy: 'B' }), { ipv6: true });
  const a = await serverFor(t, (req, res, r) => redirect(res, 302, `http://localhost:${b.port}${r.url}`));
  const out = await mp.execute({ node: 'mittwald', parameters: OPS.getArticle.parameters(), credentials: null, baseUrl: a.url, retry: { maxRetries: 0 } });
  assert.equal(out.length, 1);
  assert.equal(out[0].json.servedBy, 'B');
  assert.equal(out[0].json.articleId, ARTICLE.articleId);
  assert.equal(a.requests.length, 1);
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].method, 'GET');
  assert.equal(b.requests[0].path, OPS.getArticle.path);
  assert.equal(b.requests[0].headers['x-access-token'], undefined, 'no credential at all');
});

// ---- 301/302/303 answering a non-GET on the same origin -----------------------------------------------

for (const op of SIDE_EFFECTS) {
  for (const status of [301, 302, 303]) {
    test(`${op.label}: a same-origin ${status} is an error that says the POST may have been carried out, never a GET`, async (t) => {
      const srv = await serverFor(t, (req, res, r) => (r.method === 'GET' ? op.ok(res) : redirect(res, status, `${srv.url}/elsewhere`)));
      const err = await rejection(runOp(mp, op, srv.url), `${op.label} answered ${status}`);
      assert.equal(srv.requests.length, 1, `exactly 1 request, got ${JSON.stringify(srv.requests.map((r) => `${r.method} ${r.url}`))}`);
      assert.equal(srv.count('GET'), 0, 'never turned into a GET');
      assert.match(err.message, new RegExp(`answered POST with HTTP ${status}`));
      assert.match(err.description ?? '', /may have been carried out/);
      assert.equal(httpCodeOf(err), String(status));
      assert.equal(err.reason, 'redirect');
      assert.equal(err.possiblyCarriedOut, true);
      assert.equal(err.kind, 'api');
    });
  }
}

test('a generated DELETE (Delete a Project) answered 303 is an error naming DELETE, sent once', async (t) => {
  const PROJECT = '7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a';
  const srv = await serverFor(t, (req, res, r) => (r.method === 'GET' ? json(res, 200, {}) : redirect(res, 303, `${srv.url}/v2/projects`)));
  const err = await rejection(
    mp.execute({
      node: 'mittwald',
      parameters: { resource: 'Project', operation: 'project-delete-project', projectId: PROJECT },
      credentials: OPS.getArticle.credentials(srv.url),
      retry: { maxRetries: 2, baseDelayMs: 1 },
    }),
  );
  assert.equal(srv.requests.length, 1);
  assert.equal(srv.requests[0].method, 'DELETE');
  assert.match(err.message, /answered DELETE with HTTP 303/);
  assert.match(err.description ?? '', /may have been carried out/);
  assert.equal(err.possiblyCarriedOut, true);
  assert.equal(err.reason, 'redirect');
});

test('continue on fail: a POST answered 302 becomes an error item with reason and possiblyCarriedOut', async (t) => {
  const op = OPS.orderExtension;
  const srv = await serverFor(t, (req, res) => redirect(res, 302, `${srv.url}/elsewhere`));
  const out = await runOp(mp, op, srv.url, { continueOnFail: true });
  assert.equal(out.length, 1);
  assert.equal(out[0].json.ordered, undefined, 'never ordered: true');
  assert.match(out[0].json.error, /answered POST with HTTP 302/);
  assert.equal(out[0].json.reason, 'redirect');
  assert.equal(out[0].json.possiblyCarriedOut, true);
  assert.equal(srv.requests.length, 1);
});

// ---- 307/308 on the same origin: followed with method, body and credential ----------------------------

for (const op of SIDE_EFFECTS) {
  for (const status of [307, 308]) {
    test(`${op.label}: a same-origin ${status} is followed with the same method, body and credential`, async (t) => {
      const srv = await serverFor(t, (req, res, r) => (r.path === '/moved' ? op.ok(res) : redirect(res, status, `${srv.url}/moved`)));
      const out = await runOp(mp, op, srv.url);
      assert.ok(op.checkOk(out), `the target's answer is the result: ${JSON.stringify(out)}`);
      assert.equal(srv.requests.length, 2, `2 requests, got ${JSON.stringify(srv.requests.map((r) => `${r.method} ${r.url}`))}`);
      const [first, second] = srv.requests;
      assert.equal(first.path, op.path);
      assert.equal(second.path, '/moved');
      assert.equal(first.method, 'POST');
      assert.equal(second.method, 'POST');
      assert.ok(first.body.length > 0, 'the first request has a body');
      assert.equal(second.body, first.body, 'identical body');
      assert.equal(second.headers['content-type'], first.headers['content-type']);
      assert.ok(op.auth(first), 'the first request carries the credential');
      assert.equal(op.auth(second), op.auth(first), 'the credential header goes along');
      assertNoSecrets(out, SECRETS, 'output');
    });
  }
}

// ---- GET on the same origin: followed, at most 5 hops -------------------------------------------------

for (const status of [301, 302, 303, 307, 308]) {
  test(`Get Article: a same-origin ${status} is followed, with the credential`, async (t) => {
    const op = OPS.getArticle;
    const srv = await serverFor(t, (req, res, r) => (r.path === '/moved/article' ? op.ok(res) : redirect(res, status, `${srv.url}/moved/article`)));
    const out = await runOp(mp, op, srv.url);
    assert.ok(op.checkOk(out), JSON.stringify(out));
    assert.equal(srv.requests.length, 2);
    assert.deepEqual(srv.requests.map((r) => [r.method, r.path]), [['GET', op.path], ['GET', '/moved/article']]);
    assert.equal(srv.requests[1].headers['x-access-token'], TOKENS.mittwald);
  });
}

test('Get Article: a relative Location (same origin) is followed', async (t) => {
  const op = OPS.getArticle;
  const srv = await serverFor(t, (req, res, r) => (r.path === '/moved/article' ? op.ok(res) : redirect(res, 302, '/moved/article')));
  const out = await runOp(mp, op, srv.url);
  assert.ok(op.checkOk(out), JSON.stringify(out));
  assert.deepEqual(srv.requests.map((r) => r.path), [op.path, '/moved/article']);
});

/** A chain: the article path → /hop/1 → /hop/2 → … → /hop/`hops` answers the article (hops = Infinity: never). */
function chain(srv, hops, status = 302) {
  return (req, res, r) => {
    const n = r.path === OPS.getArticle.path ? 0 : Number(/^\/hop\/(\d+)$/.exec(r.path)?.[1] ?? NaN);
    if (!Number.isInteger(n)) return json(res, 404, { message: 'off the chain' });
    if (n >= hops) return OPS.getArticle.ok(res);
    return redirect(res, status, `${srv.url}/hop/${n + 1}`);
  };
}

test('Get Article: 5 redirects in a row are followed (6 requests)', async (t) => {
  const srv = await serverFor(t);
  srv.handle(chain(srv, 5, 307));
  const out = await runOp(mp, OPS.getArticle, srv.url);
  assert.ok(OPS.getArticle.checkOk(out), JSON.stringify(out));
  assert.equal(srv.requests.length, 6);
});

test('Get Article: the 6th redirect is an error "More than 5 redirects", not retried', async (t) => {
  const srv = await serverFor(t);
  srv.handle(chain(srv, Infinity, 302));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { retry: { maxRetries: 2, baseDelayMs: 1 } }));
  assert.match(err.message, /More than 5 redirects/);
  assert.equal(err.reason, 'redirect');
  assert.equal(srv.requests.length, 6, `the original request and 5 hops, got ${srv.requests.length}`);
});

test('a redirect loop to itself ends too', async (t) => {
  const srv = await serverFor(t, (req, res, r) => redirect(res, 301, `${srv.url}${r.url}`));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { retry: { maxRetries: 0 } }));
  assert.equal(err.reason, 'redirect');
  assert.ok(srv.requests.length <= 6, `bounded: ${srv.requests.length} requests`);
});

test('a 3xx without a Location is an answer (an error), not a crash', async (t) => {
  const srv = await serverFor(t, (req, res) => json(res, 302, { message: 'moved somewhere' }));
  const err = await rejection(runOp(mp, OPS.getArticle, srv.url, { retry: { maxRetries: 0 } }));
  assert.ok(err instanceof Error);
  assert.ok(err.kind === 'api', `kind ${err.kind}: ${err.message}`);
  assert.ok(srv.requests.length >= 1 && srv.requests.length <= 3);
});
