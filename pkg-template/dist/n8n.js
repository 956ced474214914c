'use strict';
// n8n adapter: turns the descriptions and the `execute` of the wasm module into n8n node and
// credential classes. Only the generated files under dist/nodes and dist/credentials load this;
// the plain-JS entry (index.js) never does, so plain hosts never need n8n-workflow.

const runtime = require('./runtime.js');
const adapter = require('./adapter.js');

let workflowModule = null;
function workflow() {
  if (workflowModule === null) workflowModule = require('n8n-workflow');
  return workflowModule;
}

function cloneJson(value) {
  return JSON.parse(JSON.stringify(value));
}

function findDescription(list, name, what) {
  const found = list.find((entry) => entry.name === name);
  if (!found) throw new Error(`${what} "${name}" is not described by the wasm module`);
  return found;
}

function setClassName(cls, className) {
  Object.defineProperty(cls, 'name', { value: className, configurable: true });
  return cls;
}

const textEncoder = new TextEncoder();

function toBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return textEncoder.encode(body);
  return textEncoder.encode(JSON.stringify(body));
}

function toHeaderRecord(headers) {
  const record = {};
  if (headers === undefined || headers === null) return record;
  const entries = typeof headers.entries === 'function' && !Array.isArray(headers)
    ? Array.from(headers.entries())
    : Object.entries(headers);
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    record[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return record;
}

// The Host of the boundary contract, backed by n8n's HTTP helpers (proxies, SSL options,
// cancellation). `request` (execute only) is the ExecuteRequest whose items' binary data a request may
// send; `credentials` are the values n8n gave for the node's credential.
//
// A header credential's headers are worked out once per call (what its `authenticate` would add to
// every request) and sent through `httpRequest`: n8n's per-request credential handling costs ~2 ms of
// CPU, which across concurrent items was most of a run's time. OAuth2 credentials still go through
// `httpRequestWithAuthentication`, which fetches and refreshes their tokens. Either way the module
// sends a credential only to its own origin.
function makeHost(ctx, request = { items: [] }, credentials = null) {
  const { sleep } = workflow();
  const headersOf = new Map();
  const authHeaders = (type) => {
    if (!headersOf.has(type)) {
      const oauth = extendsOAuth(findDescription(runtime.credentialDescriptions(), type, 'Credential'));
      headersOf.set(type, oauth || credentials === null ? null : runtime.credentialHeaders(type, credentials));
    }
    return headersOf.get(type);
  };
  // The first OAuth2 request of a call goes alone: n8n fetches a missing token inside it and stores it,
  // so the concurrent items after it use that token instead of each fetching one of their own.
  const firstOAuth2 = { done: null };
  return {
    // n8n fetches and refreshes OAuth2 tokens itself (httpRequestWithAuthentication below).
    oauth2Tokens: true,
    request: async (req) => {
      const options = {
        method: req.method,
        url: req.url,
        headers: { ...(req.headers || {}) },
        returnFullResponse: true,
        ignoreHttpStatusErrors: true,
        encoding: 'arraybuffer',
        json: false,
        // The module decides about redirects (a credential never leaves its origin, a create never
        // becomes a GET); n8n's helper hands every 3xx back as it is.
        disableFollowRedirect: true,
        sendCredentialsOnCrossOriginRedirect: false,
        timeout: req.timeoutMs,
      };
      if (req.body instanceof Uint8Array) options.body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
      const headers = req.credentialType ? authHeaders(req.credentialType) : null;
      if (headers) Object.assign(options.headers, headers);
      const response = req.credentialType && !headers
        ? await withAuthentication(ctx, req.credentialType, options, firstOAuth2)
        : await ctx.helpers.httpRequest(options);
      const body = toBytes(response.body);
      if (body.byteLength > req.maxResponseBytes) {
        const error = new Error(`the answer has ${body.byteLength} bytes`);
        error.code = 'ERR_RESPONSE_TOO_LARGE';
        throw error;
      }
      return { status: response.statusCode, headers: toHeaderRecord(response.headers), body };
    },
    sleep: (ms) => sleep(ms),
    // Read only when a request sends the file, from wherever n8n keeps it (memory, disk, S3).
    binary: adapter.binaryReader(request, (itemIndex, property) => ctx.helpers.getBinaryDataBuffer(itemIndex, property)),
  };
}

/**
 * A request through the credential. For an OAuth2 type n8n renews a refused token (401) only when the
 * helper throws for it, so there the helper throws for every non-2xx, and the answer it carried is
 * taken back out of the error: the module still sees every status as an answer.
 */
async function withAuthentication(ctx, credentialType, options, first) {
  const oauth = extendsOAuth(findDescription(runtime.credentialDescriptions(), credentialType, 'Credential'));
  if (!oauth) return ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, options);
  const send = async () => {
    try {
      return await ctx.helpers.httpRequestWithAuthentication.call(ctx, credentialType, { ...options, ignoreHttpStatusErrors: false });
    } catch (error) {
      const answer = answerOf(error);
      if (answer === null) throw error;
      return answer;
    }
  };
  if (first.done === null) {
    const sending = send();
    first.done = sending.then(() => undefined, () => undefined);
    return sending;
  }
  await first.done;
  return send();
}

/** The HTTP answer an error from n8n's helper carries (axios' `response`, maybe under NodeApiError's `cause`). */
function answerOf(error) {
  for (let cause = error, depth = 0; cause && depth < 4; cause = cause.cause, depth += 1) {
    const response = cause.response;
    if (response && typeof response.status === 'number') {
      return { statusCode: response.status, headers: response.headers, body: response.data };
    }
  }
  return null;
}

function toN8nError(ctx, error) {
  const { NodeApiError, NodeOperationError } = workflow();
  const node = ctx.getNode();
  const message = error.message || 'Unknown error';
  // A side effect's answer is already quoted in the description; error items carry it whole (`created`).
  const description = error.description ?? undefined;
  const itemIndex = typeof error.itemIndex === 'number' ? error.itemIndex : undefined;
  if (error.kind === 'api') {
    const httpCode = error.httpCode === null || error.httpCode === undefined ? undefined : String(error.httpCode);
    const response = { message };
    if (description !== undefined) response.description = description;
    if (httpCode !== undefined) response.httpCode = httpCode;
    return new NodeApiError(node, response, { itemIndex, message, description, httpCode });
  }
  return new NodeOperationError(node, message, { itemIndex, description });
}

/** The values of the node's credential, or null when none is configured (public operations still work). */
async function credentialsOf(ctx, description) {
  const credentialType = description.credentials && description.credentials[0] && description.credentials[0].name;
  if (!credentialType) return null;
  try {
    return (await ctx.getCredentials(credentialType)) ?? null;
  } catch {
    return null;
  }
}

/**
 * What this node's calls reach with: its credential's values, or, under "Authentication: None" (on a
 * node with public operations), no credential and the form's base URL. `itemIndex` is given where the
 * context reads parameters per item (execute).
 */
async function reachOf(ctx, description, itemIndex) {
  const offersNone = (description.properties || []).some((p) => p.name === 'authentication');
  if (offersNone && parameterOf(ctx, 'authentication', 'credential', itemIndex) === 'none') {
    const baseUrl = parameterOf(ctx, 'publicBaseUrl', '', itemIndex);
    return { credentials: null, baseUrl: typeof baseUrl === 'string' && baseUrl.trim() !== '' ? baseUrl : null };
  }
  return { credentials: await credentialsOf(ctx, description), baseUrl: null };
}

/** One parameter's value: the form's current one where the context has it (pickers), else n8n's. */
function parameterOf(ctx, name, fallback, itemIndex) {
  if (itemIndex !== undefined) return ctx.getNodeParameter(name, itemIndex, fallback);
  const current = currentParameters(ctx);
  if (current[name] !== undefined) return current[name];
  try {
    return ctx.getNodeParameter(name, fallback);
  } catch {
    return fallback;
  }
}

/** The `searchListMethod` names the description's resource-locator fields use. */
function searchMethods(description) {
  const names = new Set();
  const visit = (properties) => {
    for (const property of properties || []) {
      for (const mode of property.modes || []) {
        if (mode.typeOptions && mode.typeOptions.searchListMethod) names.add(mode.typeOptions.searchListMethod);
      }
      if (Array.isArray(property.options)) {
        visit(property.options.flatMap((option) => (Array.isArray(option.values) ? option.values : [option])));
      }
    }
  };
  visit(description.properties);
  return [...names];
}

/** The form's current values, where the context has them (n8n's ILoadOptionsFunctions does). */
function currentParameters(ctx) {
  return (typeof ctx.getCurrentNodeParameters === 'function' && ctx.getCurrentNodeParameters()) || {};
}

/** The `loadOptionsMethod` names the description's option lists use (e.g. an extension's scopes). */
function loadOptionsNames(description) {
  const names = new Set();
  const visit = (properties) => {
    for (const property of properties || []) {
      if (property.typeOptions && property.typeOptions.loadOptionsMethod) names.add(property.typeOptions.loadOptionsMethod);
      if (Array.isArray(property.options)) {
        visit(property.options.flatMap((option) => (Array.isArray(option.values) ? option.values : [option])));
      }
    }
  };
  visit(description.properties);
  return [...names];
}

/**
 * n8n `loadOptions` methods: each loads a list that belongs to a record chosen in the same form (the
 * extension's scopes) through the wasm module, as `{ name, value }` options.
 */
function loadOptionsMethods(nodeName, description) {
  const methods = {};
  for (const method of loadOptionsNames(description)) {
    methods[method] = async function loadOptions() {
      const request = adapter.searchRequest({
        node: nodeName,
        method,
        ...(await reachOf(this, description)),
        parameters: currentParameters(this),
      });
      const resultJson = await runtime.search(JSON.stringify(request), makeHost(this, undefined, request.credentials));
      const page = adapter.searchPage(resultJson, (error) => toN8nError(this, error));
      return page.results.map(({ name, value }) => ({ name, value }));
    };
  }
  return methods;
}

/** n8n `listSearch` methods: each loads one page of a picker's list through the wasm module. */
function listSearchMethods(nodeName, description) {
  const methods = {};
  for (const method of searchMethods(description)) {
    methods[method] = async function listSearch(filter, paginationToken) {
      const request = adapter.searchRequest({
        node: nodeName,
        method,
        filter,
        // n8n may hand back a number; the module reads the token as text.
        paginationToken: paginationToken == null ? null : String(paginationToken),
        ...(await reachOf(this, description)),
        // A list may depend on another field (a product's editions).
        parameters: currentParameters(this),
      });
      const resultJson = await runtime.search(JSON.stringify(request), makeHost(this, undefined, request.credentials));
      return adapter.searchPage(resultJson, (error) => toN8nError(this, error));
    };
  }
  return methods;
}

/** The n8n `execute` of node `nodeName`; `this` is n8n's IExecuteFunctions. */
async function executeNode(nodeName) {
  const description = findDescription(runtime.nodeDescriptions(), nodeName, 'Node');
  const items = this.getInputData();
  const parameterNames = Object.keys(this.getNode().parameters || {});
  const requestItems = items.map((item, i) => {
    const parameters = {};
    for (const key of parameterNames) parameters[key] = this.getNodeParameter(key, i, null);
    return { json: item.json ?? {}, parameters, binary: item.binary };
  });
  // No retry, limits or pace here: the module's defaults apply, and the node's "Request Options"
  // parameter (which the module reads from the items' parameters) overrides them.
  const request = adapter.executeRequest({
    node: nodeName,
    items: requestItems,
    ...(await reachOf(this, description, 0)),
    continueOnFail: this.continueOnFail(),
  });

  let result;
  let files;
  try {
    ({ result, files } = await runtime.execute(JSON.stringify(request), makeHost(this, request, request.credentials)));
  } catch (error) {
    const { NodeOperationError } = workflow();
    throw new NodeOperationError(this.getNode(), error instanceof Error ? error : String(error));
  }
  if (result.error) throw toN8nError(this, result.error);
  return [await adapter.outputItems(result, files, (bytes, file) => toN8nBinary(this, bytes, file))];
}

/** The names of a trigger's own parameters: every property of its description, not n8n's `pollTimes`. */
function pollParameterNames(description) {
  const names = [];
  for (const property of description.properties || []) {
    if (property.name === 'pollTimes' || names.includes(property.name)) continue;
    names.push(property.name);
  }
  return names;
}

/**
 * The n8n `poll` of polling trigger `nodeName`; `this` is n8n's IPollFunctions. The module reads the
 * events since the state kept in the node's static data (none on the first poll: then it only notes
 * the newest event there is) and hands back the next state; a manual run (the editor's "Fetch Test
 * Event") shows the newest events and leaves the state as it was. Resolves to `null` when nothing new happened.
 */
async function pollNode(nodeName) {
  const description = findDescription(runtime.nodeDescriptions(), nodeName, 'Node');
  const parameters = {};
  for (const name of pollParameterNames(description)) {
    const property = description.properties.find((p) => p.name === name);
    const fallback = property && property.default !== undefined ? cloneJson(property.default) : null;
    parameters[name] = this.getNodeParameter(name, fallback);
  }
  const manual = this.getMode() === 'manual';
  const staticData = this.getWorkflowStaticData('node');
  const credentials = await credentialsOf(this, description);
  const request = {
    node: nodeName,
    parameters,
    credentials,
    state: staticData.state ?? null,
    now: Date.now(),
    manual,
  };

  let result;
  try {
    result = await runtime.poll(JSON.stringify(request), makeHost(this, undefined, credentials));
  } catch (error) {
    const { NodeOperationError } = workflow();
    throw new NodeOperationError(this.getNode(), error instanceof Error ? error : String(error));
  }
  if (result.error) throw toN8nError(this, result.error);
  if (!manual && result.state !== undefined) staticData.state = result.state;
  const items = Array.isArray(result.items) ? result.items : [];
  if (items.length === 0) return null;
  return [items.map((json) => ({ json }))];
}

/** A file answer becomes n8n binary data (stored in n8n's binary-data mode) under the property `data`. */
async function toN8nBinary(ctx, bytes, { fileName, mimeType }) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { data: await ctx.helpers.prepareBinaryData(buffer, fileName, mimeType) };
}

/**
 * An n8n node class for node `nodeName`, named `className` (n8n requires it to match the file): an
 * action node (`execute`), or, for a description with `polling: true`, a polling trigger (`poll`).
 */
function makeNodeClass(nodeName, className) {
  if (findDescription(runtime.nodeDescriptions(), nodeName, 'Node').polling === true) {
    return setClassName(
      class {
        constructor() {
          const description = cloneJson(findDescription(runtime.nodeDescriptions(), nodeName, 'Node'));
          // A trigger starts workflows; it is no tool for an agent.
          delete description.usableAsTool;
          this.description = description;
          this.methods = { listSearch: listSearchMethods(nodeName, description) };
        }

        async poll() {
          return pollNode.call(this, nodeName);
        }
      },
      className,
    );
  }
  const cls = class {
    constructor() {
      // n8n reads (and annotates) the description right after `new`: give each instance its own copy.
      this.description = cloneJson(findDescription(runtime.nodeDescriptions(), nodeName, 'Node'));
      this.methods = {
        listSearch: listSearchMethods(nodeName, this.description),
        loadOptions: loadOptionsMethods(nodeName, this.description),
      };
    }

    async execute() {
      return executeNode.call(this, nodeName);
    }
  };
  return setClassName(cls, className);
}

function extendsOAuth(description) {
  return Array.isArray(description.extends) && description.extends.some((parent) => /^oAuth[12]Api$/.test(parent));
}

/** An n8n credential class for credential type `credentialName`, named `className`. */
function makeCredentialClass(credentialName, className) {
  const cls = class {
    constructor() {
      const description = cloneJson(findDescription(runtime.credentialDescriptions(), credentialName, 'Credential'));
      Object.assign(this, description);
      // OAuth2/OAuth1 types are authenticated by n8n itself (token fetch and refresh).
      if (!extendsOAuth(description)) {
        this.authenticate = async (credentials, requestOptions) => ({
          ...requestOptions,
          headers: {
            ...(requestOptions.headers || {}),
            ...runtime.credentialHeaders(credentialName, credentials),
          },
        });
      }
    }
  };
  return setClassName(cls, className);
}

module.exports = { makeNodeClass, makeCredentialClass };
