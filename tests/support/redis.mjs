// An on-demand Redis for the tests that need one (tests/e2e/queue-mode.test.mjs: n8n's queue mode).
//
// ensureRedisServer() finds `redis-server` on PATH (or in /usr/bin, /usr/sbin, /usr/local/bin); when it
// is missing it installs Debian's package: `apt-get install -y --no-install-recommends redis-server`, as
// root, once even when several test processes ask at the same time (a lock directory in the temp folder
// serialises them; aptInstallOnDemand, which ./postgres.mjs uses too). Only package registries are
// reachable here; Debian's are. If the package lists are too old to know the package, it runs
// `apt-get update` once and tries again. Measured (Debian 12, 2 cores): the install takes 4–9 s
// (redis-server, redis-tools, liblzf1, libjemalloc2); Debian's policy-rc.d keeps the packaged service
// from starting in a container (elsewhere it may start one on 6379; the tests never use it).
//
// startRedis() starts one private server: 127.0.0.1 only, a free port, no persistence (`--save ''`,
// no AOF), its working directory in a fresh temp folder, and waits (bounded) until it answers PING.
// It returns { port, host, url, pid, stop() }; stop() ends it (SIGTERM, then SIGKILL) and removes the
// folder. A server still running when the test process exits is killed with it.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.mjs';

const log = (msg) => process.stderr.write(`[apt] ${msg}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The path of an executable `redis-server`, or null. */
export function findRedisServer() {
  return findExecutable('redis-server');
}

/** The path of an executable `name` on PATH or in /usr/bin, /usr/sbin, /usr/local/bin, or null. */
export function findExecutable(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin', ...extraDirs];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/**
 * The path of `redis-server`, installed from Debian's packages first if it is missing.
 * @param {object} [o]
 * @param {number} [o.timeoutMs]  bound on the whole install (lock wait, apt-get update, apt-get install)
 */
export function ensureRedisServer({ timeoutMs } = {}) {
  return aptInstallOnDemand({ packages: ['redis-server'], find: findRedisServer, what: 'redis-server', note: '≈ 10 s', timeoutMs });
}

/**
 * `find()`'s answer; when it is null, installs Debian's `packages` first (as root, `apt-get install -y
 * --no-install-recommends`, with one `apt-get update` and a retry if that fails) and asks again. A lock
 * directory in the temp folder makes concurrent callers install once. Also used by ./postgres.mjs.
 *
 * @param {object} o
 * @param {string[]} o.packages   Debian package names
 * @param {() => string | null} o.find  where the installed thing is, or null
 * @param {string} o.what         for messages, e.g. 'redis-server'
 * @param {string} [o.note]       how long it usually takes, for the log line
 * @param {number} [o.timeoutMs]  bound on the whole install (default 5 min)
 */
export async function aptInstallOnDemand({ packages, find, what, note, timeoutMs = 5 * 60_000 }) {
  const found = find();
  if (found) return found;
  const deadline = Date.now() + timeoutMs;
  const lock = path.join(os.tmpdir(), 'marketplace-tests-apt-install.lock');
  await acquireLock(lock, deadline);
  try {
    const again = find();
    if (again) return again;
    const by = `Debian/Ubuntu: \`apt-get install ${packages.join(' ')}\``;
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new Error(`${what} is not installed and this is not root, so it cannot be installed on demand: install it (${by}) and run again`);
    }
    if (!findExecutable('apt-get')) throw new Error(`${what} is not installed and there is no apt-get to install it with: install it (${by}) and run again`);
    const started = Date.now();
    log(`${what} is not installed — installing Debian's ${packages.join(', ')}${note ? ` (${note})` : ''}`);
    const install = ['install', '-y', '--no-install-recommends', ...packages];
    let r = await apt(install, deadline);
    if (r.code !== 0) {
      // stale or missing package lists: refresh them once and try again
      log(`apt-get install failed (exit ${r.code}); running apt-get update and trying again`);
      const u = await apt(['update'], deadline);
      if (u.code !== 0) throw new Error(`apt-get update failed (exit ${u.code}):\n${u.tail}`);
      r = await apt(install, deadline);
    }
    if (r.code !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed (exit ${r.code}):\n${r.tail}`);
    const installed = find();
    if (!installed) throw new Error(`apt-get install ${packages.join(' ')} succeeded but ${what} is still not found:\n${r.tail}`);
    log(`installed ${installed} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return installed;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function acquireLock(lock, deadline) {
  for (;;) {
    try {
      fs.mkdirSync(lock);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // a lock older than 10 minutes belongs to an install that died
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`the apt install lock ${lock} is still held; remove it if stale`);
      await sleep(500);
    }
  }
}

/** Runs apt-get non-interactively, bounded by `deadline`; resolves { code, tail }. */
function apt(args, deadline) {
  return new Promise((resolve, reject) => {
    log(`$ apt-get ${args.join(' ')}`);
    const child = spawn('apt-get', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      tail += '\n(killed: the install took too long)';
    }, Math.max(1000, deadline - Date.now()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, tail });
    });
  });
}

/** Sends PING over a fresh connection; true when the answer is +PONG. */
function ping(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/**
 * Starts a private Redis on 127.0.0.1 (installing redis-server first if needed).
 * @param {object} [o]
 * @param {number} [o.startTimeoutMs]    bound on one start (until it answers PING)
 * @param {number} [o.installTimeoutMs]  bound on an install, see ensureRedisServer
 * @returns {Promise<{ port: number, host: string, url: string, pid: number, bin: string, output: () => string, stop: () => Promise<void> }>}
 */
export async function startRedis({ startTimeoutMs = 15_000, installTimeoutMs } = {}) {
  const bin = await ensureRedisServer({ timeoutMs: installTimeoutMs });
  let lastError;
  // the free port may be taken between freePort() and redis binding it: try a few
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, await freePort(), startTimeoutMs);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

async function startOnce(bin, port, startTimeoutMs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-test-'));
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'yes',
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--dir', dir,
    '--logfile', '',
    '--databases', '1',
  ];
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((exitInfo = { code, signal })));
    child.once('error', (error) => resolve((exitInfo = { error })));
  });
  const killOnExit = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  };
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exitInfo) {
      child.kill('SIGTERM');
      if (!(await within(exited, 5000))) child.kill('SIGKILL');
      await within(exited, 5000);
    }
    process.off('exit', killOnExit);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const started = Date.now();
  for (;;) {
    if (exitInfo) {
      await stop();
      throw new Error(`redis-server on port ${port} exited before it answered PING (${JSON.stringify(exitInfo)}):\n${output.slice(-3000)}`);
    }
    if (Date.now() - started > startTimeoutMs) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING within ${startTimeoutMs} ms:\n${output.slice(-3000)}`);
    }
    if (await ping(port)) break;
    await sleep(100);
  }
  return { port, host: '127.0.0.1', url: `redis://127.0.0.1:${port}`, pid: child.pid, bin, output: () => output, stop };
}

/** Resolves `promise`'s value, or undefined after `ms` — leaving no timer behind. */
function within(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/** `redis-server --version`'s line, e.g. "Redis server v=7.0.15 …". */
export function redisVersion(bin = findRedisServer()) {
  if (!bin) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : null;
}
