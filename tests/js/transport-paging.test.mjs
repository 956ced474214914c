// Paging always ends (transport spec, "Paging always ends"): Return All over a server that ignores skip,
// pages forever, or caps the page size below what was asked.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage } from '../support/harness.mjs';
import { serverFor, json, TOKENS, rejection } from '../support/hostile-server.mjs';

let mp;
before(async () => {
  mp = await loadPackage();
});

const LISTS = [
  { label: 'List Articles', path: '/v2/articles', parameters: { resource: 'Article', operation: 'article-list-articles', returnAll: true }, item: (i) => ({ articleId: `ART-${i}`, name: `Article ${i}` }) },
  { label: 'generated List Projects', path: '/v2/projects', parameters: { resource: 'Project', operation: 'project-list-projects', returnAll: true }, item: (i) => ({ id: `proj-${i}`, description: `Project ${i}` }) },
];

const idOf = (json) => json.articleId ?? json.id;
const run = (list, url, extra = {}) =>
  mp.execute({ node: 'mittwald', parameters: { ...list.parameters }, credentials: { apiToken: TOKENS.mittwald, baseUrl: url }, retry: { maxRetries: 0 }, ...extra });

const limitOf = (r) => Number(r.query.limit);
/** The servers below page forever; past this many requests they answer [] so a broken client fails, not hangs. */
const SERVER_PAGE_CAP = 30;
const capped = (srv) => srv.requests.length > SERVER_PAGE_CAP;
const skipOf = (r) => Number(r.query.skip ?? 0);

for (const list of LISTS) {
  test(`${list.label}, Return All: a server that ignores skip (same full page, no total) → stops on the repeated page`, async (t) => {
    const srv = await serverFor(t, (req, res, r) => {
      const n = capped(srv) ? 0 : limitOf(r) > 0 ? limitOf(r) : 50;
      json(res, 200, Array.from({ length: n }, (_, i) => list.item(i)));
    });
    const out = await run(list, srv.url);
    assert.equal(srv.requests.length, 2, `exactly 2 requests, got ${srv.requests.map((r) => r.url).join(' | ')}`);
    const n = limitOf(srv.requests[0]);
    assert.ok(n > 0, 'a limit is sent');
    assert.equal(out.length, n, 'the first page once');
    assert.deepEqual(out.map((o) => idOf(o.json)), Array.from({ length: n }, (_, i) => idOf(list.item(i))));
  });

  test(`${list.label}, Return All: same page with a huge TotalCount → stops on the repeated page`, async (t) => {
    const srv = await serverFor(t, (req, res, r) => {
      const n = capped(srv) ? 0 : limitOf(r) > 0 ? limitOf(r) : 50;
      json(res, 200, Array.from({ length: n }, (_, i) => list.item(i)), { 'x-pagination-totalcount': '1000000000' });
    });
    const out = await run(list, srv.url);
    assert.equal(srv.requests.length, 2, `exactly 2 requests, got ${srv.requests.length}`);
    assert.equal(out.length, limitOf(srv.requests[0]));
    assert.equal(new Set(out.map((o) => idOf(o.json))).size, out.length, 'nothing twice');
  });

  test(`${list.label}, Return All: endless distinct full pages stop at maxPages`, async (t) => {
    const srv = await serverFor(t, (req, res, r) => {
      const n = capped(srv) ? 0 : limitOf(r) > 0 ? limitOf(r) : 50;
      const skip = skipOf(r);
      json(res, 200, Array.from({ length: n }, (_, i) => list.item(skip + i)));
    });
    const started = Date.now();
    const err = await rejection(run(list, srv.url, { maxPages: 5 }));
    assert.ok(Date.now() - started < 10_000);
    assert.equal(srv.requests.length, 5, `5 pages fetched, got ${srv.requests.length}`);
    const collected = srv.requests.reduce((sum, r) => sum + limitOf(r), 0);
    assert.match(err.message, /Return All stopped after 5 pages/);
    assert.ok(err.message.includes(`${collected.toLocaleString('en-US')} items`) || err.message.includes(`${collected} items`), `names the ${collected} items collected: ${err.message}`);
    assert.match(err.description ?? '', /maxPages|Max Pages/);
  });

  for (const withTotal of [true, false]) {
    test(`${list.label}, Return All: the server caps pages at 20 (${withTotal ? 'with' : 'without'} a total count) → every item, skip advances by what came`, async (t) => {
      const TOTAL = 70;
      const srv = await serverFor(t, (req, res, r) => {
        const skip = skipOf(r);
        const n = Math.max(0, Math.min(limitOf(r) || 20, 20, TOTAL - skip));
        json(res, 200, Array.from({ length: n }, (_, i) => list.item(skip + i)), withTotal ? { 'x-pagination-totalcount': String(TOTAL) } : {});
      });
      const out = await run(list, srv.url);
      assert.deepEqual(out.map((o) => idOf(o.json)), Array.from({ length: TOTAL }, (_, i) => idOf(list.item(i))));
      const skips = srv.requests.map(skipOf);
      if (withTotal) {
        assert.deepEqual(skips, [0, 20, 40, 60]);
      } else {
        // ends on the short page (10 items) or on an empty one after it
        assert.ok(skips.length === 4 || skips.length === 5, `${skips.length} requests: ${skips}`);
        assert.deepEqual(skips.slice(0, 4), [0, 20, 40, 60]);
        if (skips.length === 5) assert.equal(skips[4], 70);
      }
      assert.ok(limitOf(srv.requests[0]) > 20, 'asked for more than the server gives');
    });
  }
}

test('maxItems caps Return All over endless pages: it ends after a few pages, never with more than maxItems items', async (t) => {
  const list = LISTS[0];
  const srv = await serverFor(t, (req, res, r) => {
    const skip = skipOf(r);
    const n = capped(srv) ? 0 : limitOf(r) > 0 ? limitOf(r) : 50;
    json(res, 200, Array.from({ length: n }, (_, i) => list.item(skip + i)));
  });
  let outcome;
  try {
    outcome = await run(list, srv.url, { maxItems: 150 });
  } catch (err) {
    outcome = err;
  }
  const pageSize = limitOf(srv.requests[0]);
  assert.ok(srv.requests.length <= Math.ceil(150 / pageSize) + 1, `${srv.requests.length} requests of ${pageSize} for at most 150 items`);
  if (outcome instanceof Error) {
    assert.match(`${outcome.message}\n${outcome.description ?? ''}`, /150|maxItems|Max Items/, outcome.message);
  } else {
    assert.ok(outcome.length <= 150, `${outcome.length} items`);
    assert.ok(outcome.length > 0);
  }
});

test('maxPages: a list that fits in fewer pages is not affected', async (t) => {
  const list = LISTS[0];
  const srv = await serverFor(t, (req, res, r) => {
    const skip = skipOf(r);
    const n = Math.max(0, Math.min(20, 45 - skip));
    json(res, 200, Array.from({ length: n }, (_, i) => list.item(skip + i)), { 'x-pagination-totalcount': '45' });
  });
  const out = await run(list, srv.url, { maxPages: 3 });
  assert.equal(out.length, 45);
  assert.equal(srv.requests.length, 3);
});

test('a page that is not a list is an error, not an endless loop', async (t) => {
  const list = LISTS[0];
  const srv = await serverFor(t, (req, res) => json(res, 200, { items: [] }));
  const err = await rejection(run(list, srv.url));
  assert.ok(err instanceof Error);
  assert.equal(srv.requests.length, 1);
});
