// Bench-only loopback API for scripts/bench.mjs: answers every request after a fixed latency, counts
// requests in flight (and the most at once), and optionally rate-limits with a leaky bucket that answers
// 429 + Retry-After beyond it. It answers any path with one small mittwald-like article.
//
//   const server = await startPacedServer({ latencyMs: 20, bucket: { burst: 20, leakPerSec: 4 }, token: 't' });
//   … server.url …  await server.stats() → { requests, ok, tooMany, unauthorized, maxInFlight, inFlight, spanMs }
//   await server.reset()  (counters and bucket)   await server.close()
//
// The server runs in a child process of its own (IPC for stats/reset), so a client in the bench process
// does not share its event loop with the server: a request is "in flight" from the moment the server's
// process reads it until its answer is written, whatever the client is doing meanwhile.
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

export const ARTICLE_ID = 'PS23-PLUS-0004';

/** The article every GET answers (also the answer of the per-item compute bench). */
export const ARTICLE = JSON.stringify({
  articleId: ARTICLE_ID,
  name: 'proSpace 23 Plus',
  description: 'A managed server with 4 vCPU and 16 GB of RAM',
  orderable: 'full',
  tags: [{ id: 'server', name: 'Server' }],
  attributes: [{ key: 'cpu', value: '4' }, { key: 'ram', value: '16' }],
  prices: [{ amount: 4900, currency: 'EUR', interval: 'month' }],
});

/**
 * @param {object} [o]
 * @param {number} [o.latencyMs]  delay before each answer (429s included), default 0
 * @param {{ burst: number, leakPerSec: number } | null} [o.bucket]  leaky bucket: a request that would
 *        raise the level above `burst` gets 429 with Retry-After = whole seconds until it would fit
 * @param {string | null} [o.token]  when set, a request without `x-access-token: <token>` (or
 *        `authorization: Bearer <token>`) gets 401 (counted as `unauthorized`, not through the bucket)
 */
async function serve({ latencyMs = 0, bucket = null, token = null } = {}) {
  let stats;
  let level;
  let levelAt;
  const reset = () => {
    stats = { requests: 0, ok: 0, tooMany: 0, unauthorized: 0, maxInFlight: 0, inFlight: 0, firstAt: null, lastAt: null };
    level = 0;
    levelAt = performance.now();
  };
  reset();

  /** null when the request may pass, else the seconds it should wait. */
  const admit = () => {
    if (!bucket) return null;
    const now = performance.now();
    level = Math.max(0, level - ((now - levelAt) / 1000) * bucket.leakPerSec);
    levelAt = now;
    if (level + 1 <= bucket.burst) {
      level += 1;
      return null;
    }
    return Math.max(1, Math.ceil((level + 1 - bucket.burst) / bucket.leakPerSec));
  };

  const server = http.createServer((req, res) => {
    const now = performance.now();
    stats.requests += 1;
    stats.firstAt ??= now;
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      stats.inFlight -= 1;
      stats.lastAt = performance.now();
    };
    res.on('finish', done);
    res.on('close', done);
    req.resume();
    const authorized =
      token === null || req.headers['x-access-token'] === token || req.headers.authorization === `Bearer ${token}`;
    req.on('end', () => {
      const wait = authorized ? admit() : null;
      const answer = () => {
        if (!authorized) {
          stats.unauthorized += 1;
          const body = JSON.stringify({ type: 'Unauthorized', message: 'missing or wrong access token' });
          res.writeHead(401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        } else if (wait !== null) {
          stats.tooMany += 1;
          const body = JSON.stringify({ type: 'TooManyRequests', message: 'rate limit exceeded' });
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(wait), 'content-length': Buffer.byteLength(body) });
          res.end(body);
        } else {
          stats.ok += 1;
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ARTICLE) });
          res.end(ARTICLE);
        }
      };
      if (latencyMs > 0) setTimeout(answer, latencyMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 60_000;
  server.requestTimeout = 0;
  server.maxConnections = Infinity;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    articleUrl: `${url}/v2/articles/${ARTICLE_ID}`,
    stats: () => ({ ...stats, spanMs: stats.firstAt === null ? 0 : stats.lastAt - stats.firstAt }),
    reset,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Starts the server (see the top of this file) in a child process; same options as `serve`. */
export async function startPacedServer(options = {}) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let nextId = 0;
  let exited = null;
  child.on('message', (m) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    p.resolve(m.result);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`paced server process ended (${signal ?? code})`);
    for (const p of pending.values()) p.reject(exited);
    pending.clear();
  });
  const call = (cmd) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd });
    });
  const ready = await call('address');
  return {
    url: ready.url,
    articleUrl: ready.articleUrl,
    pid: child.pid,
    stats: () => call('stats'),
    reset: () => call('reset'),
    close: async () => {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => {});
      child.disconnect();
      await gone;
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') {
  const server = await serve(JSON.parse(process.argv[3] ?? '{}'));
  process.on('message', async ({ id, cmd }) => {
    let result = null;
    if (cmd === 'address') result = { url: server.url, articleUrl: server.articleUrl };
    else if (cmd === 'stats') result = server.stats();
    else if (cmd === 'reset') server.reset();
    else if (cmd === 'close') await server.close();
    process.send({ id, result });
  });
  process.on('disconnect', () => server.close().then(() => process.exit(0)));
}
