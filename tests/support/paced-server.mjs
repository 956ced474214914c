// A paced loopback HTTP server for the concurrency tests (tests/js/concurrency.test.mjs,
// tests/e2e/concurrency.test.mjs) and for benches: every answer waits a configurable latency, every
// request is recorded (method, url, headers, body, arrival and answer time, status), and the server
// counts how many requests are in flight at once (now and at most). Optionally it rate-limits like a
// vendor's API gateway: a leaky bucket (burst N, leak R per second) that answers 429 with an integer
// `Retry-After` (seconds, rounded up to when a slot frees); or it answers 429 once, at request number K.
// Per-item failures (a status for one path, or for one order's customer) are scripted by `fail`.
//
// It serves the two mittwald routes the tests drive through the package's real operations:
//   GET  /v2/articles/{articleId}              (Article → Get Article)       → 200 { articleId, name }
//   POST /v2/extensions/{extensionId}/order    (Marketplace → Order Extension) → 201 {}
// and checks what it receives: the access token, the method, the path, the content type and the order
// body (consentedScopes plus exactly one of customerId / projectId, both uuids). Anything else is a
// 4xx with a mittwald-style error, so a test that sends something wrong fails.
//
// Bound to 127.0.0.1 only. `close()` cancels every pending answer and destroys every socket.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { EXT, order, get } from './fixtures.mjs';

/** The mittwald token the server accepts (x-access-token, or Authorization: Bearer). */
export const PACED_TOKEN = 'mw-Paced-Token-7Rt4Yp';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A small seeded PRNG (mulberry32), so "random" latencies are the same on every run. */
export function seededRandom(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Starts the server.
 *
 * @param {object} [options]
 * @param {number | [number, number] | ((record) => number)} [options.latency=0]
 *        ms before each answer: a fixed number, a [min, max] range drawn per request (seeded by `seed`),
 *        or a function of the request's record
 * @param {number} [options.seed=1]   seed of the [min, max] latency draw
 * @param {{ burst: number, perSecond: number }} [options.rateLimit]
 *        leaky bucket: a request that finds `burst` requests in the bucket is answered 429 at once with
 *        `Retry-After: ceil(seconds until one has leaked)` and does not enter the bucket; the bucket
 *        leaks `perSecond` requests per second
 * @param {number} [options.once429At]  answer request number K (1-based, counted over all requests) with
 *        429 and `Retry-After: once429RetryAfter`, at once; every other request as usual
 * @param {number} [options.once429RetryAfter=1]  seconds
 * @param {Record<string, number> | ((record) => number | null | undefined)} [options.fail]
 *        a status (e.g. 500) to answer instead of success: by path (`/v2/articles/ART-0003`), or a
 *        function of the record (`record.json` is the parsed body). It is answered after the latency.
 * @param {string} [options.token=PACED_TOKEN]  the accepted access token
 * @returns {Promise<{ url: string, origin: string, port: number, requests: object[], stats: () => object,
 *          credentials: () => object, reset: () => void, close: () => Promise<void> }>}
 */
export async function startPacedServer(options = {}) {
  const {
    latency = 0,
    seed = 1,
    rateLimit,
    once429At,
    once429RetryAfter = 1,
    fail,
    token = PACED_TOKEN,
  } = options;
  if (rateLimit && !(rateLimit.burst >= 1 && rateLimit.perSecond > 0)) {
    throw new Error(`rateLimit needs burst >= 1 and perSecond > 0, got ${JSON.stringify(rateLimit)}`);
  }
  const random = seededRandom(seed);
  const latencyOf = (record) => {
    if (typeof latency === 'function') return Math.max(0, Number(latency(record)) || 0);
    if (Array.isArray(latency)) return latency[0] + random() * (latency[1] - latency[0]);
    return latency;
  };

  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  let counters;
  let bucket;
  function resetCounters() {
    counters = { total: 0, inFlight: 0, maxInFlight: 0, count429: 0, byStatus: {}, rateLimited: [] };
    bucket = { level: 0, at: now() };
  }
  resetCounters();

  function later(ms, fn) {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  /** Leaky bucket: admits (adds one) or says how many seconds until a slot frees. */
  function admit() {
    const t = now();
    bucket.level = Math.max(0, bucket.level - ((t - bucket.at) / 1000) * rateLimit.perSecond);
    bucket.at = t;
    if (bucket.level + 1 <= rateLimit.burst + 1e-9) {
      bucket.level += 1;
      return { ok: true };
    }
    const seconds = (bucket.level + 1 - rateLimit.burst) / rateLimit.perSecond;
    return { ok: false, retryAfter: Math.max(1, Math.ceil(seconds - 1e-9)) };
  }

  function send(res, record, status, body, headers = {}) {
    if (res.writableEnded || res.destroyed) return;
    const text = JSON.stringify(body);
    record.status = status;
    record.answeredAt = now();
    counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function tooMany(res, record, retryAfter, why) {
    counters.count429 += 1;
    counters.rateLimited.push({ index: record.index, at: now(), retryAfter, why });
    send(res, record, 429, { type: 'TooManyRequests', message: `rate limit exceeded (${why})` }, { 'retry-after': String(retryAfter) });
  }

  /** What a correct request gets: the status and body, or a 4xx naming what is wrong. */
  function route(record) {
    const presented = record.headers['x-access-token'] ?? record.headers.authorization?.replace(/^Bearer\s+/i, '');
    if (presented !== token) return [401, { type: 'UnauthorizedError', message: presented ? 'access token invalid' : 'access token missing' }];
    let m;
    if ((m = /^\/v2\/articles\/([^/]+)$/.exec(record.path))) {
      if (record.method !== 'GET') return [405, { type: 'MethodNotAllowed', message: `${record.method} not allowed here` }];
      if (record.body !== '') return [400, { type: 'ValidationError', message: 'a GET has no body' }];
      if (Object.keys(record.query).length) return [400, { type: 'ValidationError', message: `unexpected query ${record.url}` }];
      const articleId = decodeURIComponent(m[1]);
      record.articleId = articleId;
      return [200, { articleId, name: `Article ${articleId}` }];
    }
    if ((m = /^\/v2\/extensions\/([^/]+)\/order$/.exec(record.path))) {
      if (record.method !== 'POST') return [405, { type: 'MethodNotAllowed', message: `${record.method} not allowed here` }];
      const extensionId = decodeURIComponent(m[1]);
      record.extensionId = extensionId;
      if (!/^application\/json/.test(record.headers['content-type'] ?? '')) {
        return [415, { type: 'UnsupportedMediaType', message: `content-type ${record.headers['content-type']}` }];
      }
      const errors = [];
      if (!UUID_RE.test(extensionId)) errors.push({ message: 'must match format "uuid"', path: '.params.extensionId', type: 'format' });
      const b = record.json;
      if (!b || typeof b !== 'object' || Array.isArray(b)) {
        errors.push({ message: 'must be object', path: '', type: 'type' });
      } else {
        const allowed = new Set(['consentedScopes', 'customerId', 'projectId', 'variantKey']);
        for (const k of Object.keys(b)) if (!allowed.has(k)) errors.push({ message: `unknown property ${k}`, path: `.${k}`, type: 'additionalProperties' });
        if (!Array.isArray(b.consentedScopes) || b.consentedScopes.some((s) => typeof s !== 'string')) {
          errors.push({ message: 'must be an array of strings', path: '.consentedScopes', type: 'type' });
        }
        const targets = ['customerId', 'projectId'].filter((k) => k in b);
        if (targets.length !== 1) errors.push({ message: 'must match exactly one schema in oneOf', path: '', type: 'oneOf' });
        for (const k of targets) if (!UUID_RE.test(String(b[k]))) errors.push({ message: 'must match format "uuid"', path: `.${k}`, type: 'format' });
        if ('variantKey' in b && typeof b.variantKey !== 'string') errors.push({ message: 'must be string', path: '.variantKey', type: 'type' });
      }
      if (errors.length) return [400, { type: 'ValidationError', message: 'Validation failed', validationErrors: errors }];
      record.customerId = b.customerId ?? null;
      return [201, {}];
    }
    return [404, { type: 'NotFound', message: `no route for ${record.method} ${record.path}` }];
  }

  function onRequest(req, res) {
    counters.total += 1;
    counters.inFlight += 1;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    const url = new URL(req.url, 'http://127.0.0.1');
    const record = {
      index: counters.total,
      method: req.method,
      url: req.url,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body: '',
      json: undefined,
      arrival: now(),
      inFlightAtArrival: counters.inFlight,
      status: null,
      answeredAt: null,
    };
    requests.push(record);
    let done = false;
    const leave = () => {
      if (done) return;
      done = true;
      counters.inFlight -= 1;
    };
    res.on('close', leave);
    res.on('finish', leave);

    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      record.body = Buffer.concat(chunks).toString('utf8');
      try {
        record.json = record.body ? JSON.parse(record.body) : undefined;
      } catch {
        record.json = undefined;
      }
      // rate limits answer at once, like a gateway in front of the API
      if (once429At !== undefined && record.index === once429At) return tooMany(res, record, once429RetryAfter, `request #${once429At}`);
      if (rateLimit) {
        const a = admit();
        if (!a.ok) return tooMany(res, record, a.retryAfter, `burst ${rateLimit.burst}, ${rateLimit.perSecond}/s`);
      }
      const [status, body] = route(record);
      let failure = null;
      if (status < 400 && fail) failure = typeof fail === 'function' ? fail(record) : fail[record.path];
      const ms = latencyOf(record);
      record.latency = ms;
      later(ms, () => {
        if (failure) send(res, record, failure, { type: 'ScriptedFailure', message: `scripted HTTP ${failure} for ${record.method} ${record.path}` });
        else send(res, record, status, body);
      });
    });
  }

  const server = http.createServer(onRequest);
  server.keepAliveTimeout = 2000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (err, s) => s.destroy());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = server.address().port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    origin,
    port,
    /** Every request, in arrival order (records: index, method, url, path, query, headers, body, json,
     *  arrival and answeredAt in ms since the server started, status, latency, inFlightAtArrival). */
    requests,
    /** Counters: total, inFlight, maxInFlight, count429, byStatus { [status]: n }, rateLimited [{ index, at, retryAfter }]. */
    stats: () => ({ ...counters, byStatus: { ...counters.byStatus }, rateLimited: counters.rateLimited.slice() }),
    /** The mittwald credential for this server. */
    credentials: () => ({ apiToken: token, baseUrl: origin }),
    /** ms since the server started (the clock of `arrival` / `answeredAt`). */
    now,
    /** Forgets the requests and counters (not the pending answers). */
    reset() {
      requests.length = 0;
      resetCounters();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- the items the tests run ------------------------------------------------------------------------

/** n article ids: ART-0000, ART-0001, … */
export const articleIds = (n) => Array.from({ length: n }, (_, i) => `ART-${String(i).padStart(4, '0')}`);

/** n distinct customer ids (uuids), one per order item. */
export const customerIds = (n) => Array.from({ length: n }, (_, i) => `3a2b1c0d-9e8f-4a7b-8c6d-${String(i).padStart(12, '0')}`);

/** Get Article parameters per article id. */
export const getArticleParams = (ids) => ids.map((id) => get(id));

/** Order Extension (of EXT, for a customer) parameters per customer id. */
export const orderParams = (ids) => ids.map((customerId) => order({ customerId }));

export const ORDER_PATH = `/v2/extensions/${EXT}/order`;

// ---- looking at what arrived ----------------------------------------------------------------------


/** Per key (e.g. customer id): { all: n requests, ok: n answered 2xx, status: [statuses] }. */
export function countBy(requests, keyOf) {
  const map = new Map();
  for (const r of requests) {
    const k = keyOf(r);
    if (!map.has(k)) map.set(k, { all: 0, ok: 0, status: [] });
    const e = map.get(k);
    e.all += 1;
    if (r.status >= 200 && r.status < 300) e.ok += 1;
    e.status.push(r.status);
  }
  return map;
}
