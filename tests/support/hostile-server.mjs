// A scriptable, misbehaving HTTP server for the transport-safety tests (tests/js/transport-*.test.mjs):
// bound to loopback only, it records every request (method, url, path, query, headers, body) and answers
// each one the way the test says: redirect, never answer, stall mid-body, drop the connection, page forever…
// `close()` destroys every socket and clears every timer, so the test process can exit.
//
// Also here: the four operations the tests drive (mittwald Get Article and the three side effects),
// each with its parameters, credential and a good answer, so every file calls them the same way.
import http from 'node:http';
import { FAST_RETRY } from './harness.mjs';
import { EXT, order, get, yamduOrder } from './fixtures.mjs';

/**
 * Starts a server. `handler(req, res, record, server)` runs once the whole request body is in
 * (`record.body` text, `record.json` parsed or undefined). Without a handler: 404.
 * @param {Function} [handler]
 * @param {{ host?: string, port?: number, ipv6?: boolean }} [o] `ipv6`: also listen on [::1] (same port,
 *   same log), so a client that resolves "localhost" to ::1 still lands here and is counted.
 */
/** No request is held open longer than this (ms), whatever the handler does. */
export const SAFETY_MS = 8000;

export async function startHostileServer(handler, { host = '127.0.0.1', port = 0, ipv6 = false } = {}) {
  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  const servers = [];
  let current = handler ?? ((req, res) => json(res, 404, { message: 'no handler' }));

  const api = {
    requests,
    url: '',
    origin: '',
    port: 0,
    /** Replaces the handler. */
    handle(fn) {
      current = fn;
    },
    /** Requests with this method (and path, if given). */
    count(method, path) {
      return requests.filter((r) => (!method || r.method === method) && (!path || r.path === path)).length;
    },
    /** A timer that close() cancels. */
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
      return t;
    },
    reset() {
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(() => resolve()))));
    },
  };

  function onRequest(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      const url = new URL(req.url, 'http://placeholder');
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed;
      try {
        parsed = body ? JSON.parse(body) : undefined;
      } catch {
        parsed = undefined;
      }
      const record = {
        method: req.method,
        url: req.url,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body,
        json: parsed,
        time: Date.now(),
        localAddress: req.socket.localAddress,
      };
      requests.push(record);
      // Safety net, so a test can fail but never hang: an answer still open after SAFETY_MS is cut off.
      const safety = api.later(SAFETY_MS, () => req.socket.destroy());
      res.on('close', () => {
        clearTimeout(safety);
        timers.delete(safety);
      });
      try {
        current(req, res, record, api);
      } catch (err) {
        if (!res.headersSent) json(res, 500, { message: `hostile server handler threw: ${err.message}` });
      }
    });
  }

  async function listen(h, p) {
    const srv = http.createServer(onRequest);
    srv.keepAliveTimeout = 500;
    srv.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv.on('clientError', (err, s) => s.destroy());
    await new Promise((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(p, h, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    servers.push(srv);
    return srv.address().port;
  }

  api.port = await listen(host, port);
  if (ipv6) {
    try {
      await listen('::1', api.port);
    } catch {
      /* no IPv6 loopback here: "localhost" can only be 127.0.0.1 then */
    }
  }
  const name = host === '::1' ? '[::1]' : host;
  api.origin = `http://${name}:${api.port}`;
  api.url = api.origin;
  return api;
}

/** Starts a server and closes it when test `t` ends (t.after). */
export async function serverFor(t, handler, options) {
  const srv = await startHostileServer(handler, options);
  t.after(() => srv.close());
  return srv;
}

// ---- responders ---------------------------------------------------------------------------------------

export function json(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function redirect(res, status, location) {
  res.writeHead(status, { location, 'content-length': 0 });
  res.end();
}

/** Sends the headers and `partial` of a body announced as much longer, then never another byte. */
export function stallMidBody(res, partial = '{"articleId":"DOM-') {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
  res.write(partial);
}

/** Drops the connection without an answer. */
export function destroy(req) {
  req.socket.destroy();
}

/** Never answers (the socket stays open until the client gives up or the server closes). */
export function hang() {}

// ---- the operations under test ------------------------------------------------------------------------

export const TOKENS = Object.freeze({
  mittwald: 'mw-Hostile-Token-5Gh7Qz',
  yamdu: 'yd-Hostile-Token-8Jk2Wx',
  interworks: 'iw-Hostile-Key-3Lm9Rv',
});
export const IW_APP = '6f1c2a9e-1111-4a2b-9c3d-5e6f7a8b9c0d';
export const ARTICLE = Object.freeze({ articleId: 'DOM-DE-0001', name: '.de Domain', tags: ['domain'] });
export const ORDER_HASH = '0123456789abcdef0123456789abcdef';

export const yamduEnvelope = (status, order) => ({ status, status_message: status === 201 ? 'Created' : 'OK', info: '', data: { order } });
export const yamduOrderAnswer = (extra = {}) => ({
  order_hash: ORDER_HASH,
  status: null,
  product: 's',
  client_name: 'Constantin Film',
  project_name: 'OSD Yamdu Free',
  user_email: 'nicecustomer@gmx.com',
  user_login: 'custy1',
  ...extra,
});

const ADDON_PARAMS = Object.freeze({
  resource: 'addon',
  operation: 'addonCreate',
  subscriptionId: 'sub-1',
  addons: { addon: [{ productId: 'P1', name: 'Addon', quantity: 1 }] },
  additionalFields: {},
});

/**
 * The operations: `node`, `method` and `path` of their one request, `parameters()`, `credentials(url)`,
 * `ok(res)` a good answer, `checkOk(out)` whether an output is that answer (a boolean), and
 * `auth(record)` the credential header value a request carried.
 */
export const OPS = Object.freeze({
  getArticle: {
    label: 'mittwald Get Article',
    node: 'mittwald',
    method: 'GET',
    path: `/v2/articles/${ARTICLE.articleId}`,
    sideEffect: false,
    parameters: () => get(ARTICLE.articleId),
    credentials: (url) => ({ apiToken: TOKENS.mittwald, baseUrl: url }),
    ok: (res) => json(res, 200, ARTICLE),
    checkOk: (out) => out.length === 1 && out[0].json.articleId === ARTICLE.articleId,
    auth: (r) => r.headers['x-access-token'],
    token: TOKENS.mittwald,
  },
  orderExtension: {
    label: 'mittwald Order Extension',
    node: 'mittwald',
    method: 'POST',
    path: `/v2/extensions/${EXT}/order`,
    sideEffect: true,
    parameters: () => order(),
    credentials: (url) => ({ apiToken: TOKENS.mittwald, baseUrl: url }),
    ok: (res) => json(res, 201, {}),
    checkOk: (out) => out.length === 1 && out[0].json.ordered === true,
    auth: (r) => r.headers['x-access-token'],
    token: TOKENS.mittwald,
  },
  yamduCreate: {
    label: 'Yamdu Create Order',
    node: 'yamdu',
    method: 'POST',
    path: '/api/orders',
    sideEffect: true,
    parameters: () => yamduOrder(),
    credentials: (url) => ({ baseUrl: url, accessToken: TOKENS.yamdu }),
    ok: (res) => json(res, 201, yamduEnvelope(201, yamduOrderAnswer())),
    checkOk: (out) => out.length === 1 && out[0].json.order_hash === ORDER_HASH,
    auth: (r) => r.headers.authorization,
    token: TOKENS.yamdu,
  },
  interworksAddonCreate: {
    label: 'Interworks Addon Create',
    node: 'interworksCloud',
    method: 'POST',
    path: '/API/Addon/Create',
    sideEffect: true,
    parameters: () => structuredClone(ADDON_PARAMS),
    credentials: (url) => ({ baseUrl: `${url}/API`, applicationId: IW_APP, apiKey: TOKENS.interworks }),
    ok: (res) => json(res, 200, { Code: 0, Message: '', Result: 'addon-ext-1' }),
    checkOk: (out) => out.length === 1 && out[0].json.Code === 0 && out[0].json.Result === 'addon-ext-1',
    auth: (r) => r.headers['x-cloudplatform-apikey'],
    token: TOKENS.interworks,
  },
});

export const SIDE_EFFECTS = Object.freeze([OPS.orderExtension, OPS.yamduCreate, OPS.interworksAddonCreate]);
export const ALL_OPS = Object.freeze([OPS.getArticle, ...SIDE_EFFECTS]);

/** Runs `op` against the server at `url` (FAST_RETRY unless `extra.retry`), `extra` on top of the options. */
export function runOp(mp, op, url, extra = {}) {
  return mp.execute({ node: op.node, parameters: op.parameters(), credentials: op.credentials(url), retry: FAST_RETRY, ...extra });
}

export { rejection } from './harness.mjs';

/** The message and description of an error, as one text. */
export const textOf = (err) => `${err?.message ?? ''}\n${err?.description ?? ''}`;
