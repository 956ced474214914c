// A running n8n for the e2e tests that talk to it as its editor does: one `n8n` process (its own
// process group, so stopping it also ends the task runner it forks), a headless `n8n start` with its
// own temp user folder (sqlite) and free loopback ports, and the editor's REST calls (JSON, the auth
// cookie, the browser-id header) with owner sign-up. Used by appdirect, editor, picker-rest and
// (through queue-harness.mjs) queue-mode.
//
// What n8n 2.8.4 and 2.41.1 do while starting: `/healthz` answers as soon as the HTTP server listens.
// Until the database is migrated every other route answers 200 "n8n is starting up. Please wait"
// (text), and the REST controllers are registered only after that (Server.start): so a start waits for
// `/healthz/readiness` and for JSON from an unauthenticated REST route too.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXTENSIONS_DIR, freePort, N8N_BIN, N8N_NODE, n8nEnv } from './n8n-harness.mjs';
import { spawnGroup, within } from '../support/process-group.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const tail = (text, n = 40) => text.split('\n').slice(-n).join('\n');

export { within };

/**
 * Spawns one n8n process (`n8n <args…>`) in its own process group and keeps its whole output
 * (bounded at 20 MB).
 */
export function spawnN8n({ name, args, env, cwd }) {
  const process = spawnGroup(N8N_NODE, [N8N_BIN, ...args], { cwd, env });
  return {
    name,
    pid: process.pid,
    output: process.output,
    exitInfo: process.exitInfo,
    exited: process.exited,
    /** SIGTERM to the group, then (bounded) SIGKILL to whatever is left of it. */
    stop: ({ graceMs = 8000 } = {}) => process.stop({ graceMs }),
  };
}

/** GET `url` with a short timeout; the Response, or null when nothing answered. */
async function tryGet(url) {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(2000) });
  } catch {
    return null;
  }
}

/** Waits (bounded by `deadline`) until each [url, ready(res)] check passes, failing early if `proc` exits. */
export async function waitForRoutes(proc, checks, deadline) {
  for (const [url, ready] of checks) {
    for (;;) {
      if (proc.exitInfo()) throw new Error(`${proc.name} exited before ${url} answered (${JSON.stringify(proc.exitInfo())})\n--- ${proc.name} output (tail) ---\n${tail(proc.output())}`);
      if (Date.now() > deadline) throw new Error(`${proc.name}: ${url} was not ready in time\n--- ${proc.name} output (tail) ---\n${tail(proc.output())}`);
      const res = await tryGet(url);
      if (res?.status === 200 && (await ready(res).catch(() => false))) break;
      await sleep(250);
    }
  }
}

export const statusOk = async (res) => (await res.json()).status === 'ok';

/** The checks after which main's REST API serves (see the top of this file). */
export const restReady = (baseUrl) => [
  [`${baseUrl}/healthz`, statusOk],
  [`${baseUrl}/healthz/readiness`, statusOk],
  [`${baseUrl}/rest/settings`, async (res) => typeof (await res.json()).data === 'object'],
];

/**
 * A headless `n8n start` (regular mode, sqlite) loading `extensionsDir`, ready once its REST API
 * answers; `env` adds to n8n-harness's environment, `httpPort` is a free one unless given (for an
 * `env` that names it). Resolves to { baseUrl, proc, pid, output(), startMs, stop() }; stop() ends
 * the process group and removes the temp folder.
 */
export async function startN8nServer({ prefix = 'n8n-e2e-', extensionsDir = EXTENSIONS_DIR, env = {}, httpPort, timeoutMs = 60_000 } = {}) {
  const started = Date.now();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const userFolder = path.join(base, 'user');
  fs.mkdirSync(userFolder);
  httpPort ??= await freePort();
  let brokerPort = await freePort();
  while (brokerPort === httpPort) brokerPort = await freePort();
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  const proc = spawnN8n({
    name: 'n8n',
    args: ['start'],
    cwd: base,
    env: n8nEnv({ userFolder, extensionsDir, brokerPort, httpPort, extra: { N8N_LICENSE_AUTO_RENEW_ENABLED: 'false', ...env } }),
  });
  const server = {
    baseUrl,
    proc,
    pid: proc.pid,
    output: proc.output,
    startMs: 0,
    async stop() {
      await proc.stop();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    await waitForRoutes(proc, restReady(baseUrl), started + timeoutMs);
  } catch (err) {
    await server.stop();
    throw err;
  }
  server.startMs = Date.now() - started;
  return server;
}

// ---------------------------------------------------------------------------------------------------
// the editor's REST calls: JSON bodies, the auth cookie, the browser-id header

export const OWNER = { email: 'owner@example.com', firstName: 'E2e', lastName: 'Tester', password: 'Owner-E2e-2024' };

/**
 * `rest(method, route, body)` → { status, body, text, setsAuthCookie }, as the editor calls n8n: the
 * editor sends a per-tab `browser-id` header, and n8n ties the auth cookie to it.
 */
export function restClient(baseUrl, { timeoutMs = 20_000, browserId = 'e2e-rest-0001' } = {}) {
  let cookie = null;
  return async function rest(method, route, body) {
    const headers = { accept: 'application/json', 'browser-id': browserId };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (cookie) headers.cookie = cookie;
    const res = await fetch(`${baseUrl}/rest${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    let setsAuthCookie = false;
    for (const setCookie of res.headers.getSetCookie()) {
      const m = /^n8n-auth=([^;]*)/.exec(setCookie);
      if (m) {
        cookie = m[1] ? `n8n-auth=${m[1]}` : null;
        setsAuthCookie = Boolean(m[1]);
      }
    }
    const text = await res.text();
    return { status: res.status, body: jsonOrUndefined(text), text, setsAuthCookie };
  };
}

/** `text` as JSON, or undefined where it is not JSON (n8n's "starting up" page, an HTML error). */
export function jsonOrUndefined(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `data` of a 2xx REST answer, or an error naming the call, the status and the body. */
export function dataOf(what, res) {
  if (res.status < 200 || res.status >= 300 || res.body?.data === undefined) throw new Error(`${what}: HTTP ${res.status}\n${res.text.slice(0, 2000)}`);
  return res.body.data;
}

/** Owner sign-up and login on a fresh instance; returns { api, personalProjectId }. */
export async function signUpOwner(baseUrl, owner = OWNER) {
  const api = restClient(baseUrl);
  dataOf('POST /rest/owner/setup', await api('POST', '/owner/setup', owner));
  dataOf('POST /rest/login', await api('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password }));
  const personalProjectId = dataOf('GET /rest/projects/personal', await api('GET', '/projects/personal')).id;
  return { api, personalProjectId };
}
