// Stoplight Prism (pinned in ./package.json) as a spec-driven mock, plus a small recording proxy in
// front of it (or of several: `route`) so every request the runtime sends — and Prism's verdict on it —
// can be tied to the operation that sent it.
//
// What was learned about Prism 5.16.0 here (Node 20.20; its package.json declares node >= 24.18, npm
// only warns — EBADENGINE — and it runs fine on 20):
//
//   - `npm ci --ignore-scripts` in this folder: ≈ 10 s, 213 packages, ≈ 74 MB. `--ignore-scripts` also
//     skips @scarf/scarf's install-time analytics ping; Prism itself fetches nothing when mocking a
//     local file (it only reads the document and listens on loopback).
//   - `prism mock -h 127.0.0.1 -p PORT openapi.json` listens ≈ 2–4 s after spawn; it prints one line per
//     route, then "Prism is listening on http://127.0.0.1:PORT".
//   - Every request is validated against the operation Prism routes it to: security (here the
//     `x-access-token` apiKey header), path/query/header parameters (presence, type, format, enum,
//     ranges, patterns — ajv) and the body (content type, then the JSON schema of the media type).
//     The violations come back in the `sl-violations` response header, a JSON array of
//     `{ location: ['request', 'body', 'name'], severity: 'Error'|'Warning'|'Information', code, message }`,
//     and a request with an Error-severity violation gets an error status instead of a mock answer:
//     401 for security; otherwise one of the operation's own 4xx answers (400 or 422, its example as
//     the body) — a wrong content type included (violation code 415, status 400 or 422). The header,
//     not the status, is the verdict this test uses: any `request…` entry fails the operation.
//   - That request checking is the same with and without `--errors`. What `--errors` adds is that
//     Prism also checks its OWN answer (built from the spec's examples) against the response schema
//     and turns a mismatch into a 500 "…#VIOLATIONS". In this spec ≈ 22 operations' examples disagree
//     with their schemas (missing required properties, `format: url`, …), so with `--errors` those
//     operations could never be checked end to end; without it the answer comes through, and the
//     response notes (location ['response', …]) are still in the header and listed in the report.
//   - A request that matches no route gets 404 problem+json `…#NO_PATH_MATCHED_ERROR`; a wrong method
//     405 `…#NO_METHOD_MATCHED_ERROR` (no sl-violations header). An Accept header the operation cannot
//     answer gets 406 `…#NOT_ACCEPTABLE`.
//   - A valid request gets the operation's first 2xx response, built from the spec's examples (static
//     mode, deterministic).
//   - A query parameter the operation does not declare is let through without a word (the AppDirect
//     proxy checks that itself). A document without security schemes gets no security check at all.
//   - Several at once (AppDirect: ten documents, one process each, behind one proxy): started together
//     they listen after ≈ 10–12 s in all (CPU-bound start-up); `freePorts(n)` hands out distinct ports.
//     HEAD operations are routed and answered (with a response note that the empty answer has no
//     media type).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/free-port.mjs';
import { ensureInstalled, NPM } from '../support/install-on-demand.mjs';

export { freePort };

/** `n` distinct ports that were free a moment ago (held open together, so no two are the same). */
export async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve(srv));
    })),
  );
  const ports = servers.map((srv) => srv.address().port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

export const CONTRACT_DIR = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(CONTRACT_DIR, '..', '..');
export const PRISM_BIN = path.join(CONTRACT_DIR, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

/** Installs Prism (exactly as package-lock.json pins it) into tests/contract/node_modules unless it is there. */
export async function ensurePrism() {
  await ensureInstalled({
    dir: CONTRACT_DIR,
    label: 'contract',
    lockName: '.install.lock',
    lockWaitMs: 5 * 60_000,
    pollMs: 1000,
    ready: () => fs.existsSync(PRISM_BIN),
    steps: [
      {
        note: 'Prism is not installed in tests/contract — installing (≈ 10 s, ≈ 74 MB)',
        cmd: NPM,
        args: ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--engine-strict=false'],
        produces: PRISM_BIN,
      },
    ],
  });
  return PRISM_BIN;
}

/**
 * Starts `prism mock` on `specPath` (static answers from the spec's examples); resolves to { url, close(), output() } once it listens.
 * `port`: the port to listen on (default: a free one); pass ports from `freePorts` when starting several at once.
 */
export async function startPrism(specPath, { timeoutMs = 60_000, port: wanted } = {}) {
  const bin = await ensurePrism();
  const port = wanted ?? (await freePort());
  const child = spawn(process.execPath, [bin, 'mock', '-h', '127.0.0.1', '-p', String(port), specPath], {
    cwd: CONTRACT_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '', FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const started = Date.now();
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Prism did not start within ${timeoutMs} ms:\n${output.slice(-4000)}`)), timeoutMs);
    const check = () => {
      if (/Prism is listening on/.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited (${code ?? signal}) before listening:\n${output.slice(-4000)}`));
    });
  });
  const startMs = Date.now() - started;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    startMs,
    output: () => output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * A proxy on 127.0.0.1 that forwards everything to `target` and records each exchange:
 * { method, url, headers, body (text), status, violations (parsed sl-violations), answerType, answer (text) }.
 * `take()` hands back (and forgets) what was recorded since the last call.
 *
 * Options, for a mock made of several Prism processes behind one address (tests/contract/appdirect.test.mjs):
 *   - `answer(entry, body)`: may answer a request itself (e.g. an OAuth2 token endpoint) by returning
 *     { status, headers, body }; it may also push its own findings onto `entry.violations` (a
 *     `location: ['request', …]` entry fails the operation like one of Prism's).
 *   - `route(entry)`: where to forward: { target, path, routedTo? } (`routedTo`: what the request was
 *     matched to, kept on the entry), or null when nothing serves it (answered 404 NO_PATH_MATCHED).
 */
export async function startRecordingProxy(target, { answer: answerSelf, route } = {}) {
  const fixed = target ? new URL(target) : null;
  let log = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry = { method: req.method, url: req.url, headers: { ...req.headers }, body: body.toString('utf8'), violations: [] };
      log.push(entry);
      const own = answerSelf?.(entry, body);
      if (own) {
        const raw = Buffer.from(typeof own.body === 'string' ? own.body : JSON.stringify(own.body ?? ''));
        entry.status = own.status;
        entry.answerType = own.headers?.['content-type'] ?? '';
        entry.answer = raw.toString('utf8').slice(0, 4000);
        res.writeHead(own.status, { ...own.headers, 'content-length': String(raw.length) });
        res.end(raw);
        return;
      }
      const where = route ? route(entry) : { target: fixed, path: req.url };
      if (!where) {
        const raw = Buffer.from(JSON.stringify({ type: 'https://stoplight.io/prism/errors#NO_PATH_MATCHED_ERROR', title: 'Route not resolved, no path matched', detail: `contract proxy: no document serves ${req.method} ${req.url}` }));
        entry.status = 404;
        entry.answerType = 'application/problem+json';
        entry.answer = raw.toString('utf8');
        res.writeHead(404, { 'content-type': 'application/problem+json', 'content-length': String(raw.length) });
        res.end(raw);
        return;
      }
      if (where.routedTo !== undefined) entry.routedTo = where.routedTo;
      const targetUrl = new URL(where.target);
      const headers = { ...req.headers, host: targetUrl.host };
      const upstream = http.request(
        { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: where.path, headers },
        (answer) => {
          const parts = [];
          answer.on('data', (c) => parts.push(c));
          answer.on('end', () => {
            const raw = Buffer.concat(parts);
            entry.status = answer.statusCode;
            entry.answerType = answer.headers['content-type'] ?? '';
            entry.answer = raw.toString('utf8').slice(0, 4000);
            entry.violations.push(...parseViolations(answer.headers['sl-violations']));
            const out = { ...answer.headers };
            delete out['transfer-encoding'];
            out['content-length'] = String(raw.length);
            res.writeHead(answer.statusCode, out);
            res.end(raw);
          });
        },
      );
      upstream.on('error', (err) => {
        entry.status = 0;
        entry.proxyError = err.message;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`contract proxy: ${err.message}`);
      });
      upstream.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    take() {
      const taken = log;
      log = [];
      return taken;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

function parseViolations(header) {
  if (!header) return [];
  try {
    const list = JSON.parse(Array.isArray(header) ? header.join(',') : header);
    return Array.isArray(list) ? list : [{ location: ['request'], severity: 'Error', message: `unreadable sl-violations: ${header}` }];
  } catch {
    return [{ location: ['request'], severity: 'Error', message: `unreadable sl-violations: ${header}` }];
  }
}
