'use strict';
// Plain JavaScript API: works in any host with WebAssembly and fetch (Node >= 18, Deno, Bun;
// browsers and workers through a bundler). Needs nothing from n8n.

const runtime = require('./runtime.js');
const adapter = require('./adapter.js');

/** Error thrown by `execute` when an item (or the vendor API) fails. */
class NodeExecutionError extends Error {
  constructor(error) {
    super(error.message);
    this.name = 'NodeExecutionError';
    this.kind = error.kind;
    this.itemIndex = error.itemIndex ?? null;
    this.httpCode = error.httpCode ?? null;
    this.description = error.description ?? null;
    /** Why no usable answer came: 'redirect', 'timeout', 'refused', 'reset', 'dns', 'tls', 'too-large', … */
    this.reason = error.reason ?? null;
    /** The request may have reached the service and been carried out: check before sending it again. */
    this.possiblyCarriedOut = Boolean(error.possiblyCarriedOut);
    /** What a side effect of this item (an order, a create) answered before a later step failed. */
    this.created = error.created ?? null;
    /**
     * Other items whose side effects (an order, a create) completed before the run stopped, as
     * `[{ item, json }]`: they happened, so running those items again would repeat them. Null if none.
     */
    this.carriedOut = error.carriedOut ?? null;
  }
}

/** Descriptions of every node (n8n INodeTypeDescription objects); a fresh copy on every call. */
function nodes() {
  return JSON.parse(runtime.nodesJson());
}

/** Descriptions of every credential type (n8n ICredentialType objects, without `authenticate`). */
function credentials() {
  return JSON.parse(runtime.credentialsJson());
}

/** The headers that authenticate a request with these credentials. */
function credentialHeaders(credentialType, values) {
  return runtime.credentialHeaders(credentialType, values);
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isBytes(value) {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

/** One file of an input item: `{ data: Uint8Array | ArrayBuffer | Base64 text, mimeType?, fileName? }`. */
function toFile(file, where) {
  if (!isPlainObject(file)) throw new TypeError(`${where} must be an object like { data, mimeType, fileName }`);
  let { data } = file;
  if (typeof data === 'string') data = runtime.decodeBase64(data);
  if (!isBytes(data)) throw new TypeError(`${where}.data must be a Uint8Array, an ArrayBuffer or Base64 text`);
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
  // Left out, the module's defaults apply: application/octet-stream, and the property's name.
  return {
    data: bytes,
    mimeType: typeof file.mimeType === 'string' ? file.mimeType : undefined,
    fileName: typeof file.fileName === 'string' ? file.fileName : undefined,
    fileSize: bytes.byteLength,
  };
}

/**
 * An item's binary data, keyed by property (as n8n keeps it): `{ data: { data, mimeType, fileName } }`.
 * A file output item's own `binary` (`{ data: Uint8Array, mimeType, … }`) is taken as property `data`,
 * so a downloaded file can be sent on as it is.
 */
function toBinary(binary, index) {
  if (binary === undefined || binary === null) return {};
  if (!isPlainObject(binary)) throw new TypeError(`items[${index}].binary must be an object`);
  if (isBytes(binary.data)) return { data: toFile(binary, `items[${index}].binary`) };
  const files = {};
  for (const [name, file] of Object.entries(binary)) files[name] = toFile(file, `items[${index}].binary.${name}`);
  return files;
}

function toItem(item, index) {
  if (!isPlainObject(item)) {
    throw new TypeError(`items[${index}] must be an object like { json: { … } }`);
  }
  if (!('json' in item)) return { json: item, binary: {} };
  if (!isPlainObject(item.json)) throw new TypeError(`items[${index}].json must be an object`);
  return { json: item.json, binary: toBinary(item.binary, index) };
}

/** Options of `execute` that go to the boundary's `limits` as they are (the module checks them). */
const LIMIT_OPTIONS = ['timeout', 'itemTimeout', 'maxResponseBytes', 'maxPages', 'maxItems'];
/** Options of `execute` that go to the boundary's `pace` as they are (the module checks them). */
const PACE_OPTIONS = ['concurrency', 'batchSize', 'batchInterval'];

function buildRequest(options) {
  if (!isPlainObject(options)) throw new TypeError('execute() expects an options object');
  const { node, parameters = {}, items, credentials: creds = null, baseUrl, continueOnFail = false, retry } = options;
  if (typeof node !== 'string' || node === '') {
    throw new TypeError('execute(): `node` must be the name of a node, e.g. "mittwald"');
  }
  const perItem = Array.isArray(parameters);
  if (!perItem && !isPlainObject(parameters)) {
    throw new TypeError('execute(): `parameters` must be an object or an array of objects (one per item)');
  }
  let inputItems;
  if (items === undefined || items === null) {
    inputItems = perItem ? parameters.map(() => ({ json: {}, binary: {} })) : [{ json: {}, binary: {} }];
  } else if (Array.isArray(items)) {
    inputItems = items.map(toItem);
  } else {
    throw new TypeError('execute(): `items` must be an array');
  }
  if (perItem && parameters.length !== inputItems.length) {
    throw new TypeError(
      `execute(): got ${parameters.length} parameter sets for ${inputItems.length} items; pass one per item`,
    );
  }
  const requestItems = inputItems.map((item, i) => {
    const itemParameters = perItem ? parameters[i] : parameters;
    if (!isPlainObject(itemParameters)) {
      throw new TypeError(`execute(): parameters[${i}] must be an object`);
    }
    return { json: item.json, parameters: itemParameters, binary: item.binary };
  });
  const request = adapter.executeRequest({
    node,
    items: requestItems,
    credentials: creds,
    continueOnFail,
    baseUrl,
    retry,
    limits: adapter.given(options, LIMIT_OPTIONS),
    pace: adapter.given(options, PACE_OPTIONS),
  });
  return { request, inputItems };
}

/** The host plain JS gives the module: fetch and timers are its own; files come from the input items. */
function hostFor(request, inputItems) {
  // No host at all when no item has a file: the module then needs nothing from JS.
  if (!inputItems.some((item) => Object.keys(item.binary).length > 0)) return undefined;
  return { binary: adapter.binaryReader(request, (itemIndex, property) => inputItems[itemIndex].binary[property].data) };
}

/** A file answer as plain JS hands it out: the bytes and their description side by side. */
function fileOf(bytes, { mimeType, fileName, fileSize }) {
  return { data: bytes, mimeType, fileName, fileSize };
}

/**
 * Runs a node on items. Resolves to the output items; rejects with a `NodeExecutionError`
 * (message, kind, itemIndex, httpCode, description, carriedOut, …) when an item fails and
 * `continueOnFail` is off.
 */
async function execute(options) {
  const { request, inputItems } = buildRequest(options);
  const { result, files } = await runtime.execute(JSON.stringify(request), hostFor(request, inputItems));
  if (result.error) throw new NodeExecutionError(result.error);
  return adapter.outputItems(result, files, fileOf);
}

/**
 * One page of a picker's list (what n8n shows under "From List" of a resource-locator field):
 * `{ node, method, filter, paginationToken, credentials, baseUrl }` → `{ results: [{ name, value, url }],
 * paginationToken }`; pass the returned token back for the next page. Rejects like `execute`.
 */
async function search(options) {
  if (!isPlainObject(options) || typeof options.node !== 'string' || typeof options.method !== 'string') {
    throw new TypeError('search() expects { node, method, filter?, paginationToken?, credentials?, baseUrl? }');
  }
  const request = adapter.searchRequest(options);
  const resultJson = await runtime.search(JSON.stringify(request), undefined);
  return adapter.searchPage(resultJson, (error) => new NodeExecutionError(error));
}

/**
 * One poll of a polling trigger (a node whose description has `polling: true`, e.g. `appDirectTrigger`):
 * `{ node, parameters, credentials, baseUrl, state, now, manual }` → `{ items, state }`, the events that
 * happened since `state`, oldest first, each once (the event objects themselves; at most 1000 a poll, the
 * rest come with the next one).
 *
 * Keep the returned `state` (it is plain JSON: store it wherever you like) and pass it to the next call:
 * that is how each event is handed out once. Without a `state` (the first poll) nothing is emitted,
 * unless `parameters.includePastEvents` is true: the state then marks the newest event there is (by the
 * service's own clock), and the next poll returns what happened after it. `manual: true` is a test run:
 * it returns the newest events (at most 10, oldest first) and the state you passed, unchanged. `now` is
 * the wall clock in epoch milliseconds, by default `Date.now()`.
 *
 * OAuth2 client-credentials credentials (AppDirect: `{ marketplaceUrl, clientId, clientSecret, scope }`)
 * need no token from you: the module fetches one, keeps it until shortly before it expires (for every
 * `execute`, `search` and `poll` of this process) and fetches a new one when the service refuses it.
 * Rejects with a `NodeExecutionError` like `execute`; the state to keep then is the one you passed.
 */
async function poll(options) {
  if (!isPlainObject(options) || typeof options.node !== 'string' || options.node === '') {
    throw new TypeError('poll() expects { node, parameters?, credentials?, baseUrl?, state?, now?, manual? }');
  }
  const { node, parameters = {}, credentials: creds = null, baseUrl, state = null, now = Date.now(), manual = false } = options;
  if (!isPlainObject(parameters)) throw new TypeError('poll(): `parameters` must be an object');
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw new TypeError('poll(): `now` must be the wall clock in epoch milliseconds');
  }
  const request = { node, parameters, credentials: creds, state: state ?? null, now, manual: Boolean(manual) };
  if (baseUrl !== undefined && baseUrl !== null) request.baseUrl = String(baseUrl);
  const result = await runtime.poll(JSON.stringify(request), undefined);
  if (result.error) throw new NodeExecutionError(result.error);
  return { items: result.items, state: result.state };
}

module.exports = { nodes, credentials, credentialHeaders, execute, search, poll, NodeExecutionError };

// Test hooks; not part of the public API.
Object.defineProperty(module.exports, '_internal', {
  enumerable: false,
  value: Object.freeze({
    __panicForTests: () => runtime.panicForTests(),
    executeRaw: (requestJson, host) => runtime.execute(requestJson, host),
    pollRaw: (requestJson, host) => runtime.poll(requestJson, host),
    instancesCreated: () => runtime.instancesCreated(),
    memoryBytes: () => runtime.memoryBytes(),
  }),
});
