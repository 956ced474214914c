// A strict, local stand-in for the vendors the nodes talk to. One node:http server on 127.0.0.1 plays
//   - the mittwald mStudio API v2 (`/v2/articles`, `/v2/articles/{articleId}`, `/v2/extensions/{id}/order`,
//     and a few generated operations: `/v2/projects` (paginated), `/v2/projects/{id}` (GET, DELETE → 204),
//     `/v2/projects/{id}/filesystem-file-content` (a file download), `POST /v2/files` (a multipart upload))
//   - an Interworks Cloud service-management connector (`POST /API/Addon/Create|Update|Cancel`,
//     `/API/Subscriptions/Create|Update|Cancel|Suspend|Activate|UpgradeToPaid`)
//   - the Webgate Yamdu orders API (`/api/orders`, stateful: see mock-yamdu.mjs)
// It checks everything it receives the way the real service would (credentials, content type, query and
// body shape), answers in each vendor's own error format, and records every request in `requests`.
// Node built-ins only. It never throws on odd input: anything unexpected becomes a 500 in vendor format
// and is listed in `mock.errors`.

import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { createYamduMock, DEFAULT_YAMDU_TOKEN } from './mock-yamdu.mjs';

export const DEFAULT_MITTWALD_TOKEN = 'mittwald-test-token';
export const DEFAULT_INTERWORKS_APPLICATION_ID = '6f1c2a9e-1111-4a2b-9c3d-5e6f7a8b9c0d';
export const DEFAULT_INTERWORKS_API_KEY = 'interworks-test-key';

/** Ids with a fixed, scripted outcome. */
export const WELL_KNOWN = Object.freeze({
  /** POST /v2/extensions/<this>/order → 404 NotFound */
  missingExtensionId: '00000000-0000-4000-8000-000000000404',
  /** POST /v2/extensions/<this>/order → 412 (no payment method) */
  preconditionExtensionId: '00000000-0000-4000-8000-000000000412',
  /** customerId → 400 ValidationError at `.customerId` */
  invalidCustomerId: '00000000-0000-4000-8000-000000000400',
  /** projectId → 400 ValidationError at `.projectId` */
  invalidProjectId: '00000000-0000-4000-8000-000000000401',
  /** ServiceDefinition ID → Code -1 "not supported by default" */
  unsupportedSubscriptionId: 'unsupported',
});

/** Known marketplace extensions (any other valid uuid is accepted too). */
export const EXTENSIONS = Object.freeze([
  {
    id: '907a24e9-0723-4566-b584-86578419e983',
    name: 'Shopware Sync',
    scopes: ['project:read', 'project:write', 'domain:read'],
    variants: ['default', 'pro'],
  },
  {
    id: 'c1a9e2d4-5b6f-4a7e-8c9d-0e1f2a3b4c5d',
    name: 'Backup Monitor',
    scopes: ['backup:read'],
    variants: ['default'],
  },
]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ORDERABLE = ['forbidden', 'internal', 'beta_testing', 'full', 'deprecated'];
const ACTION_TYPES = ['None', 'Provision', 'Cancel', 'Suspend', 'Activate', 'Upgrade', 'Downgrade', 'UpgradeToPaid'];
/**
 * The connector's endpoints (WIRE.md "Routes"): documented path, the name its "not supported" message
 * uses, the subscription's ActionType, the ActionType of the add-ons it acts on (others are "None"),
 * whether add-ons are what it is about ('subject') or may come along ('optional').
 */
export const IW_ACTIONS = Object.freeze({
  addonCreate: { path: 'Addon/Create', label: 'AddonsCreate', parent: 'None', addon: 'Provision', addons: 'subject', needsId: true, creates: true },
  addonUpdate: { path: 'Addon/Update', label: 'AddonsUpdate', parent: 'None', addon: 'Provision', addons: 'subject', needsId: true },
  addonCancel: { path: 'Addon/Cancel', label: 'AddonsCancel', parent: 'None', addon: 'Cancel', addons: 'subject', needsId: true },
  subscriptionCreate: { path: 'Subscriptions/Create', label: 'SubscriptionsCreate', parent: 'Provision', addon: 'Provision', addons: 'optional', needsId: false, needsProduct: true, creates: true },
  subscriptionUpdate: { path: 'Subscriptions/Update', label: 'SubscriptionsUpdate', parent: 'Provision', addon: 'Provision', addons: 'optional', needsId: true },
  subscriptionCancel: { path: 'Subscriptions/Cancel', label: 'SubscriptionsCancel', parent: 'Cancel', addon: 'Cancel', addons: 'optional', needsId: true },
  subscriptionSuspend: { path: 'Subscriptions/Suspend', label: 'SubscriptionsSuspend', parent: 'Suspend', addon: 'Suspend', addons: 'optional', needsId: true },
  subscriptionActivate: { path: 'Subscriptions/Activate', label: 'SubscriptionsActivate', parent: 'Activate', addon: 'Activate', addons: 'optional', needsId: true },
  subscriptionUpgradeToPaid: { path: 'Subscriptions/UpgradeToPaid', label: 'SubscriptionsUpgradeToPaid', parent: 'UpgradeToPaid', addon: 'UpgradeToPaid', addons: 'optional', needsId: true },
});

// ---------------------------------------------------------------------------------------------------
// mittwald article data set (fields per de.mittwald.v1.article.ReadableArticle)

const TAG = {
  proSpace: { id: '4b6a1c52-2f1e-4b8e-9a0e-6d1f0c9b7a11', name: 'proSpace', description: 'proSpace hosting', hexColor: '#3a7bd5' },
  dedicated: { id: '9d2e5f70-83a1-4c6b-b2d4-1e0f9a8c7b22', name: 'dedicated', description: 'Dedicated resources', hexColor: '#00a86b' },
  cpu: { id: '58e39bbe-fcd1-4fde-887c-f49ff85b9df5', name: 'cpu-optimized', description: 'CPU optimized', hexColor: '#ff0000' },
  shared: { id: 'a3c4e5f6-0718-4293-a4b5-c6d7e8f90a33', name: 'shared', description: 'Shared resources', hexColor: '#999999' },
  spaceServer: { id: 'b7e8f901-2345-4678-9abc-def012345644', name: 'spaceServer', description: 'Space-Server', hexColor: '#6a0dad' },
  domain: { id: 'c9d0e1f2-3456-4789-abcd-ef0123456755', name: 'domain', description: 'Domains', hexColor: '#ffa500' },
  mail: { id: 'd1e2f3a4-5678-489a-bcde-f01234567866', name: 'mail', description: 'E-Mail', hexColor: '#1e90ff' },
  addon: { id: 'e2f3a4b5-6789-49ab-cdef-012345678977', name: 'addon', description: 'Add-on', hexColor: '#cccccc' },
  ssl: { id: 'f3a4b5c6-789a-4abc-def0-123456789a88', name: 'ssl', description: 'Certificates', hexColor: '#228b22' },
};

function template(id, name, type, description, extra = {}) {
  return { id, name, type, description, isRecurring: type !== 'setup_fee', isManagedByDomain: false, ...extra };
}

const TEMPLATE = {
  proSpace: template('054e27e4-d3ed-4ffc-a472-fbb74a6a2ec1', 'proSpace', 'base', 'Managed hosting with dedicated resources'),
  spaceServer: template('1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d', 'spaceServer', 'base', 'Space-Server'),
  domain: template('2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e', 'domain', 'miscellaneous', 'Domain registration', { isManagedByDomain: true }),
  mailArchive: template('3c4d5e6f-7a8b-4c3d-8e4f-5a6b7c8d9e0f', 'mailArchive', 'additional', 'Mail archive add-on'),
  ssl: template('4d5e6f7a-8b9c-4d4e-9f5a-6b7c8d9e0f1a', 'ssl', 'additional', 'SSL certificates'),
  setupFee: template('5e6f7a8b-9c0d-4e5f-8a6b-7c8d9e0f1a2b', 'setupFee', 'setup_fee', 'One-time setup fees'),
  storage: template('6f7a8b9c-0d1e-4f6a-9b7c-8d9e0f1a2b3c', 'storage', 'modifier', 'Speicher für Hosting aller Art'),
};

function machine(name, cpu, memory) {
  return { name, cpu, memory };
}

// ---------------------------------------------------------------------------------------------------
// mittwald projects (fields per de.mittwald.v1.project.Project / ProjectListItem) and their files

/** The customer of every default project but the last; the last belongs to OTHER_CUSTOMER_ID. */
export const PROJECT_CUSTOMER_ID = '15b8a787-8d46-43b0-907e-01af35032c0a';
export const OTHER_CUSTOMER_ID = '9e8d7c6b-5a49-4382-b1a0-fedcba987654';

export function defaultProjects() {
  const project = (n, description, extra = {}) => {
    const at = `2024-0${n}-01T10:00:00.000Z`;
    return {
      id: `a1b2c3d4-0000-4000-8000-00000000000${n}`,
      shortId: `p-abc10${n}`,
      description,
      enabled: true,
      customerId: PROJECT_CUSTOMER_ID,
      customerMeta: { id: PROJECT_CUSTOMER_ID },
      serverId: 'c3d4e5f6-0000-4000-8000-000000000001',
      serverGroupId: 'sg-1',
      createdAt: at,
      isReady: true,
      readiness: 'ready',
      status: 'ready',
      statusSetAt: at,
      webStorageUsageInBytes: n * 1024,
      webStorageUsageInBytesSetAt: at,
      backupStorageUsageInBytes: 0,
      backupStorageUsageInBytesSetAt: at,
      supportedFeatures: [],
      deletionRequested: false,
      directories: { '/': '/home/p-abc10' + n },
      ...extra,
    };
  };
  return [
    project(1, 'Shop production'),
    project(2, 'Shop staging'),
    project(3, 'Company blog'),
    project(4, 'Intranet', { enabled: false }),
    project(5, 'Landing pages', { customerId: OTHER_CUSTOMER_ID, customerMeta: { id: OTHER_CUSTOMER_ID } }),
  ];
}

/** Every byte value once, so any text decoding on the way shows up as changed bytes. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** projectId → path → { mimeType (as the server sends it), bytes } */
export function defaultProjectFiles() {
  const first = defaultProjects()[0].id;
  return {
    [first]: {
      '/html/invoices/2024-001.pdf': {
        mimeType: 'application/pdf',
        bytes: Buffer.concat([Buffer.from('%PDF-1.4\n'), ALL_BYTES, Buffer.from('\n%%EOF\n')]),
      },
      '/logs/access.log': { mimeType: 'text/plain; charset=utf-8', bytes: Buffer.from('GET / 200\nGET /shop 200 – ok\n') },
    },
  };
}

export function defaultArticles() {
  const a = [
    {
      articleId: 'PS23-BASIC-0001',
      name: 'proSpace lite',
      description: 'proSpace without dedicated resources',
      orderable: 'full',
      price: 1000,
      contractDurationInMonth: 1,
      hasIndependentContractPeriod: false,
      hideOnInvoice: false,
      machineType: machine('psplus-shared', '1', '2'),
      tags: [TAG.proSpace, TAG.shared],
      template: TEMPLATE.proSpace,
      attributes: [
        { key: 'cpu', value: '1', unit: 'vCPU', readonly: true, required: true },
        { key: 'storage', value: '20', unit: 'GB', mergeType: 'add', readonly: false },
      ],
      addons: [{ key: 'Varnish', value: 'disabled', type: 'config', hidden: false }],
      possibleArticleChanges: [{ articleId: 'PS23-PLUS-0004', info: { articleName: 'proSpace 4 vCPU', articleTemplateName: 'proSpace', fromArticleTemplate: true } }],
      modifierArticles: [{ articleId: 'STORAGE-0010', maxArticleCount: 10, info: { articleName: 'Speicher 10 GB', articleTemplateName: 'storage', fromArticleTemplate: true } }],
    },
    {
      articleId: 'PS23-PLUS-0004',
      name: 'proSpace 4 vCPU',
      description: 'proSpace with 4 dedicated vCPU',
      orderable: 'full',
      price: 4990,
      contractDurationInMonth: 1,
      machineType: machine('psplus-4', '4', '8'),
      tags: [TAG.proSpace, TAG.dedicated, TAG.cpu],
      template: TEMPLATE.proSpace,
      attributes: [
        { key: 'cpu', value: '4', unit: 'vCPU', readonly: true, required: true },
        { key: 'memory', value: '8', unit: 'GiB', readonly: true },
      ],
    },
    {
      articleId: 'PS23-PLUS-0008',
      name: 'proSpace 8 vCPU',
      description: 'proSpace with 8 dedicated vCPU (beta)',
      orderable: 'beta_testing',
      price: 8990,
      contractDurationInMonth: 1,
      machineType: machine('psplus-8', '8', '16'),
      tags: [TAG.proSpace, TAG.dedicated],
      template: TEMPLATE.proSpace,
      attributes: [{ key: 'cpu', value: '8', unit: 'vCPU', readonly: true, required: true }],
    },
    {
      articleId: 'SPACE-SERVER-0002',
      name: 'Space-Server S',
      description: 'Space-Server with 2 vCPU',
      orderable: 'internal',
      price: 3900,
      contractDurationInMonth: 12,
      machineType: machine('spaceserver-s', '2', '4'),
      tags: [TAG.spaceServer, TAG.dedicated],
      template: TEMPLATE.spaceServer,
      attributes: [{ key: 'servername', customerEditable: true, required: true }],
    },
    {
      articleId: 'DOM-DE-0001',
      name: 'Domain .de',
      description: 'Registration of a .de domain',
      orderable: 'full',
      price: 50,
      contractDurationInMonth: 12,
      forcedInvoicingPeriodInMonth: 12,
      tags: [TAG.domain],
      template: TEMPLATE.domain,
      attributes: [{ key: 'tld', value: 'de', readonly: true }],
    },
    {
      articleId: 'MAIL-ARCH-0001',
      name: 'Mail-Archiv',
      description: 'Revision-safe mail archive (discontinued)',
      orderable: 'deprecated',
      price: 200,
      contractDurationInMonth: 1,
      tags: [TAG.mail, TAG.addon],
      template: TEMPLATE.mailArchive,
    },
    {
      articleId: 'SSL-WILD-0001',
      name: 'SSL-Zertifikat Wildcard',
      description: 'Wildcard certificate',
      orderable: 'forbidden',
      price: 4900,
      contractDurationInMonth: 12,
      tags: [TAG.ssl],
      template: TEMPLATE.ssl,
    },
    {
      articleId: 'PS23-SETUP-0001',
      name: 'Einrichtungsgebühr proSpace',
      description: 'One-time setup fee',
      orderable: 'full',
      price: 0,
      contractDurationInMonth: 0,
      hideOnInvoice: true,
      tags: [TAG.proSpace],
      template: TEMPLATE.setupFee,
    },
    {
      articleId: 'STORAGE-0010',
      name: 'Speicher 10 GB',
      description: 'Additional 10 GB storage',
      orderable: 'full',
      price: 100,
      contractDurationInMonth: 1,
      tags: [TAG.addon],
      template: TEMPLATE.storage,
      attributes: [{ key: 'storage', value: '10', unit: 'GB', mergeType: 'add' }],
    },
  ];
  return structuredClone(a);
}

// ---------------------------------------------------------------------------------------------------
// helpers

function clone(v) {
  return v === undefined ? undefined : structuredClone(v);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function parseQuery(searchParams) {
  const query = {};
  for (const [k, v] of searchParams) {
    if (Object.prototype.hasOwnProperty.call(query, k)) {
      query[k] = Array.isArray(query[k]) ? [...query[k], v] : [query[k], v];
    } else {
      query[k] = v;
    }
  }
  return query;
}

function asList(v) {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function isJsonContentType(ct) {
  if (typeof ct !== 'string') return false;
  return /^application\/([a-z0-9.+-]*\+)?json\s*(;.*)?$/i.test(ct.trim());
}

/** Glob for route patterns: "POST /v2/extensions/*\/order". `*` = one path segment, `**` = anything. */
function compileRoute(pattern) {
  const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(pattern);
  if (!m) throw new Error(`route pattern must be "METHOD /path", got ${JSON.stringify(pattern)}`);
  const [, method, path] = m;
  const re = new RegExp(
    '^' +
      path
        .split(/(\*\*|\*)/)
        .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
  );
  const meth = method.toUpperCase();
  return (reqMethod, reqPath) => (meth === '*' || meth === reqMethod) && re.test(reqPath);
}

// ---------------------------------------------------------------------------------------------------

/**
 * @param {object} [options]
 * @param {string} [options.mittwaldToken]            expected x-access-token (or Bearer)
 * @param {boolean} [options.articlesRequireAuth]     false (the article routes are public in the spec)
 * @param {number} [options.maxPageSize]              server-side cap on `limit` (default 1000)
 * @param {number} [options.defaultLimit]             limit when the client sends none (default 1000)
 * @param {object[]} [options.articles]               replaces the default article data set
 * @param {string} [options.interworksApplicationId]
 * @param {string} [options.interworksApiKey]
 * @param {'base64'|'plain'} [options.interworksApiKeyEncoding]  how the APIKey header carries the key
 * @param {string} [options.interworksBasePath]       default '/API'
 * @param {string} [options.interworksAddonCreatePath] route of Addon Create under the base path (default 'Addon/Create')
 * @param {Record<string,string>} [options.interworksPaths] route per action (keys of IW_ACTIONS) under the base path
 * @param {string} [options.yamduToken]              the bearer token the Yamdu API accepts
 */
/**
 * A multipart/form-data body's parts: `{ head (the header lines as sent), headers (lower-case names),
 * data (Buffer) }` each.
 */
export function multipartParts(raw, boundary) {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts = [];
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = raw.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('latin1');
    const headers = {};
    for (const line of head.split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ head, headers, data: Buffer.from(part.subarray(split + 4)) });
    start = next;
  }
  return parts;
}

export async function startMockMarketplace(options = {}) {
  const cfg = {
    mittwaldToken: options.mittwaldToken ?? DEFAULT_MITTWALD_TOKEN,
    articlesRequireAuth: options.articlesRequireAuth ?? false,
    maxPageSize: options.maxPageSize ?? 1000,
    defaultLimit: options.defaultLimit ?? 1000,
    interworksApplicationId: options.interworksApplicationId ?? DEFAULT_INTERWORKS_APPLICATION_ID,
    interworksApiKey: options.interworksApiKey ?? DEFAULT_INTERWORKS_API_KEY,
    interworksApiKeyEncoding: options.interworksApiKeyEncoding ?? 'base64',
    interworksBasePath: (options.interworksBasePath ?? '/API').replace(/\/+$/, ''),
    interworksAddonCreatePath: '/' + (options.interworksAddonCreatePath ?? 'Addon/Create').replace(/^\/+|\/+$/g, ''),
  };
  cfg.interworksPaths = Object.fromEntries(
    Object.entries(IW_ACTIONS).map(([action, rule]) => [action, (options.interworksPaths?.[action] ?? rule.path).replace(/^\/+|\/+$/g, '')]),
  );
  if (options.interworksAddonCreatePath !== undefined) cfg.interworksPaths.addonCreate = cfg.interworksAddonCreatePath.slice(1);
  const initialArticles = options.articles ? clone(options.articles) : defaultArticles();

  const requests = [];
  const errors = [];
  /** @type {{match: Function, pattern: string, response: object, remaining: number}[]} */
  let scripted = [];
  const data = {
    articles: clone(initialArticles),
    extensions: clone(EXTENSIONS),
    orders: [],
    projects: defaultProjects(),
    projectFiles: defaultProjectFiles(),
    /** POST /v2/files: { id, token, fileName, mimeType, bytes (Buffer) } */
    uploads: [],
    interworksAddons: [],
    interworksCalls: [],
    config: cfg,
    wellKnown: WELL_KNOWN,
  };
  const yamdu = createYamduMock({ token: options.yamduToken ?? DEFAULT_YAMDU_TOKEN, send });

  function reset() {
    requests.length = 0;
    errors.length = 0;
    scripted = [];
    data.articles = clone(initialArticles);
    data.orders = [];
    data.projects = defaultProjects();
    data.projectFiles = defaultProjectFiles();
    data.uploads = [];
    data.interworksAddons = [];
    data.interworksCalls = [];
    yamdu.reset();
  }

  /**
   * The next `times` requests matching `route` ("METHOD /path", `*` = one segment) get this response
   * instead of the normal handling. response: { status, headers?, body? (object → JSON, string → raw),
   * destroy?: true (drop the connection without answering), delayMs? }.
   */
  function failNext(route, response, times = 1) {
    scripted.push({ pattern: route, match: compileRoute(route), response: { status: 500, ...response }, remaining: times });
  }

  /** Requests whose "METHOD /path" matches the pattern. */
  function requestsFor(route) {
    const match = compileRoute(route);
    return requests.filter((r) => match(r.method, r.path));
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      Promise.resolve()
        .then(() => handle(req, res, Buffer.concat(chunks)))
        .catch((err) => {
          errors.push(err);
          try {
            if (!res.headersSent) send(res, 500, { type: 'InternalServerError', message: `mock failure: ${err && err.message}` });
            else res.end();
          } catch {
            /* ignore */
          }
        });
    });
  });
  server.on('clientError', (err, socket) => {
    try {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } catch {
      /* ignore */
    }
  });

  async function handle(req, res, raw) {
    const method = (req.method || '').toUpperCase();
    let url;
    try {
      url = new URL(req.url || '/', 'http://127.0.0.1');
    } catch {
      url = new URL('http://127.0.0.1/');
    }
    // Keep the raw (still percent-encoded) path as sent; URL() does not decode it.
    const rawPath = (req.url || '/').split('?')[0].split('#')[0];
    const text = raw.toString('utf8');
    let body;
    let bodyIsJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(text);
        bodyIsJson = true;
      } catch {
        body = text;
      }
    }
    const record = {
      method,
      path: rawPath,
      query: parseQuery(url.searchParams),
      rawQuery: url.search.replace(/^\?/, ''),
      headers: { ...req.headers },
      body,
      rawBody: text,
      raw,
      bodyIsJson,
      time: Date.now(),
    };
    requests.push(record);

    // scripted failures come first
    const s = scripted.find((x) => x.remaining > 0 && x.match(method, rawPath));
    if (s) {
      s.remaining -= 1;
      const r = s.response;
      if (r.delayMs) await new Promise((ok) => setTimeout(ok, r.delayMs));
      if (r.destroy) {
        req.socket.destroy();
        return;
      }
      const headers = { ...(r.headers || {}) };
      let payload = r.body;
      if (payload !== undefined && typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
        payload = JSON.stringify(payload);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      }
      res.writeHead(r.status, headers);
      res.end(payload === undefined ? undefined : payload);
      return;
    }

    if (yamdu.handles(rawPath)) return yamdu.handle(res, record);
    if (rawPath === '/v2' || rawPath.startsWith('/v2/')) return mittwald(req, res, record, method, rawPath, url);
    const ib = cfg.interworksBasePath;
    if (rawPath.toLowerCase().startsWith(ib.toLowerCase() + '/')) return interworks(req, res, record, method, rawPath.slice(ib.length));
    send(res, 404, { type: 'NotFound', message: `no route for ${method} ${rawPath}` });
  }

  // -------------------------------------------------------------------------------------------------
  // mittwald

  function mwAuth(record) {
    const token = record.headers['x-access-token'];
    const authz = record.headers['authorization'];
    let presented;
    if (typeof token === 'string' && token !== '') presented = token;
    else if (typeof authz === 'string' && /^Bearer\s+/i.test(authz)) presented = authz.replace(/^Bearer\s+/i, '');
    if (presented === undefined) return { ok: false, missing: true };
    return { ok: presented === cfg.mittwaldToken, missing: false };
  }

  function mwUnauthorized(res, auth) {
    if (auth.missing) return send(res, 401, { type: 'UnauthorizedError', message: 'access token missing' });
    return send(res, 401, { type: 'UnauthorizedError', message: 'access token invalid or expired' });
  }

  function mwValidation(res, validationErrors) {
    return send(res, 400, { type: 'ValidationError', message: 'Validation failed', validationErrors });
  }

  function mittwald(req, res, record, method, rawPath, url) {
    let m;
    if (rawPath === '/v2/articles') {
      if (method !== 'GET') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed on /v2/articles` }, { allow: 'GET' });
      return listArticles(res, record, url);
    }
    if ((m = /^\/v2\/articles\/([^/]+)$/.exec(rawPath))) {
      if (method !== 'GET') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'GET' });
      return getArticle(res, record, m[1]);
    }
    if ((m = /^\/v2\/extensions\/([^/]+)\/order$/.exec(rawPath))) {
      if (method !== 'POST') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'POST' });
      return orderExtension(res, record, m[1]);
    }
    if (rawPath === '/v2/projects') {
      if (method !== 'GET') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'GET' });
      return listProjects(res, record, url);
    }
    if ((m = /^\/v2\/projects\/([^/]+)$/.exec(rawPath))) {
      if (method === 'GET') return getProject(res, record, m[1]);
      if (method === 'DELETE') return deleteProject(res, record, m[1]);
      return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'GET, DELETE' });
    }
    if (rawPath === '/v2/files') {
      if (method !== 'POST') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'POST' });
      return createFile(res, record);
    }
    if ((m = /^\/v2\/projects\/([^/]+)\/filesystem-file-content$/.exec(rawPath))) {
      if (method !== 'GET') return send(res, 405, { type: 'MethodNotAllowed', message: `${method} not allowed` }, { allow: 'GET' });
      return projectFileContent(res, record, m[1]);
    }
    return send(res, 404, { type: 'NotFound', message: `route ${method} ${rawPath} not found` });
  }

  /** Auth plus "no unknown query parameters"; sends the error and returns false when either fails. */
  function mwCheck(res, record, allowedQuery) {
    const auth = mwAuth(record);
    if (!auth.ok) {
      mwUnauthorized(res, auth);
      return false;
    }
    const unknown = Object.keys(record.query).filter((k) => !allowedQuery.includes(k));
    if (unknown.length) {
      mwValidation(res, unknown.map((k) => ({ message: `unknown query parameter '${k}'`, path: `.query.${k}`, type: 'additionalProperties' })));
      return false;
    }
    return true;
  }

  function findProject(res, rawId) {
    let id;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      id = rawId;
    }
    const project = data.projects.find((p) => p.id === id || p.shortId === id);
    if (!project) send(res, 403, { type: 'PermissionDenied', message: `project '${id}' not found or not accessible` });
    return project;
  }

  function listProjects(res, record) {
    if (!mwCheck(res, record, ['customerId', 'serverId', 'searchTerm', 'limit', 'skip', 'page', 'sort', 'order'])) return;
    const q = record.query;
    const errs = [];
    const int = (name) => {
      if (q[name] === undefined) return undefined;
      if (typeof q[name] !== 'string' || !/^\d+$/.test(q[name])) {
        errs.push({ message: 'must be integer >= 0', path: `.query.${name}`, type: 'type' });
        return undefined;
      }
      return Number(q[name]);
    };
    const limitIn = int('limit');
    const skipIn = int('skip');
    const pageIn = int('page');
    for (const [name, allowed] of [['sort', ['createdAt', 'description']], ['order', ['asc', 'desc']]]) {
      if (q[name] !== undefined && !allowed.includes(q[name])) {
        errs.push({ message: 'must be equal to one of the allowed values', path: `.query.${name}`, type: 'enum', context: { allowedValues: allowed.join(',') } });
      }
    }
    if (q.serverId !== undefined && !UUID_RE.test(String(q.serverId))) {
      errs.push({ message: 'must match format "uuid"', path: '.query.serverId', type: 'format', context: { format: 'uuid' } });
    }
    if (errs.length) return mwValidation(res, errs);
    const term = typeof q.searchTerm === 'string' ? q.searchTerm.toLowerCase() : '';
    let list = data.projects.filter(
      (p) =>
        (q.customerId === undefined || p.customerId === q.customerId) &&
        (q.serverId === undefined || p.serverId === q.serverId) &&
        (!term || [p.id, p.shortId, p.description].some((f) => f.toLowerCase().includes(term))),
    );
    const key = q.sort ?? 'createdAt';
    list.sort((a, b) => String(a[key]).localeCompare(String(b[key])) * (q.order === 'desc' ? -1 : 1));
    const total = list.length;
    const limit = Math.min(limitIn ?? 10000, cfg.maxPageSize);
    const skip = skipIn ?? (pageIn ? (pageIn - 1) * limit : 0);
    list = list.slice(skip, skip + limit).map(({ directories, ...item }) => item);
    send(res, 200, list, {
      'x-pagination-limit': String(limit),
      'x-pagination-skip': String(skip),
      'x-pagination-totalcount': String(total),
    });
  }

  function getProject(res, record, rawId) {
    if (!mwCheck(res, record, [])) return;
    const project = findProject(res, rawId);
    if (!project) return;
    const { customerMeta, deletionRequested, ...json } = project;
    send(res, 200, json);
  }

  function deleteProject(res, record, rawId) {
    if (!mwCheck(res, record, [])) return;
    const project = findProject(res, rawId);
    if (!project) return;
    data.projects = data.projects.filter((p) => p !== project);
    res.writeHead(204);
    res.end();
  }

  /** The file's bytes; `Content-Disposition: attachment; filename=…` unless `inline=true`. */
  /** POST /v2/files: one multipart part "file" with a file name; the upload token in the Token header. */
  function createFile(res, record) {
    if (!mwCheck(res, record, [])) return;
    const token = record.headers.token;
    if (typeof token !== 'string' || !UUID_RE.test(token)) {
      return mwValidation(res, [{ message: 'must be a uuid', path: '.header.Token', type: 'format' }]);
    }
    const boundary = /^multipart\/form-data;\s*boundary=([^;]+)$/.exec(record.headers['content-type'] ?? '')?.[1];
    if (!boundary) return mwValidation(res, [{ message: 'must be multipart/form-data', path: '.body', type: 'content-type' }]);
    const parts = multipartParts(record.raw, boundary);
    const file = parts.length === 1 ? parts[0] : null;
    const disposition = file && /^form-data; name="file"; filename="([^"]+)"$/.exec(file.headers['content-disposition'] ?? '');
    if (!disposition || !file.headers['content-type']) {
      return mwValidation(res, [{ message: 'must have exactly one file part "file" with a file name and a type', path: '.body.file', type: 'required' }]);
    }
    const upload = { id: randomUUID(), token, fileName: disposition[1], mimeType: file.headers['content-type'], bytes: file.data };
    data.uploads.push(upload);
    return send(res, 201, { id: upload.id });
  }

  function projectFileContent(res, record, rawId) {
    if (!mwCheck(res, record, ['file', 'inline'])) return;
    const { file, inline } = record.query;
    if (inline !== undefined && inline !== 'true' && inline !== 'false') {
      return mwValidation(res, [{ message: 'must be boolean', path: '.query.inline', type: 'type' }]);
    }
    if (typeof file !== 'string' || file === '') {
      return mwValidation(res, [{ message: "must have required property 'file'", path: '.query.file', type: 'required' }]);
    }
    const project = findProject(res, rawId);
    if (!project) return;
    const found = data.projectFiles[project.id]?.[file];
    if (!found) return send(res, 404, { type: 'NotFound', message: `file '${file}' not found` });
    const name = file.split('/').pop();
    res.writeHead(200, {
      'content-type': found.mimeType,
      'content-length': found.bytes.length,
      'content-disposition': inline === 'true' ? 'inline' : `attachment; filename="${name}"`,
    });
    res.end(found.bytes);
  }

  function publicAuthCheck(res, record) {
    const auth = mwAuth(record);
    if (cfg.articlesRequireAuth && !auth.ok) {
      mwUnauthorized(res, auth);
      return false;
    }
    // A token that is sent must be valid, even on public routes.
    if (!auth.missing && !auth.ok) {
      mwUnauthorized(res, auth);
      return false;
    }
    return true;
  }

  function listArticles(res, record, url) {
    if (!publicAuthCheck(res, record)) return;
    const allowed = new Set(['customerId', 'tags', 'templateNames', 'articleIds', 'orderable', 'name', 'limit', 'skip', 'page']);
    const errs = [];
    for (const key of new Set(url.searchParams.keys())) {
      if (!allowed.has(key)) {
        errs.push({ message: `unknown query parameter '${key}'`, path: `.query.${key}`, type: 'additionalProperties', context: { additionalProperty: key } });
      }
    }
    const q = record.query;
    const intParam = (name, min) => {
      if (q[name] === undefined) return undefined;
      if (Array.isArray(q[name])) {
        errs.push({ message: 'must be integer', path: `.query.${name}`, type: 'type' });
        return undefined;
      }
      if (!/^-?\d+$/.test(q[name])) {
        errs.push({ message: 'must be integer', path: `.query.${name}`, type: 'type' });
        return undefined;
      }
      const n = Number(q[name]);
      if (min !== undefined && n < min) {
        errs.push({ message: `must be >= ${min}`, path: `.query.${name}`, type: 'minimum', context: { comparison: '>=', limit: String(min) } });
        return undefined;
      }
      return n;
    };
    const limitIn = intParam('limit', 0);
    const skipIn = intParam('skip', 0);
    const pageIn = intParam('page', 0);
    const orderable = asList(q.orderable);
    orderable.forEach((o, i) => {
      if (!ORDERABLE.includes(o)) {
        errs.push({ message: 'must be equal to one of the allowed values', path: `.query.orderable[${i}]`, type: 'enum', context: { allowedValues: ORDERABLE.join(',') } });
      }
    });
    if (Array.isArray(q.name)) errs.push({ message: 'must be string', path: '.query.name', type: 'type' });
    if (errs.length) return mwValidation(res, errs);

    const tags = asList(q.tags);
    const templateNames = asList(q.templateNames);
    const articleIds = asList(q.articleIds);
    const name = typeof q.name === 'string' ? q.name.toLowerCase() : '';
    let list = data.articles.filter((a) => {
      if (tags.length && !(a.tags || []).some((t) => tags.includes(t.name) || tags.includes(t.id))) return false;
      if (templateNames.length && !templateNames.includes(a.template && a.template.name)) return false;
      if (articleIds.length && !articleIds.includes(a.articleId)) return false;
      if (orderable.length && !orderable.includes(a.orderable)) return false;
      if (name && !String(a.name).toLowerCase().includes(name)) return false;
      return true;
    });
    const total = list.length;
    const limit = Math.min(limitIn ?? cfg.defaultLimit, cfg.maxPageSize);
    let skip = 0;
    if (skipIn !== undefined) skip = skipIn;
    else if (pageIn !== undefined && pageIn > 0) skip = (pageIn - 1) * limit;
    list = list.slice(skip, skip + limit);
    const page = limit > 0 ? Math.floor(skip / limit) + 1 : 1;
    send(res, 200, list, {
      'x-pagination-limit': String(limit),
      'x-pagination-skip': String(skip),
      'x-pagination-page': String(page),
      'x-pagination-totalcount': String(total),
    });
  }

  function getArticle(res, record, rawId) {
    if (!publicAuthCheck(res, record)) return;
    let id;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      return mwValidation(res, [{ message: 'malformed percent-encoding', path: '.articleId', type: 'format' }]);
    }
    record.articleId = id;
    const unknown = Object.keys(record.query).filter((k) => k !== 'customerId');
    if (unknown.length) {
      return mwValidation(res, unknown.map((k) => ({ message: `unknown query parameter '${k}'`, path: `.query.${k}`, type: 'additionalProperties' })));
    }
    const article = data.articles.find((a) => a.articleId === id);
    if (!article) return send(res, 404, { type: 'NotFound', message: `Article with ID '${id}' not found.` });
    send(res, 200, article);
  }

  function orderExtension(res, record, rawId) {
    const auth = mwAuth(record);
    if (!auth.ok) return mwUnauthorized(res, auth);
    let extensionId;
    try {
      extensionId = decodeURIComponent(rawId);
    } catch {
      extensionId = rawId;
    }
    record.extensionId = extensionId;
    if (!isJsonContentType(record.headers['content-type'])) {
      return send(res, 415, { type: 'UnsupportedMediaType', message: `content-type must be application/json, got ${JSON.stringify(record.headers['content-type'] ?? null)}` });
    }
    const errs = [];
    if (!UUID_RE.test(extensionId)) {
      errs.push({ message: 'must match format "uuid"', path: '.params.extensionId', type: 'format', context: { format: 'uuid' } });
    }
    if (Object.keys(record.query).length) {
      for (const k of Object.keys(record.query)) errs.push({ message: `unknown query parameter '${k}'`, path: `.query.${k}`, type: 'additionalProperties' });
    }
    if (!record.bodyIsJson) {
      errs.push({ message: record.rawBody === '' ? 'request body is required' : 'request body is not valid JSON', path: '', type: 'parse' });
      return mwValidation(res, errs);
    }
    errs.push(...validateOrderBody(record.body));
    if (errs.length) return mwValidation(res, errs);

    const body = record.body;
    if (extensionId === WELL_KNOWN.missingExtensionId) return send(res, 404, { type: 'NotFound', message: `Extension ${extensionId} not found.` });
    if (extensionId === WELL_KNOWN.preconditionExtensionId) {
      return send(res, 412, { type: 'PreconditionFailed', message: 'No saved payment method for this customer.' });
    }
    if (body.customerId === WELL_KNOWN.invalidCustomerId) {
      return mwValidation(res, [{ message: 'customer not found or not accessible', path: '.customerId', type: 'customer_not_found' }]);
    }
    if (body.projectId === WELL_KNOWN.invalidProjectId) {
      return mwValidation(res, [{ message: 'project not found or not accessible', path: '.projectId', type: 'project_not_found' }]);
    }
    const ext = data.extensions.find((e) => e.id.toLowerCase() === extensionId.toLowerCase());
    if (ext && body.variantKey !== undefined && !ext.variants.includes(body.variantKey)) {
      return mwValidation(res, [{ message: `unknown variant '${body.variantKey}'`, path: '.variantKey', type: 'variant_not_found' }]);
    }
    data.orders.push({ extensionId, ...clone(body) });
    send(res, 201, {});
  }

  /** JSON-schema oneOf check of the order body, with ajv-style errors. */
  function validateOrderBody(body) {
    if (!isPlainObject(body)) return [{ message: 'must be object', path: '', type: 'type', context: { type: 'object' } }];
    const errs = [];
    const known = ['consentedScopes', 'customerId', 'projectId', 'variantKey'];
    for (const k of Object.keys(body)) {
      if (!known.includes(k)) errs.push({ message: 'must NOT have additional properties', path: '', type: 'additionalProperties', context: { additionalProperty: k } });
    }
    if (!('consentedScopes' in body)) {
      errs.push({ message: "must have required property 'consentedScopes'", path: '', type: 'required', context: { missingProperty: 'consentedScopes' } });
    } else if (!Array.isArray(body.consentedScopes)) {
      errs.push({ message: 'must be array', path: '.consentedScopes', type: 'type', context: { type: 'array' } });
    } else {
      body.consentedScopes.forEach((s, i) => {
        if (typeof s !== 'string') errs.push({ message: 'must be string', path: `.consentedScopes[${i}]`, type: 'type', context: { type: 'string' } });
      });
    }
    for (const k of ['customerId', 'projectId']) {
      if (!(k in body)) continue;
      if (typeof body[k] !== 'string') errs.push({ message: 'must be string', path: `.${k}`, type: 'type', context: { type: 'string' } });
      else if (!UUID_RE.test(body[k])) errs.push({ message: 'must match format "uuid"', path: `.${k}`, type: 'format', context: { format: 'uuid' } });
    }
    const hasC = 'customerId' in body;
    const hasP = 'projectId' in body;
    if (hasC === hasP) {
      errs.push({
        message: hasC ? 'must match exactly one schema in oneOf (both customerId and projectId given)' : 'must match exactly one schema in oneOf (customerId or projectId is required)',
        path: '',
        type: 'oneOf',
        context: { passingSchemas: hasC ? '0,1' : '' },
      });
    }
    if ('variantKey' in body) {
      if (typeof body.variantKey !== 'string') errs.push({ message: 'must be string', path: '.variantKey', type: 'type', context: { type: 'string' } });
      else if (body.variantKey.trim() === '') errs.push({ message: 'must NOT have fewer than 1 characters', path: '.variantKey', type: 'minLength', context: { limit: '1' } });
    }
    return errs;
  }

  // -------------------------------------------------------------------------------------------------
  // Interworks connector

  function iwResult(res, code, message, result = null, status = 200) {
    send(res, status, {
      Code: code,
      Message: message,
      Result: result,
      AccountExtraInfo: null,
      CustomFieldValues: null,
      SendNotification: false,
      ExtraInfo: {},
    });
  }

  /** The connector action a route (under the base path) belongs to: the configured path or the documented one. */
  function iwActionOf(route) {
    const r = route.toLowerCase().replace(/\/+$/, '');
    for (const [action, rule] of Object.entries(IW_ACTIONS)) {
      if (r === `/${cfg.interworksPaths[action]}`.toLowerCase() || r === `/${rule.path}`.toLowerCase()) return action;
    }
    return null;
  }

  function interworks(req, res, record, method, route) {
    const action = iwActionOf(route);
    if (!action) return send(res, 404, { Message: `No HTTP resource was found that matches the request URI '${record.path}'.` });
    if (method !== 'POST') return send(res, 405, { Message: `The requested resource does not support http method '${method}'.` }, { allow: 'POST' });
    record.interworksAction = action;

    // authentication
    const appId = record.headers['x-cloudplatform-applicationid'];
    const keyHeader = record.headers['x-cloudplatform-apikey'];
    const denied = (why) => {
      record.authFailure = why;
      send(res, 401, { Message: 'Authorization has been denied for this request.' });
    };
    if (typeof appId !== 'string' || appId === '') return denied('missing X-CloudPlatform-ApplicationId');
    if (appId.toLowerCase() !== cfg.interworksApplicationId.toLowerCase()) return denied('unknown application id');
    if (typeof keyHeader !== 'string' || keyHeader === '') return denied('missing X-CloudPlatform-APIKey');
    let presentedKey = keyHeader;
    if (cfg.interworksApiKeyEncoding === 'base64') {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyHeader) || keyHeader.length % 4 !== 0) return denied('API key header is not base64');
      presentedKey = Buffer.from(keyHeader, 'base64').toString('utf8');
    }
    if (presentedKey !== cfg.interworksApiKey) return denied('wrong API key');

    if (!isJsonContentType(record.headers['content-type'])) {
      return send(res, 415, { Message: `The request entity's media type '${record.headers['content-type'] ?? ''}' is not supported for this resource.` });
    }
    const rule = IW_ACTIONS[action];
    if (!record.bodyIsJson) return iwResult(res, 1, 'Request body is not valid JSON');
    const problems = validateServiceDefinition(record.body, rule);
    if (problems.length) return iwResult(res, 1, `Invalid ServiceDefinition: ${problems.join('; ')}`);
    if (record.body.ID === WELL_KNOWN.unsupportedSubscriptionId) {
      return iwResult(res, -1, `${rule.label} functionality is not supported by default`);
    }
    // A create answers the new external ID; every other call the subscription's own (as the SDK sample does).
    const result = rule.creates ? randomUUID() : record.body.ID;
    if (action === 'addonCreate') data.interworksAddons.push({ externalId: result, request: clone(record.body) });
    data.interworksCalls.push({ action, result, request: clone(record.body) });
    iwResult(res, 0, '', result);
  }

  /** Checks a ServiceDefinition the way a .NET connector would read it, plus the ActionType rules of `rule`. */
  function validateServiceDefinition(sd, rule) {
    const p = [];
    if (!isPlainObject(sd)) return [`body must be a JSON object, got ${jsonType(sd)}`];
    const optString = (obj, key, where) => {
      if (key in obj && obj[key] !== null && typeof obj[key] !== 'string') p.push(`${where}${key} must be a string, got ${jsonType(obj[key])}`);
    };
    const optBool = (obj, key, where) => {
      if (key in obj && obj[key] !== null && typeof obj[key] !== 'boolean') p.push(`${where}${key} must be a boolean, got ${jsonType(obj[key])}`);
    };
    const optStringMap = (obj, key, where) => {
      if (!(key in obj) || obj[key] === null) return;
      if (!isPlainObject(obj[key])) return p.push(`${where}${key} must be an object map, got ${jsonType(obj[key])}`);
      for (const [k, v] of Object.entries(obj[key])) {
        if (v !== null && typeof v !== 'string') p.push(`${where}${key}.${k} must be a string, got ${jsonType(v)}`);
      }
    };
    const attributeList = (obj, where) => {
      if (!('AttributeList' in obj) || obj.AttributeList === null) return;
      const al = obj.AttributeList;
      if (!isPlainObject(al)) return p.push(`${where}AttributeList must be an object map keyed by attribute id, got ${jsonType(al)}`);
      for (const [k, v] of Object.entries(al)) {
        const w = `${where}AttributeList.${k}.`;
        if (!isPlainObject(v)) {
          p.push(`${w.slice(0, -1)} must be an object, got ${jsonType(v)}`);
          continue;
        }
        for (const f of ['ID', 'Name', 'Value', 'Code']) optString(v, f, w);
        optBool(v, 'QuantityLinked', w);
        optStringMap(v, 'ExtraParameters', w);
        if (typeof v.ID === 'string' && v.ID !== k) p.push(`${w}ID (${JSON.stringify(v.ID)}) must equal its key`);
      }
    };

    if (rule.needsId) {
      if (typeof sd.ID !== 'string' || sd.ID.trim() === '') p.push(`ID must be a non-empty string, got ${jsonType(sd.ID)}`);
    } else optString(sd, 'ID', '');
    for (const f of ['SubscriptionID', 'OriginalSubscriptionID', 'Name', 'ServiceType', 'ProductID']) optString(sd, f, '');
    if (sd.ActionType !== rule.parent) p.push(`ActionType of the subscription must be "${rule.parent}" for ${rule.label}, got ${JSON.stringify(sd.ActionType)}`);
    if ('Quantity' in sd && sd.Quantity !== null && !Number.isInteger(sd.Quantity)) p.push(`Quantity must be an integer, got ${JSON.stringify(sd.Quantity)}`);
    if (rule.needsProduct) {
      if (typeof sd.ProductID !== 'string' || sd.ProductID.trim() === '') p.push(`ProductID must be a non-empty string for ${rule.label}, got ${jsonType(sd.ProductID)}`);
      if (!Number.isInteger(sd.Quantity) || sd.Quantity < 1) p.push(`Quantity must be an integer of at least 1 for ${rule.label}, got ${JSON.stringify(sd.Quantity)}`);
    }
    if ('Account' in sd && sd.Account !== null && !isPlainObject(sd.Account)) p.push(`Account must be an object, got ${jsonType(sd.Account)}`);
    attributeList(sd, '');
    for (const f of ['AllowMultipleSubscriptions', 'IsFromOrder', 'CheckOverusage', 'IsTrial', 'CheckOnly']) optBool(sd, f, '');
    if ('BillingCycle' in sd && sd.BillingCycle !== null) {
      if (!isPlainObject(sd.BillingCycle)) p.push(`BillingCycle must be an object, got ${jsonType(sd.BillingCycle)}`);
      else {
        optString(sd.BillingCycle, 'Duration', 'BillingCycle.');
        optString(sd.BillingCycle, 'DurationType', 'BillingCycle.');
      }
    }
    if ('Derivative' in sd && sd.Derivative !== null && !(Number.isInteger(sd.Derivative) && sd.Derivative >= 0 && sd.Derivative <= 4)) {
      p.push(`Derivative must be an integer 0..4, got ${JSON.stringify(sd.Derivative)}`);
    }
    optStringMap(sd, 'CustomFieldValues', '');
    optStringMap(sd, 'ExtraDetails', '');
    if ('RequestedBy' in sd && sd.RequestedBy !== null) {
      const rb = sd.RequestedBy;
      if (!isPlainObject(rb)) p.push(`RequestedBy must be an object, got ${jsonType(rb)}`);
      else {
        if ('ID' in rb && rb.ID !== null && !Number.isInteger(rb.ID)) p.push(`RequestedBy.ID must be an integer, got ${JSON.stringify(rb.ID)}`);
        if ('Type' in rb && rb.Type !== null && !['BSS', 'Storefront', 'API', 'Unknown'].includes(rb.Type)) p.push(`RequestedBy.Type must be BSS|Storefront|API|Unknown, got ${JSON.stringify(rb.Type)}`);
      }
    }

    const subject = rule.addons === 'subject';
    if (!subject && (!('Addons' in sd) || sd.Addons === null)) return p;
    if (!Array.isArray(sd.Addons)) {
      p.push(`Addons must be an array, got ${jsonType(sd.Addons)}`);
    } else if (subject && sd.Addons.length === 0) {
      p.push('Addons must contain at least one add-on');
    } else {
      let acted = 0;
      sd.Addons.forEach((a, i) => {
        const w = `Addons[${i}].`;
        if (!isPlainObject(a)) return p.push(`Addons[${i}] must be an object, got ${jsonType(a)}`);
        if (typeof a.ProductID !== 'string' || a.ProductID.trim() === '') p.push(`${w}ProductID must be a non-empty string, got ${jsonType(a.ProductID)}`);
        optString(a, 'ID', w);
        optString(a, 'Name', w);
        if ('ParentID' in a && a.ParentID !== null) {
          if (typeof a.ParentID !== 'string') p.push(`${w}ParentID must be a string`);
          else if (typeof sd.ID === 'string' && a.ParentID !== sd.ID) p.push(`${w}ParentID must equal the subscription ID`);
        }
        if (typeof a.ActionType !== 'string' || !ACTION_TYPES.includes(a.ActionType)) {
          p.push(`${w}ActionType must be one of ${ACTION_TYPES.join('|')} as a string, got ${JSON.stringify(a.ActionType)}`);
        } else if (a.ActionType === rule.addon) acted += 1;
        else if (a.ActionType !== 'None') p.push(`${w}ActionType must be "${rule.addon}" (or "None" for untouched add-ons) in ${rule.label}, got "${a.ActionType}"`);
        if (!Number.isInteger(a.Quantity)) p.push(`${w}Quantity must be an integer, got ${JSON.stringify(a.Quantity)}`);
        else if (a.ActionType === 'Provision' && a.Quantity < 1) p.push(`${w}Quantity must be at least 1, got ${a.Quantity}`);
        else if (a.Quantity < 0) p.push(`${w}Quantity must not be negative, got ${a.Quantity}`);
        attributeList(a, w);
        optStringMap(a, 'ExtraDetails', w);
      });
      if (subject && acted === 0 && sd.Addons.every((a) => isPlainObject(a) && a.ActionType === 'None')) {
        p.push(`at least one add-on must have ActionType "${rule.addon}"`);
      }
    }
    return p;
  }

  // -------------------------------------------------------------------------------------------------

  function send(res, status, body, headers = {}) {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;

  async function close() {
    await new Promise((resolve) => {
      server.close(() => resolve());
      if (typeof server.closeAllConnections === 'function') server.closeAllConnections();
    });
  }

  return {
    url,
    port,
    requests,
    errors,
    data,
    wellKnown: WELL_KNOWN,
    yamdu,
    credentials: {
      mittwald: { apiToken: cfg.mittwaldToken, baseUrl: url },
      interworks: {
        baseUrl: `${url}${cfg.interworksBasePath}`,
        applicationId: cfg.interworksApplicationId,
        apiKey: cfg.interworksApiKey,
        apiKeyEncoding: cfg.interworksApiKeyEncoding,
        ...Object.fromEntries(Object.entries(cfg.interworksPaths).map(([action, path]) => [`${action}Path`, path])),
      },
      yamdu: { baseUrl: url, accessToken: yamdu.token },
    },
    reset,
    failNext,
    requestsFor,
    close,
  };
}
