// A strict, stateful stand-in for the Webgate Yamdu orders API (seed 001), mounted by the shared mock
// marketplace under `/api/orders`:
//   POST /api/orders                 body {"order": {…}} → 201, the order (state-less, as in the seed example)
//   GET  /api/orders/{order_hash}    → 200, the order; every read moves it one state along its script
// Every answer is the documented envelope {status, status_message, info, data}; errors too, with
// `data.errors` = {field: [messages]}. Checked on every request: `Authorization: Bearer <token>`, JSON
// content type, the body shape (only `order`, only documented keys, their types, the either/or rules).
import { randomBytes } from 'node:crypto';

export const DEFAULT_YAMDU_TOKEN = 'yamdu-test-token';

/** "Accepted products are Starter, Commercial, Studio, Dailies, Yamdu FREE, s, m, l, xl". */
export const YAMDU_PRODUCTS = Object.freeze(['Starter', 'Commercial', 'Studio', 'Dailies', 'Yamdu FREE', 's', 'm', 'l', 'xl']);

export const YAMDU_STATES = Object.freeze(['pending', 'packing', 'packed', 'has_packing_errors', 'need_human']);

/** The attributes that can be POSTed. */
const POSTABLE = [
  'admin_user_access_token',
  'client_id',
  'client_name',
  'product',
  'project_id',
  'project_name',
  'redirection_uri',
  'user_email',
  'user_first_name',
  'user_last_name',
  'user_login',
];
const INTEGER_KEYS = ['client_id', 'project_id'];

const DEFAULT_SCRIPT = Object.freeze({ states: ['pending', 'packing', 'packed'], packingErrors: null });

const STATUS_TEXT = { 200: 'OK', 201: 'Created', 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity' };

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * @param {object} o
 * @param {string} [o.token]    the bearer token the API accepts
 * @param {(res, status: number, body: object, headers?: object) => void} o.send  writes a JSON answer
 */
export function createYamduMock({ token = DEFAULT_YAMDU_TOKEN, send }) {
  /** @type {{ order_hash: string, sent: object, states: string[], packingErrors: string|null, reads: number, order: object }[]} */
  const orders = [];
  let script = DEFAULT_SCRIPT;
  let nextId = 1000;

  const envelope = (res, status, info, data = {}) => send(res, status, { status, status_message: STATUS_TEXT[status], info, data });
  const invalid = (res, errors) => envelope(res, 422, 'Order is invalid', { errors });

  /** Orders created from now on go through `states` (one per read, the last one stays). */
  function setScript(states, { packingErrors = null } = {}) {
    if (!Array.isArray(states) || states.length === 0 || states.some((s) => !YAMDU_STATES.includes(s))) {
      throw new Error(`script: states must be a non-empty list of ${YAMDU_STATES.join('|')}, got ${JSON.stringify(states)}`);
    }
    script = { states: [...states], packingErrors };
  }

  function reset() {
    orders.length = 0;
    script = DEFAULT_SCRIPT;
    nextId = 1000;
  }

  /** Handles one recorded request under /api/orders. */
  function handle(res, record) {
    const hashMatch = /^\/api\/orders\/([^/]+)$/.exec(record.path);
    if (record.path !== '/api/orders' && !hashMatch) return envelope(res, 404, `no route for ${record.method} ${record.path}`);
    const allowed = hashMatch ? 'GET' : 'POST';
    if (record.method !== allowed) return send(res, 405, { status: 405, status_message: STATUS_TEXT[405], info: `${record.method} is not allowed here`, data: {} }, { allow: allowed });
    if (record.headers.authorization !== `Bearer ${token}`) {
      record.authFailure = record.headers.authorization ? 'wrong token' : 'no Authorization header';
      return envelope(res, 401, 'Invalid or missing access token');
    }
    if (record.rawQuery) return envelope(res, 400, `unexpected query string "${record.rawQuery}"`);
    return hashMatch ? show(res, decodeURIComponent(hashMatch[1])) : create(res, record);
  }

  function create(res, record) {
    if (!/^application\/json\s*(;.*)?$/i.test(record.headers['content-type'] ?? '')) {
      return envelope(res, 415, `Content-Type must be application/json, got ${JSON.stringify(record.headers['content-type'] ?? null)}`);
    }
    if (!record.bodyIsJson || !isObject(record.body)) return envelope(res, 400, 'the body must be a JSON object');
    const errors = validate(record.body);
    if (Object.keys(errors).length) return invalid(res, errors);
    const sent = record.body.order;
    const order_hash = randomBytes(16).toString('hex');
    const order = { order_hash, state: null, packing_errors: null };
    for (const key of POSTABLE) order[key] = sent[key] ?? null;
    orders.push({ order_hash, sent: structuredClone(sent), states: script.states, packingErrors: script.packingErrors, reads: 0, order });
    // The create answer has the seed example's keys: what was posted (or null), the hash, and `status: null`.
    const answer = { order_hash, status: null };
    for (const key of POSTABLE) answer[key] = order[key];
    envelope(res, 201, '', { order: answer });
  }

  function show(res, hash) {
    const entry = orders.find((o) => o.order_hash === hash);
    if (!entry) return envelope(res, 404, `Order ${hash} not found`);
    const state = entry.states[Math.min(entry.reads, entry.states.length - 1)];
    entry.reads += 1;
    const order = entry.order;
    order.state = state;
    if (state === 'has_packing_errors') order.packing_errors = entry.packingErrors ?? 'Packing failed';
    if (state === 'packed') {
      // packing creates what was ordered new
      if (order.client_id === null) order.client_id = nextId++;
      if (order.project_id === null && order.project_name !== null) order.project_id = nextId++;
    }
    envelope(res, 200, '', { order: structuredClone(order) });
  }

  /** {field: [messages]} for everything wrong with a create body. */
  function validate(body) {
    const errors = {};
    const add = (field, message) => (errors[field] ??= []).push(message);
    for (const key of Object.keys(body)) if (key !== 'order') add(key, 'is not a known parameter (send {"order": {…}})');
    const order = body.order;
    if (!isObject(order)) {
      add('order', `must be an object, got ${JSON.stringify(order ?? null)}`);
      return errors;
    }
    for (const [key, value] of Object.entries(order)) {
      if (!POSTABLE.includes(key)) add(key, 'is not an attribute that can be posted');
      else if (INTEGER_KEYS.includes(key)) {
        if (!Number.isInteger(value) || value < 1) add(key, `must be a positive integer, got ${JSON.stringify(value)}`);
      } else if (typeof value !== 'string' || value.trim() === '') add(key, `must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    if (order.product === undefined) add('product', "can't be blank");
    else if (typeof order.product === 'string' && !YAMDU_PRODUCTS.includes(order.product)) {
      add('product', `is not an accepted product (${YAMDU_PRODUCTS.join(', ')})`);
    }
    if ('client_id' in order && 'client_name' in order) add('client_name', 'must be blank when client_id is given');
    if ('project_id' in order && 'project_name' in order) add('project_name', 'must be blank when project_id is given');
    if ('project_id' in order && !('client_id' in order)) add('client_id', 'must be given to add to an existing project');
    if (typeof order.user_email === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(order.user_email)) add('user_email', 'is not an e-mail address');
    return errors;
  }

  return {
    token,
    /** every order created since the last reset, oldest first */
    orders,
    script: setScript,
    handles: (path) => path === '/api/orders' || path.startsWith('/api/orders/'),
    handle,
    reset,
  };
}
