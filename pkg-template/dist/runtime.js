'use strict';
// Loads the embedded wasm module and keeps one live instance of it.
//
// - The wasm bytes are decoded and compiled once per process; instantiation is synchronous.
// - A panic (reported by the panic hook) or any exception escaping a wasm export kills the
//   instance: every pending `execute` of that instance is rejected with an "internal error in the
//   wasm runtime" Error, and the next call gets a fresh instance.
// - Calls into a dead instance (late promise callbacks, finalizers) become no-ops, so a panic can
//   never surface as an uncaught exception in the host process.

// The module and its glue are loaded on first use: listing the nodes needs neither.

const INTERNAL_ERROR_PREFIX = 'internal error in the wasm runtime: ';
// wasm memory never shrinks: an instance that grew past this (a large answer) is replaced once it is
// idle, so the process returns to its baseline instead of keeping the peak for good.
const MEMORY_LIMIT_BYTES = 64 * 1024 * 1024;
const RealWebAssembly = WebAssembly;

let compiled = null;
let live = null;
let instancesCreated = 0;
let nodesText = null;
let credentialsText = null;
let nodesCache = null;
let credentialsCache = null;

/** Base64 → bytes. The result may view a larger (pooled) buffer: copy it before handing it out. */
function decodeBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text);
  if (typeof Buffer === 'function') {
    const buf = Buffer.from(text, 'base64');
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function compiledModule() {
  if (compiled === null) compiled = new RealWebAssembly.Module(decodeBase64(require('./wasm.js')));
  return compiled;
}

function describe(error) {
  if (error instanceof Error) {
    if (!error.message) return error.name;
    return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  }
  return String(error);
}

function internalError(message) {
  return new Error(INTERNAL_ERROR_PREFIX + message);
}

// Marks an instance dead (idempotent) and rejects everything still waiting on it.
function kill(inst, message) {
  if (inst.dead) return;
  inst.dead = true;
  if (inst.panicMessage === null) inst.panicMessage = message;
  if (live === inst) live = null;
  const error = internalError(inst.panicMessage);
  const pending = Array.from(inst.pending);
  inst.pending.clear();
  for (const reject of pending) reject(error);
}

// What a guarded export returns instead of calling into a dead instance. The glue reads results as
// `ret[i]` (multi-value returns), `ret >>> 0` (pointers) or passes them on; an array of zeros reads
// as "0 / null pointer / no error" in all of these, so late callbacks finish quietly.
const DEAD_RESULT = Object.freeze([0, 0, 0, 0, 0, 0, 0, 0]);

// Wraps every exported wasm function: a dead instance is never re-entered, and an exception that
// escapes wasm kills the instance. Inside a call made by this runtime the exception is re-thrown
// (the caller turns it into an internal error); in a callback from the event loop (a promise
// reaction, a microtask, a finalizer) it is swallowed, so it cannot crash the host process.
function guardExports(exports, inst) {
  const guarded = {};
  for (const name of Object.keys(exports)) {
    const value = exports[name];
    if (typeof value !== 'function') {
      guarded[name] = value;
      continue;
    }
    guarded[name] = function guardedExport(...args) {
      if (inst.dead) return DEAD_RESULT;
      try {
        return value(...args);
      } catch (error) {
        kill(inst, describe(error));
        if (inst.depth > 0) throw error;
        return DEAD_RESULT;
      }
    };
  }
  return guarded;
}

function createInstance() {
  const inst = {
    id: ++instancesCreated,
    bindings: null,
    dead: false,
    depth: 0,
    panicMessage: null,
    pending: new Set(),
  };
  // The glue only sees these two names; everything else it uses is a standard global.
  const wasmNamespace = Object.create(RealWebAssembly, {
    Instance: {
      value: function GuardedInstance(module, imports) {
        const instance = new RealWebAssembly.Instance(module, imports);
        return { exports: guardExports(instance.exports, inst) };
      },
    },
  });
  const scheduleMicrotask = (callback) => {
    Promise.resolve().then(() => {
      if (inst.dead) return;
      try {
        callback();
      } catch (error) {
        // Whatever escapes the wasm task queue leaves it in an unknown state.
        kill(inst, describe(error));
      }
    });
  };
  // The glue of an n8n package's module sees no global object: this one stands in for it, holding only
  // what the module looks up on it (js-sys' task queue asks for queueMicrotask).
  const hostGlobal = Object.freeze({ queueMicrotask: scheduleMicrotask });
  inst.bindings = require('./glue.js')(wasmNamespace, scheduleMicrotask, hostGlobal);
  enter(inst, () => {
    inst.exports = inst.bindings.initSync({ module: compiledModule() });
    inst.bindings.init((message) => {
      inst.panicMessage = String(message);
      kill(inst, inst.panicMessage);
    });
  });
  return inst;
}

function instance() {
  if (live === null || live.dead) live = createInstance();
  return live;
}

// Runs a synchronous call into the instance; traps become internal errors.
function enter(inst, fn) {
  inst.depth++;
  try {
    return fn(inst.bindings);
  } catch (error) {
    if (inst.dead || error instanceof RealWebAssembly.RuntimeError) {
      kill(inst, describe(error));
      throw internalError(inst.panicMessage);
    }
    throw error;
  } finally {
    inst.depth--;
  }
}

function call(fn) {
  return enter(instance(), fn);
}

function deepFreeze(value) {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze(value[key]);
  }
  return value;
}

/**
 * JSON text of the node descriptions, embedded at build time (dist/descriptors.js, printed by the
 * crate's native `descriptors` binary from the same registry the module runs), so loading the package
 * and n8n listing its nodes need no wasm.
 */
function nodesJson() {
  if (nodesText === null) nodesText = require('./descriptors.js').nodes;
  return nodesText;
}

/** JSON text of the credential descriptions, embedded like the node descriptions. */
function credentialsJson() {
  if (credentialsText === null) credentialsText = require('./descriptors.js').credentials;
  return credentialsText;
}

/** Parsed, frozen node descriptions (shared; clone before mutating). */
function nodeDescriptions() {
  if (nodesCache === null) nodesCache = deepFreeze(JSON.parse(nodesJson()));
  return nodesCache;
}

/** Parsed, frozen credential descriptions (shared; clone before mutating). */
function credentialDescriptions() {
  if (credentialsCache === null) credentialsCache = deepFreeze(JSON.parse(credentialsJson()));
  return credentialsCache;
}

/** Headers (object) that authenticate a request with these credentials. */
function credentialHeaders(credentialType, credentials) {
  const text = call((b) => b.credentialHeaders(String(credentialType), JSON.stringify(credentials ?? {})));
  return JSON.parse(text);
}

/** Replaces an idle instance whose memory grew past the limit. */
function retireIfGrown(inst) {
  const memory = inst.exports && inst.exports.memory;
  if (inst.pending.size === 0 && live === inst && memory && memory.buffer.byteLength > MEMORY_LIMIT_BYTES) live = null;
}

/**
 * An instance that dies while this call is pending rejects it; if the call had already sent a
 * request, the error says so, since that request (an order, a create) may have been carried out.
 */
function failedAfterSending(error) {
  const failed = new Error(
    `${error.message}. A request of this call had already been sent, so it may have been carried out: check the ` +
      'marketplace before running it again.',
  );
  failed.possiblyCarriedOut = true;
  return failed;
}

/** Calls async export `name` (`execute`, `search`); resolves to its JSON text. */
function callAsync(name, requestJson, host) {
  return new Promise((resolve, reject) => {
    let inst;
    try {
      inst = instance();
    } catch (error) {
      reject(error);
      return;
    }
    let settled = false;
    let sent = false;
    const settle = (fn, value) => {
      if (settled) return;
      settled = true;
      inst.pending.delete(rejectPending);
      retireIfGrown(inst);
      fn(value);
    };
    const rejectPending = (error) => settle(reject, sent ? failedAfterSending(error) : error);
    inst.pending.add(rejectPending);
    // The caller's host, seen through an object that also hears when a request goes out.
    const tracked = Object.create(host !== null && typeof host === 'object' ? host : null);
    tracked.onSend = () => {
      sent = true;
    };
    let promise;
    try {
      promise = enter(inst, (b) => b[name](requestJson, tracked));
    } catch (error) {
      settle(reject, error);
      return;
    }
    Promise.resolve(promise).then(
      (text) => settle(resolve, text),
      (error) => settle(reject, error instanceof Error ? error : new Error(describe(error))),
    );
  });
}

/**
 * Runs one execution; resolves to `{ result, files }`: the ExecuteResult (parsed) and the bytes of the
 * files its items carry (`Uint8Array`s, indexed by each item's `binary.file`).
 */
async function execute(requestJson, host) {
  const { result, files } = await callAsync('execute', requestJson, host);
  return { result: JSON.parse(result), files };
}

/** Loads one page of a picker's list; resolves to the SearchResult JSON text. */
function search(requestJson, host) {
  return callAsync('search', requestJson, host);
}

/** One poll of a polling trigger; resolves to the PollResult (parsed): `{ items, state, error? }`. */
async function poll(requestJson, host) {
  return JSON.parse(await callAsync('poll', requestJson, host));
}

/** Panics inside wasm on purpose (tests only); throws the resulting internal error. */
function panicForTests() {
  return call((b) => b.__panicForTests());
}

module.exports = {
  INTERNAL_ERROR_PREFIX,
  nodesJson,
  credentialsJson,
  nodeDescriptions,
  credentialDescriptions,
  credentialHeaders,
  execute,
  search,
  poll,
  decodeBase64,
  panicForTests,
  instancesCreated: () => instancesCreated,
  memoryBytes: () => (live && live.exports && live.exports.memory ? live.exports.memory.buffer.byteLength : 0),
};
