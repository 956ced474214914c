// mittwald Article resource: List Articles (Return All / Limit / filters) and Get Article.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, runMittwald, rejection, httpCodeOf, assertPaired } from '../support/harness.mjs';
import { get } from '../support/fixtures.mjs';

// The server caps pages at 4 items, so Return All over the 9 articles needs 3 pages.
const env = useMockMarketplace({ maxPageSize: 4 });

const list = (extra = {}) => ({ resource: 'Article', operation: 'article-list-articles', ...extra });
const intOf = (v) => (v === undefined ? undefined : Number(v));

test('List Articles, Return All: follows pages (limit/skip) until TotalCount', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: true }));
  const all = env.mock.data.articles;
  assert.equal(out.length, all.length);
  assert.deepEqual(out.map((o) => o.json.articleId), all.map((a) => a.articleId));
  assert.deepEqual(out[1].json, all[1], 'each item is the article as returned');
  assertPaired(out, out.map(() => 0));

  const reqs = env.mock.requests;
  assert.equal(reqs.length, 3, `3 pages expected, got ${reqs.map((r) => r.rawQuery).join(' | ')}`);
  for (const r of reqs) {
    assert.equal(r.method, 'GET');
    assert.equal(r.path, '/v2/articles');
    assert.equal(r.body, undefined);
    assert.ok(!('page' in r.query), 'uses skip, not page');
    assert.ok(intOf(r.query.limit) > 0, `limit sent on every page: ${r.rawQuery}`);
  }
  assert.deepEqual(reqs.map((r) => intOf(r.query.skip ?? 0)), [0, 4, 8]);
  // the page size stays the same across pages
  assert.equal(new Set(reqs.map((r) => r.query.limit)).size, 1);
});

test('List Articles, Return All with a single short page sends exactly one request', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: true, filters: { tags: ['domain'] } }));
  assert.deepEqual(out.map((o) => o.json.articleId), ['DOM-DE-0001']);
  assert.equal(env.mock.requests.length, 1);
});

test('List Articles, Return All over an empty result: no items, one request', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: true, filters: { name: 'does-not-exist' } }));
  assert.deepEqual(out, []);
  assert.equal(env.mock.requests.length, 1);
});

test('List Articles with Limit: asks for that many and returns that many', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: false, limit: 2 }));
  assert.deepEqual(out.map((o) => o.json.articleId), env.mock.data.articles.slice(0, 2).map((a) => a.articleId));
  assert.equal(env.mock.requests.length, 1);
  const r = env.mock.requests[0];
  assert.equal(r.path, '/v2/articles');
  assert.equal(intOf(r.query.limit), 2);
  assert.equal(intOf(r.query.skip ?? 0), 0);
});

test('List Articles with a Limit above the server page size still returns Limit items', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: false, limit: 6 }));
  assert.equal(out.length, 6);
  assert.deepEqual(out.map((o) => o.json.articleId), env.mock.data.articles.slice(0, 6).map((a) => a.articleId));
  assert.deepEqual(env.mock.requests.map((r) => intOf(r.query.skip ?? 0)), [0, 4]);
  assert.ok(env.mock.requests.every((r) => intOf(r.query.limit) <= 6));
});

test('List Articles filters are sent as repeated query keys', async () => {
  const out = await runMittwald(
    env.mp,
    env.mock,
    list({
      returnAll: true,
      filters: { tags: ['proSpace', 'dedicated'], templateNames: ['proSpace'], orderable: ['full', 'beta_testing'], name: 'proSpace' },
    }),
  );
  assert.deepEqual(out.map((o) => o.json.articleId).sort(), ['PS23-BASIC-0001', 'PS23-PLUS-0004', 'PS23-PLUS-0008']);
  assert.equal(env.mock.requests.length, 1);
  const { query, rawQuery } = env.mock.requests[0];
  assert.deepEqual(query.tags, ['proSpace', 'dedicated']);
  assert.equal(query.templateNames, 'proSpace');
  assert.deepEqual(query.orderable, ['full', 'beta_testing']);
  assert.equal(query.name, 'proSpace');
  assert.ok(!/%5B%5D|\[\]/.test(rawQuery), `no bracket-style arrays: ${rawQuery}`);
  assert.ok(!('articleIds' in query), 'empty filters are not sent');
});

test('List Articles: articleIds filter and special characters are encoded', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: true, filters: { articleIds: ['SSL-WILD-0001', 'DOM-DE-0001'], name: 'a&b=c d' } }));
  assert.deepEqual(out, []);
  const { query } = env.mock.requests[0];
  assert.deepEqual(query.articleIds, ['SSL-WILD-0001', 'DOM-DE-0001']);
  assert.equal(query.name, 'a&b=c d', 'name arrives intact (percent-encoded on the wire)');
});

test('List Articles: empty filter collection sends no filter keys', async () => {
  await runMittwald(env.mp, env.mock, list({ returnAll: false, limit: 3, filters: {} }));
  const keys = Object.keys(env.mock.requests[0].query).sort();
  assert.deepEqual(keys.filter((k) => !['limit', 'skip'].includes(k)), []);
});

test('List Articles works without a credential (public operation) and sends no token', async () => {
  const out = await runMittwald(env.mp, env.mock, list({ returnAll: false, limit: 1 }), { credentials: null, baseUrl: env.mock.url });
  assert.equal(out.length, 1);
  assert.equal(env.mock.requests[0].headers['x-access-token'], undefined);
  assert.equal(env.mock.requests[0].headers.authorization, undefined);
});

test('List Articles sends the token when configured and accepts JSON', async () => {
  await runMittwald(env.mp, env.mock, list({ returnAll: false, limit: 1 }));
  const h = env.mock.requests[0].headers;
  assert.equal(h['x-access-token'] ?? h.authorization?.replace(/^Bearer /, ''), env.mock.data.config.mittwaldToken);
  if (h.accept) assert.match(h.accept, /json|\*\/\*/);
});

test('Get Article: returns the article', async () => {
  const out = await runMittwald(env.mp, env.mock, get('PS23-PLUS-0004'));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].json, env.mock.data.articles.find((a) => a.articleId === 'PS23-PLUS-0004'));
  assert.deepEqual(out[0].pairedItem, { item: 0 });
  assert.equal(env.mock.requests.length, 1);
  const r = env.mock.requests[0];
  assert.equal(r.method, 'GET');
  assert.equal(r.path, '/v2/articles/PS23-PLUS-0004');
  assert.deepEqual(r.query, {});
  assert.equal(r.body, undefined);
});

test('Get Article: surrounding whitespace in the id is trimmed', async () => {
  const out = await runMittwald(env.mp, env.mock, get('  DOM-DE-0001 '));
  assert.equal(out[0].json.articleId, 'DOM-DE-0001');
  assert.equal(env.mock.requests[0].path, '/v2/articles/DOM-DE-0001');
});

test('Get Article: 404 becomes an API error with the vendor message', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, get('NOPE-0000')));
  assert.equal(httpCodeOf(err), '404');
  assert.equal(err.kind, 'api');
  assert.equal(Number(err.itemIndex), 0);
  assert.match(`${err.message} ${err.description ?? ''}`, /Article with ID 'NOPE-0000' not found/);
  assert.equal(env.mock.requests.length, 1, '404 is not retried');
});

test('Get Article: ids with path or query characters never leave /v2/articles/<one segment>', async () => {
  const nasty = ['../extensions/907a24e9-0723-4566-b584-86578419e983/order', '..', '.', 'a/b', 'PS23?x=1', 'a#b', '%2e%2e', 'a%2Fb', 'ü ber'];
  for (const id of nasty) {
    env.mock.reset();
    let out;
    let err;
    try {
      out = await runMittwald(env.mp, env.mock, get(id));
    } catch (e) {
      err = e;
    }
    if (env.mock.requests.length === 0) {
      assert.ok(err, `${JSON.stringify(id)}: neither sent nor rejected`);
      assert.equal(err.kind, 'input', `${JSON.stringify(id)}: rejected without sending → input error`);
      assert.match(`${err.message} ${err.description ?? ''}`, /article/i);
      continue;
    }
    assert.equal(env.mock.requests.length, 1, `${JSON.stringify(id)}: one request`);
    const r = env.mock.requests[0];
    assert.match(r.path, /^\/v2\/articles\/[^/]+$/, `${JSON.stringify(id)} → ${r.path}`);
    assert.deepEqual(r.query, {}, `${JSON.stringify(id)} → query ${r.rawQuery}`);
    assert.equal(decodeURIComponent(r.path.slice('/v2/articles/'.length)), id.trim(), `${JSON.stringify(id)} arrives intact`);
    assert.ok(err && httpCodeOf(err) === '404', `${JSON.stringify(id)}: unknown article → 404 (got ${out ? 'output' : err})`);
  }
});
