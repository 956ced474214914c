// A strict, stateful stand-in for an AppDirect marketplace (its own node:http server on 127.0.0.1):
//   POST   /oauth2/token                                              client-credentials tokens
//   GET    /api/account/v2/companies              POST (create)       page/size → {content, page{…}}
//   GET    /api/account/v2/users                                      page/size → {content, page{…}}
//   POST   /api/billing/v1/companies/{companyId}/users/{userId}/subscriptions   body {order:{paymentPlanId, orderLines}}
//   GET    /api/billing/v1/subscriptions                              start/count → bare array
//   DELETE /api/billing/v1/subscriptions/{subscriptionId}             → 204, the subscription is CANCELLED
//   POST   /api/account/v2/subscriptions/{subscriptionUuid}/assignments/{userUuid}
//   GET    /api/channel/v1/events                                     fromDate, sortOrder=ASC|DESC, type; page/size
// It checks what it receives the way the service would: the token request (HTTP Basic client id and
// secret, the form body `grant_type=client_credentials&scope=…`), a live bearer token on every /api call
// (else 401 `[{code, message}]`), query parameter names and number formats, JSON bodies and their shape.
// Every request is recorded in `requests`; anything the mock did not expect is also listed in `errors`.
// Creates, assignments and cancels record integration events (SUBSCRIPTION_ORDER, USER_ASSIGNMENT,
// SUBSCRIPTION_CANCEL), as the marketplace does; `addEvent` adds others. Node built-ins only.

import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';

export const APPDIRECT_CLIENT_ID = 'ad-client-7Hq2';
export const APPDIRECT_CLIENT_SECRET = 'ad-Client-Secret-Zx81Lq0Pw';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPES = ['ROLE_PARTNER', 'ROLE_PARTNER_READ'];
const EVENT_TYPES = [
  'SUBSCRIPTION_ORDER', 'SUBSCRIPTION_CHANGE', 'SUBSCRIPTION_CANCEL', 'SUBSCRIPTION_NOTICE', 'USER_ASSIGNMENT', 'USER_UNASSIGNMENT',
  'USER_UPDATED', 'ADDON_ORDER', 'ADDON_CHANGE', 'ADDON_CANCEL', 'ADDON_BIND', 'ADDON_UNBIND',
];
/** The largest page the service hands out, whatever is asked for. */
const MAX_PAGE = 100;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => JSON.parse(JSON.stringify(v));

/** The seed: companies, users (members of the first company), subscriptions, no events. */
export function defaultAppDirectData({ companies = 7, subscriptions = 7 } = {}) {
  const company = (i) => ({
    id: `0c0a0000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    name: `Company ${String(i).padStart(3, '0')}`,
    externalId: `ext-${i}`,
    companySize: 'SMALL',
    enabled: true,
  });
  const all = Array.from({ length: companies }, (_, i) => company(i + 1));
  const users = [1, 2, 3].map((i) => ({
    id: `05e70000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    email: `user${i}@example.com`,
    firstName: `User`,
    lastName: `${i}`,
    companyId: all[0].id,
  }));
  const subs = Array.from({ length: subscriptions }, (_, i) => ({
    id: `5ab50000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    status: 'ACTIVE',
    company: { id: all[0].id, name: all[0].name },
    user: { id: users[0].id, email: users[0].email },
    product: { id: 9001, name: 'Office Suite' },
    edition: { id: 501, name: 'Business' },
    order: { paymentPlan: { id: 7001, frequency: 'MONTHLY' }, orderLines: [{ unit: 'USER', quantity: 5 }] },
    creationDate: 1_700_000_000_000 + i * 1000,
  }));
  return { companies: all, users, subscriptions: subs, assignments: [], events: [] };
}

/**
 * @param {object} [o]
 * @param {string} [o.clientId]
 * @param {string} [o.clientSecret]
 * @param {number} [o.expiresIn]     the tokens' lifetime in seconds (43199 like AppDirect)
 * @param {number} [o.tokenDelayMs]  how long the token endpoint takes to answer (0)
 * @param {(options) => object} [o.data]  the seed (default: defaultAppDirectData())
 * @param {object} [o.seed]          options of defaultAppDirectData
 */
export async function startMockAppDirect(options = {}) {
  const clientId = options.clientId ?? APPDIRECT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? APPDIRECT_CLIENT_SECRET;
  const expiresIn = options.expiresIn ?? 43199;
  const tokenDelayMs = options.tokenDelayMs ?? 0;
  const seed = () => (options.data ? options.data() : defaultAppDirectData(options.seed));

  const requests = [];
  const errors = [];
  /** Every token ever issued (the tests check none of them leaks), and those still accepted. */
  const issued = [];
  const live = new Set();
  let data = seed();
  let clock = null;
  /** Scripted answers for the next matching requests: [{ route, status, body, times }]. */
  let scripted = [];

  const now = () => (clock === null ? Date.now() : clock);

  function reset() {
    requests.length = 0;
    errors.length = 0;
    live.clear();
    data = seed();
    clock = null;
    scripted = [];
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks));
      } catch (error) {
        errors.push(`mock crashed on ${req.method} ${req.url}: ${error.stack || error}`);
        if (!res.headersSent) send(res, 500, [{ code: 'INTERNAL', message: 'mock crashed' }]);
      }
    });
  });

  function send(res, status, body, headers = {}) {
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  const fail = (res, status, code, message) => send(res, status, [{ code, message }]);

  function handle(req, res, raw) {
    const url = new URL(req.url, 'http://mock.invalid');
    const query = {};
    for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
    const rawBody = raw.toString('utf8');
    let body;
    let bodyIsJson = false;
    if (/^application\/json/i.test(req.headers['content-type'] ?? '') && rawBody !== '') {
      try {
        body = JSON.parse(rawBody);
        bodyIsJson = true;
      } catch {
        body = undefined;
      }
    }
    const record = {
      method: req.method,
      path: url.pathname,
      rawQuery: url.search.replace(/^\?/, ''),
      query,
      headers: req.headers,
      rawBody,
      raw,
      body: bodyIsJson ? body : rawBody === '' ? undefined : rawBody,
      bodyIsJson,
      time: Date.now(),
    };
    requests.push(record);

    if (url.pathname === '/oauth2/token') return token(res, record);
    if (!url.pathname.startsWith('/api/')) return fail(res, 404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    record.token = auth ? auth[1] : null;
    if (!auth || !live.has(auth[1])) {
      record.authFailure = auth ? (issued.includes(auth[1]) ? 'revoked token' : 'unknown token') : 'no bearer token';
      return fail(res, 401, 'UNAUTHORIZED', 'Full authentication is required to access this resource');
    }
    const routeKey = `${req.method} ${url.pathname}`;
    const script = scripted.find((s) => s.times > 0 && (s.route === routeKey || (s.route.endsWith('*') && routeKey.startsWith(s.route.slice(0, -1)))));
    if (script) {
      script.times -= 1;
      return send(res, script.status, typeof script.body === 'function' ? script.body(record) : script.body);
    }
    return api(res, record, req.method, url.pathname);
  }

  // ---- the token endpoint ----------------------------------------------------------------------------

  function token(res, record) {
    const oauthError = (status, error, description) => send(res, status, { error, error_description: description });
    if (record.method !== 'POST') return oauthError(405, 'invalid_request', 'POST only');
    if (record.rawQuery) {
      errors.push(`token request with a query: ${record.rawQuery}`);
      return oauthError(400, 'invalid_request', 'no query parameters');
    }
    const basic = /^Basic (\S+)$/.exec(record.headers.authorization ?? '');
    const pair = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : null;
    if (pair !== `${clientId}:${clientSecret}`) {
      record.authFailure = basic ? 'wrong client' : 'no basic auth';
      return oauthError(401, 'invalid_client', 'Bad client credentials');
    }
    if (!/^application\/x-www-form-urlencoded/i.test(record.headers['content-type'] ?? '')) {
      errors.push(`token request content-type ${record.headers['content-type']}`);
      return oauthError(400, 'invalid_request', 'form body expected');
    }
    const form = new URLSearchParams(record.rawBody);
    record.form = Object.fromEntries(form);
    const keys = [...form.keys()];
    if (form.get('grant_type') !== 'client_credentials' || keys.some((k) => !['grant_type', 'scope'].includes(k)) || keys.length !== new Set(keys).size) {
      errors.push(`token request body ${record.rawBody}`);
      return oauthError(400, 'unsupported_grant_type', 'client_credentials only');
    }
    const scope = form.get('scope') ?? 'ROLE_PARTNER';
    if (!SCOPES.includes(scope)) return oauthError(400, 'invalid_scope', `Invalid scope: ${scope}`);
    const accessToken = `adtok-${randomBytes(12).toString('hex')}`;
    issued.push(accessToken);
    live.add(accessToken);
    record.issued = accessToken;
    const answer = () => send(res, 200, { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn, scope });
    if (tokenDelayMs > 0) setTimeout(answer, tokenDelayMs);
    else answer();
  }

  // ---- the API --------------------------------------------------------------------------------------

  /** The query's parameters must be among `allowed`; numbers where `numeric`. Returns false after answering. */
  function checkQuery(res, record, allowed, numeric = []) {
    for (const [name, values] of Object.entries(record.query)) {
      if (!allowed.includes(name)) {
        errors.push(`${record.method} ${record.path}: unexpected query parameter ${name}`);
        fail(res, 400, 'BAD_REQUEST', `Unknown parameter ${name}`);
        return false;
      }
      if (values.length > 1) {
        errors.push(`${record.method} ${record.path}: query parameter ${name} sent ${values.length} times`);
        fail(res, 400, 'BAD_REQUEST', `Parameter ${name} given more than once`);
        return false;
      }
      if (numeric.includes(name) && !/^\d+$/.test(values[0])) {
        errors.push(`${record.method} ${record.path}: ${name}=${values[0]} is not a number`);
        fail(res, 400, 'BAD_REQUEST', `Parameter ${name} must be a number`);
        return false;
      }
    }
    return true;
  }

  const q = (record, name) => record.query[name]?.[0];

  /** Account v2 paging: zero-based `page`, `size` (capped), `{content, page{size, totalElements, totalPages, number}}`. */
  function accountPage(res, record, rows) {
    const size = Math.min(Number(q(record, 'size') ?? 20) || 20, MAX_PAGE);
    const number = Number(q(record, 'page') ?? 0);
    const content = rows.slice(number * size, number * size + size);
    send(res, 200, { content, links: [], page: { size, totalElements: rows.length, totalPages: Math.ceil(rows.length / size), number } });
  }

  /** Billing v1 paging: `start`, `count` (capped), a bare array. */
  function billingPage(res, record, rows) {
    const count = Math.min(Number(q(record, 'count') ?? 50) || 50, MAX_PAGE);
    const start = Number(q(record, 'start') ?? 0);
    send(res, 200, rows.slice(start, start + count));
  }

  function event(type, payload) {
    const at = Math.max(now(), ...data.events.map((e) => e.creationDate));
    data.events.push({ uuid: randomUUID(), type, creationDate: at, ...payload });
  }

  function jsonBody(res, record) {
    if (!record.bodyIsJson || !isObject(record.body)) {
      errors.push(`${record.method} ${record.path}: body is not a JSON object (${record.headers['content-type']}: ${record.rawBody.slice(0, 100)})`);
      fail(res, 400, 'BAD_REQUEST', 'A JSON object body is required');
      return null;
    }
    return record.body;
  }

  function api(res, record, method, path) {
    let m;
    if (path === '/api/account/v2/companies') {
      if (method === 'GET') {
        if (!checkQuery(res, record, ['page', 'size', 'name', 'sortField', 'sortOrder', 'vendor', 'includeCustomAttributes', 'includePurchaseLimitData'], ['page', 'size'])) return;
        const name = q(record, 'name');
        return accountPage(res, record, data.companies.filter((c) => !name || c.name.includes(name)));
      }
      if (method === 'POST') return createCompany(res, record);
    }
    if (path === '/api/account/v2/users' && method === 'GET') {
      if (!checkQuery(res, record, ['page', 'size', 'email'], ['page', 'size'])) return;
      return accountPage(res, record, data.users);
    }
    if ((m = /^\/api\/billing\/v1\/companies\/([^/]+)\/users\/([^/]+)\/subscriptions$/.exec(path)) && method === 'POST') {
      return createSubscription(res, record, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    }
    if (path === '/api/billing/v1/subscriptions' && method === 'GET') {
      if (!checkQuery(res, record, ['start', 'count', 'status', 'fromDate', 'toDate', 'editionId', 'paymentPlanId', 'discountId', 'lastModified'], ['start', 'count'])) return;
      const status = q(record, 'status');
      return billingPage(res, record, data.subscriptions.filter((s) => !status || s.status === status));
    }
    if ((m = /^\/api\/billing\/v1\/subscriptions\/([^/]+)$/.exec(path)) && method === 'DELETE') {
      return cancelSubscription(res, record, decodeURIComponent(m[1]));
    }
    if ((m = /^\/api\/account\/v2\/subscriptions\/([^/]+)\/assignments\/([^/]+)$/.exec(path)) && method === 'POST') {
      return assign(res, record, decodeURIComponent(m[1]), decodeURIComponent(m[2]));
    }
    if (path === '/api/channel/v1/events' && method === 'GET') return events(res, record);
    errors.push(`no route ${method} ${path}`);
    return fail(res, 404, 'NOT_FOUND', `No route ${method} ${path}`);
  }

  function createCompany(res, record) {
    if (!checkQuery(res, record, [])) return;
    const body = jsonBody(res, record);
    if (!body) return;
    if (typeof body.name !== 'string' || body.name.trim() === '') return fail(res, 400, 'VALIDATION_ERROR', 'name: must not be empty');
    const allowed = ['name', 'allowLogin', 'idpUuid', 'address', 'companySize', 'customAttributes', 'industry', 'emailAddress', 'website', 'vendor', 'reseller', 'channelAdmin', 'referral', 'externalId', 'phoneNumber', 'defaultRole', 'countryCode', 'firstUser'];
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length) {
      errors.push(`create company: unknown fields ${unknown.join(', ')}`);
      return fail(res, 400, 'VALIDATION_ERROR', `Unknown fields: ${unknown.join(', ')}`);
    }
    if (body.companySize !== undefined && !['SMALL', 'MEDIUM', 'ENTERPRISE'].includes(body.companySize)) {
      return fail(res, 400, 'VALIDATION_ERROR', `companySize: invalid value ${body.companySize}`);
    }
    const company = { id: randomUUID(), ...clone(body), enabled: true, creationDate: now() };
    data.companies.push(company);
    return send(res, 201, company);
  }

  function createSubscription(res, record, companyId, userId) {
    if (!checkQuery(res, record, ['sendNotification'])) return;
    const body = jsonBody(res, record);
    if (!body) return;
    const company = data.companies.find((c) => c.id === companyId);
    if (!company) return fail(res, 404, 'NOT_FOUND', `Company ${companyId} not found`);
    const user = data.users.find((u) => u.id === userId);
    if (!user) return fail(res, 404, 'NOT_FOUND', `User ${userId} not found`);
    const order = body.order;
    const problems = [];
    if (Object.keys(body).some((k) => !['order', 'externalAccountId', 'label', 'redirectUrl', 'bundleApplicationId', 'assignedUsers', 'maxUsers'].includes(k))) {
      problems.push(`unknown fields ${Object.keys(body).join(', ')}`);
    }
    if (!isObject(order)) problems.push('order: is required');
    else {
      if (!Number.isInteger(order.paymentPlanId) && !(typeof order.paymentPlanId === 'string' && /^\d+$/.test(order.paymentPlanId))) problems.push('order.paymentPlanId: is required');
      if (!Array.isArray(order.orderLines) || order.orderLines.length === 0) problems.push('order.orderLines: at least one line');
      else if (order.orderLines.some((l) => !isObject(l) || typeof l.unit !== 'string' || !Number.isFinite(l.quantity))) problems.push('order.orderLines: each needs unit and quantity');
    }
    if (problems.length) {
      errors.push(`create subscription: ${problems.join('; ')}`);
      return fail(res, 400, 'VALIDATION_ERROR', problems.join('; '));
    }
    const subscription = {
      id: randomUUID(),
      status: 'ACTIVE',
      company: { id: company.id, name: company.name },
      user: { id: user.id, email: user.email },
      product: { id: 9001, name: 'Office Suite' },
      edition: { id: 501, name: 'Business' },
      order: { paymentPlan: { id: Number(order.paymentPlanId), frequency: 'MONTHLY' }, orderLines: clone(order.orderLines) },
      creationDate: now(),
    };
    data.subscriptions.push(subscription);
    event('SUBSCRIPTION_ORDER', { subscriptionId: subscription.id, companyId: company.id });
    return send(res, 201, subscription);
  }

  function assign(res, record, subscriptionUuid, userUuid) {
    if (!checkQuery(res, record, [])) return;
    if (record.rawBody !== '' && !jsonBody(res, record)) return;
    const subscription = data.subscriptions.find((s) => s.id === subscriptionUuid);
    if (!subscription) return fail(res, 404, 'NOT_FOUND', `Subscription ${subscriptionUuid} not found`);
    if (subscription.status === 'CANCELLED') return fail(res, 409, 'CONFLICT', 'The subscription is cancelled');
    const user = data.users.find((u) => u.id === userUuid);
    if (!user) return fail(res, 404, 'NOT_FOUND', `User ${userUuid} not found`);
    if (data.assignments.some((a) => a.subscription.id === subscriptionUuid && a.user.id === userUuid)) {
      return fail(res, 409, 'CONFLICT', 'The user is already assigned');
    }
    const assignment = { subscription: { id: subscriptionUuid }, user: { id: userUuid, email: user.email }, assignmentDate: now() };
    data.assignments.push(assignment);
    event('USER_ASSIGNMENT', { subscriptionId: subscriptionUuid, userId: userUuid });
    return send(res, 201, assignment);
  }

  function cancelSubscription(res, record, subscriptionId) {
    if (!checkQuery(res, record, ['sendNotification'])) return;
    if (record.rawBody !== '') {
      errors.push(`cancel with a body: ${record.rawBody.slice(0, 100)}`);
      return fail(res, 400, 'BAD_REQUEST', 'No body expected');
    }
    const subscription = data.subscriptions.find((s) => s.id === subscriptionId);
    if (!subscription) return fail(res, 404, 'NOT_FOUND', `Subscription ${subscriptionId} not found`);
    if (subscription.status === 'CANCELLED') return fail(res, 409, 'CONFLICT', 'Already cancelled');
    subscription.status = 'CANCELLED';
    event('SUBSCRIPTION_CANCEL', { subscriptionId });
    return send(res, 204);
  }

  function events(res, record) {
    if (!checkQuery(res, record, ['fromDate', 'sortOrder', 'type', 'page', 'size'], ['fromDate', 'page', 'size'])) return;
    const order = q(record, 'sortOrder');
    if (order !== 'ASC' && order !== 'DESC') errors.push(`events: sortOrder=${order}`);
    const type = q(record, 'type');
    if (type !== undefined && !EVENT_TYPES.includes(type)) return fail(res, 400, 'BAD_REQUEST', `Unknown type ${type}`);
    const from = Number(q(record, 'fromDate') ?? 0);
    const rows = data.events
      .filter((e) => e.creationDate >= from && (!type || e.type === type))
      .sort((a, b) => (order === 'DESC' ? b.creationDate - a.creationDate : a.creationDate - b.creationDate));
    return accountPage(res, record, rows);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    requests,
    errors,
    get data() {
      return data;
    },
    credentials: { marketplaceUrl: url, clientId, clientSecret, scope: 'ROLE_PARTNER' },
    /** Every token issued so far (also revoked ones). */
    issued,
    /** The token requests so far. */
    tokenRequests: () => requests.filter((r) => r.path === '/oauth2/token'),
    /** The /api requests so far (method `m` only, when given). */
    apiRequests: (m) => requests.filter((r) => r.path.startsWith('/api/') && (!m || r.method === m)),
    /** The service stops accepting every token issued so far (an expiry or a revocation). */
    revokeTokens: () => live.clear(),
    /** Events get this creation time (epoch ms) from now on; null: the wall clock. */
    setClock: (ms) => {
      clock = ms;
    },
    /** Adds an integration event at `creationDate` (default: the mock's clock). */
    addEvent: (type, payload = {}, creationDate = now()) => {
      const e = { uuid: randomUUID(), type, creationDate, ...payload };
      data.events.push(e);
      return e;
    },
    /**
     * The next `times` authenticated requests to `route` ("POST /api/…", a trailing * matches a prefix)
     * get this answer (`body` may be a function of the request's record).
     */
    failNext: (route, status, body, times = 1) => scripted.push({ route, status, body, times }),
    reset,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
    isUuid: (s) => UUID_RE.test(s),
  };
}
