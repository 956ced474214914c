// Shared helpers for tests/js: load the BUILT package, run nodes against the mock, inspect errors.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { before, after, beforeEach } from 'node:test';
import { startMockMarketplace } from './mock-marketplace.mjs';

export const PKG_DIR = fileURLToPath(new URL('../../pkg/', import.meta.url));

let cached;

/** The plain-JS API of the built package (`pkg/dist/index.mjs`, else `require('pkg')`). */
export async function loadPackage() {
  if (cached) return cached;
  const esm = new URL('../../pkg/dist/index.mjs', import.meta.url);
  let mod;
  if (process.env.MARKETPLACE_NODES_PKG) {
    // Test another build of the same API (absolute path to a module exporting nodes/credentials/execute).
    mod = await import(pathToFileURL(process.env.MARKETPLACE_NODES_PKG).href);
    if (typeof mod.execute !== 'function' && mod.default) mod = mod.default;
  } else if (existsSync(fileURLToPath(esm))) {
    mod = await import(esm.href);
    if (mod && typeof mod.execute !== 'function' && mod.default && typeof mod.default.execute === 'function') mod = mod.default;
  } else {
    const require = createRequire(import.meta.url);
    try {
      mod = require('../../pkg');
    } catch (err) {
      throw new Error(`the package is not built (expected ${PKG_DIR}dist/index.mjs or a requirable ${PKG_DIR}); run "node scripts/build.mjs" first. (${err.message})`);
    }
  }
  for (const fn of ['nodes', 'credentials', 'execute']) {
    if (typeof mod[fn] !== 'function') throw new Error(`the package's plain-JS API lacks ${fn}() (exports: ${Object.keys(mod).join(', ')})`);
  }
  cached = mod;
  return mod;
}

/** Fast, deterministic retry settings for tests. */
export const FAST_RETRY = Object.freeze({ maxRetries: 2, baseDelayMs: 1 });

function itemsFor(parameters, items) {
  if (items) return items;
  return Array.isArray(parameters) ? parameters.map(() => ({ json: {} })) : [{ json: {} }];
}

/** A runner `(mp, mock, parameters, extra = {})` that calls mp.execute for `node` with the mock's `credentialsKey` credentials. */
function runnerFor(node, credentialsKey) {
  return (mp, mock, parameters, extra = {}) =>
    mp.execute({
      node,
      parameters,
      items: itemsFor(parameters, extra.items),
      credentials: { ...mock.credentials[credentialsKey] },
      retry: FAST_RETRY,
      ...extra,
    });
}

/** mp.execute for the mittwald node against the mock. */
export const runMittwald = runnerFor('mittwald', 'mittwald');

/** mp.execute for the Interworks node against the mock. */
export const runInterworks = runnerFor('interworksCloud', 'interworks');

/**
 * Registers the usual hooks of a test file: load the package and start a mock marketplace
 * (with `options`) before all tests, close it after them, reset it before each test.
 * Returns `{ mp, mock }`, filled in by the `before` hook.
 */
export function useMockMarketplace(options) {
  const env = { mp: undefined, mock: undefined };
  before(async () => {
    env.mp = await loadPackage();
    env.mock = await startMockMarketplace(options);
  });
  after(() => env.mock?.close());
  beforeEach(() => env.mock.reset());
  return env;
}

/** Awaits a promise that must reject; returns the error. */
export async function rejection(promise, what = 'the call') {
  let result;
  try {
    result = await promise;
  } catch (err) {
    return err;
  }
  let shown;
  try {
    shown = JSON.stringify(result);
  } catch {
    shown = String(result);
  }
  // A large answer (a whole page of items) would bury the failure.
  if (shown && shown.length > 400) shown = `${shown.slice(0, 400)}… (${shown.length} characters)`;
  assert.fail(`${what} should have thrown, but resolved to ${shown}`);
}

/** Everything an error exposes, as one string (message, description, own props, stack). */
export function errorText(err) {
  if (!err || typeof err !== 'object') return String(err);
  const own = {};
  for (const k of Object.getOwnPropertyNames(err)) {
    try {
      own[k] = err[k];
    } catch {
      /* ignore */
    }
  }
  let json = '';
  try {
    json = JSON.stringify(own);
  } catch {
    json = '';
  }
  return [String(err), err.message, err.description, err.stack, json, err.cause ? errorText(err.cause) : ''].join('\n');
}

export function assertNoSecrets(value, secrets, label = 'value') {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const s of secrets) {
    if (!s) continue;
    assert.ok(!text.includes(s), `${label} leaks a credential (${s.slice(0, 3)}…): ${text.slice(0, 400)}`);
  }
}

/** httpCode may come back as a string ("429") or a number. */
export function httpCodeOf(err) {
  return err && err.httpCode != null ? String(err.httpCode) : null;
}

/** Asserts that an input error points at item `index` (property) and names the item in its text. */
export function assertNamesItem(err, index) {
  assert.equal(Number(err.itemIndex), index, `itemIndex should be ${index}, got ${err.itemIndex}`);
  const text = `${err.message}\n${err.description ?? ''}`;
  assert.match(text, new RegExp(`item\\s*(index\\s*)?#?\\s*${index}\\b`, 'i'), `error text should name item ${index}: ${text}`);
}

/** Asserts every output item is `{ json: object, pairedItem: { item: i } }` in order. */
export function assertPaired(out, expectedIndexes) {
  assert.ok(Array.isArray(out), `execute should resolve to an array, got ${JSON.stringify(out)}`);
  out.forEach((o, k) => {
    assert.ok(o && typeof o.json === 'object' && o.json !== null, `output ${k} lacks json`);
    assert.ok(o.pairedItem && Number.isInteger(o.pairedItem.item), `output ${k} lacks pairedItem.item: ${JSON.stringify(o)}`);
  });
  if (expectedIndexes) assert.deepEqual(out.map((o) => o.pairedItem.item), expectedIndexes);
}
