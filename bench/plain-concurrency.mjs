// Bench-only (scripts/bench.mjs): the package in plain JS, no n8n.
//   - throughput: ITEMS Get Article items against a loopback server at 0 ms and at 20 ms latency, this
//     package's execute() with default options beside a fetch loop with 10 requests in flight and one with
//     all items in flight at once (the server counts the most requests in flight);
//   - per-item compute: the package through its internal hook `_internal.executeRaw(requestJson, host)`
//     with a host whose `request` answers at once, beside a bare JS loop doing the equivalent work
//     (build the request object, await the host, JSON.parse the answer, make the output item).
import { createRequire } from 'node:module';
import { ARTICLE, ARTICLE_ID, startPacedServer } from './paced.mjs';

const TOKEN = 'bench-plain-token';
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ratio = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×`;

const parameters = { resource: 'Article', operation: 'article-get-article', articleId: ARTICLE_ID };

/** fetch with at most `width` requests in flight; resolves to the parsed answers in input order. */
async function fetchPool(url, count, width) {
  const headers = { 'x-access-token': TOKEN, accept: 'application/json' };
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(url, { headers });
      if (!res.ok) throw new Error(`fetch got HTTP ${res.status}`);
      out[i] = { json: await res.json(), pairedItem: { item: i } };
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return out;
}

async function timed(server, fn) {
  await server.reset();
  const t = performance.now();
  const out = await fn();
  const ms = performance.now() - t;
  const s = await server.stats();
  return { ms, maxInFlight: s.maxInFlight, requests: s.requests, bad: s.requests - s.ok, items: out.length };
}

async function throughput(mp, items, latencyMs, log) {
  const server = await startPacedServer({ latencyMs, token: TOKEN });
  try {
    const credentials = { apiToken: TOKEN, baseUrl: server.url };
    const input = Array.from({ length: items }, (_, i) => ({ json: { i } }));
    // warm-up: the module's instance, fetch's connection pool
    await mp.execute({ node: 'mittwald', parameters, items: input.slice(0, 20), credentials });
    await fetchPool(server.articleUrl, 20, 10);
    const ours = await timed(server, () => mp.execute({ node: 'mittwald', parameters, items: input, credentials }));
    const pool10 = await timed(server, () => fetchPool(server.articleUrl, items, 10));
    const all = await timed(server, () => fetchPool(server.articleUrl, items, items));
    const row = (label, r) =>
      log(
        `    ${label.padEnd(34)}${(r.ms / 1000).toFixed(2).padStart(7)} s  ${(r.ms / items).toFixed(3).padStart(7)} ms/item` +
          `  max in flight ${String(r.maxInFlight).padStart(4)}${r.bad ? `  (${r.bad} requests not 200)` : ''}`,
      );
    log(
      `  ${latencyMs} ms latency per request, ${items} items` +
        (latencyMs === 0 ? ' (answered at once: a request counts as in flight only while the server handles it)' : ''),
    );
    row('this package, execute() defaults', ours);
    row('fetch loop, 10 in flight', pool10);
    row(`fetch, all ${items} in flight`, all);
    log(`    → ours / fetch×10 ${ratio(ours.ms, pool10.ms)}, ours / fetch×${items} ${ratio(ours.ms, all.ms)}`);
    return { latencyMs, ours, pool10, all };
  } finally {
    await server.close();
  }
}

async function compute(mp, items, log) {
  const body = ARTICLE;
  const answer = { status: 200, headers: { 'content-type': 'application/json' }, body };
  let requests = 0;
  const host = {
    request: async () => {
      requests += 1;
      return answer;
    },
  };
  const baseUrl = 'http://127.0.0.1:9';
  const request = {
    node: 'mittwald',
    items: Array.from({ length: items }, (_, i) => ({ json: { i }, parameters, binary: {} })),
    credentials: { apiToken: TOKEN, baseUrl },
    continueOnFail: false,
  };
  const ours = async () => {
    // what execute() does around the module: the request document in, the parsed result out
    let { result } = await mp._internal.executeRaw(JSON.stringify(request), host);
    if (typeof result === 'string') result = JSON.parse(result);
    if (result.error || result.items.length !== items) throw new Error(`executeRaw: ${result.error?.message ?? `${result.items.length} items`}`);
    return result.items;
  };
  const bare = async () => {
    const out = [];
    for (let i = 0; i < items; i++) {
      const p = request.items[i].parameters;
      const req = {
        method: 'GET',
        url: `${baseUrl}/v2/articles/${encodeURIComponent(p.articleId)}`,
        headers: { accept: 'application/json' },
        credentialType: 'mittwaldApi',
        timeoutMs: 60_000,
        maxResponseBytes: 64 * 1024 * 1024,
      };
      const res = await host.request(req);
      if (res.status !== 200) throw new Error('unexpected status');
      out.push({ json: JSON.parse(res.body), pairedItem: { item: i } });
    }
    return out;
  };
  const sample = async (fn, rounds) => {
    await fn(); // warm-up
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return median(times);
  };
  requests = 0;
  const oursMs = await sample(ours, 5);
  const sent = requests;
  const bareMs = await sample(bare, 5);
  const us = (ms) => ((ms * 1000) / items).toFixed(1);
  log(`  per-item compute (${items} items, host answers at once, median of 5)`);
  log(`    this package, _internal.executeRaw    ${us(oursMs).padStart(7)} µs/item  (${sent / 6} host requests per run)`);
  log(`    bare JS loop, same work                ${us(bareMs).padStart(7)} µs/item  → ratio ${ratio(oursMs, bareMs)}`);
  return { oursUs: (oursMs * 1000) / items, bareUs: (bareMs * 1000) / items };
}

/** Runs part 3; `pkgDir` is the built package. */
export async function plainConcurrency({ pkgDir, items = 2000, log = console.log }) {
  const mp = createRequire(import.meta.url)(pkgDir);
  log(`plain JS, no n8n (Get Article over loopback; one run each)`);
  const figures = {};
  figures.zero = await throughput(mp, items, 0, log);
  figures.paced = await throughput(mp, items, 20, log);
  figures.compute = await compute(mp, items, log);
  return figures;
}
