// An on-demand, throw-away PostgreSQL for the tests that need one (tests/e2e/queue-mode.test.mjs: n8n's
// queue mode, whose main and workers share one database; n8n supports Postgres for that, and sqlite only
// "with a warning": three processes writing one sqlite file fail now and then with SQLITE_BUSY, because
// n8n 2.8.4 sets no busy timeout).
//
// ensurePostgres() finds the server binaries (`initdb` and `postgres`: /usr/lib/postgresql/<newest>/bin,
// else the directory `initdb` on PATH resolves to); when they are missing it installs Debian's
// `postgresql` package (as ./redis.mjs installs Redis: root, apt-get, a lock, one `apt-get update` retry;
// where the packaged service may start, e.g. outside a container, it listens on 5432 and is not used).
// startPostgres() makes a fresh cluster in a temp folder (`initdb --auth=trust`, no sync), starts it on
// 127.0.0.1 with a free port and its socket in that folder, durability off (fsync, synchronous_commit,
// full_page_writes), and waits (bounded) until it says it accepts connections and the port answers.
// The server refuses to run as root: as root it runs as the `postgres` user (which the Debian package
// creates). Returns { host, port, user, database, env, stop() }: `env` is n8n's DB_* settings for it;
// stop() shuts it down (fast shutdown, then SIGKILL) and removes the folder. Measured here: initdb and
// start together 0.7–1.2 s.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.mjs';
import { spawnGroup } from './process-group.mjs';
import { aptInstallOnDemand, findExecutable } from './redis.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The directory holding `initdb` and `postgres`, or null. */
export function findPostgresBinDir() {
  const root = '/usr/lib/postgresql';
  try {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = path.join(root, v, 'bin');
      if (fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres'))) return dir;
    }
  } catch {
    /* no Debian layout */
  }
  const initdb = findExecutable('initdb');
  if (!initdb) return null;
  const dir = path.dirname(fs.realpathSync(initdb));
  return fs.existsSync(path.join(dir, 'postgres')) ? dir : null;
}

/**
 * The server's bin directory, installing Debian's `postgresql` first if needed (not measured here, where
 * PostgreSQL 15 came preinstalled: on a bare Debian 12 it is up to ≈ 85 MB of packages — postgresql-15,
 * libllvm14, libicu72, perl — so expect well under a minute).
 */
export function ensurePostgres({ timeoutMs } = {}) {
  return aptInstallOnDemand({ packages: ['postgresql'], find: findPostgresBinDir, what: 'PostgreSQL (initdb, postgres)', note: 'up to ≈ 85 MB', timeoutMs });
}

/** { uid, gid } of a user from /etc/passwd, or null. */
function userIds(name) {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    /* no passwd file */
  }
  return null;
}

/** Runs a command to its end (bounded); resolves { code, output }. */
function run(cmd, args, options, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output = (output + c).slice(-8000)));
    child.stderr.on('data', (c) => (output = (output + c).slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, output });
    });
  });
}

function portAnswers(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/**
 * Starts a throw-away PostgreSQL cluster on 127.0.0.1 (installing the server first if needed).
 * @param {object} [o]
 * @param {number} [o.startTimeoutMs]    bound on initdb + start
 * @param {number} [o.installTimeoutMs]  bound on an install
 */
export async function startPostgres({ startTimeoutMs = 60_000, installTimeoutMs } = {}) {
  const binDir = await ensurePostgres({ timeoutMs: installTimeoutMs });
  const deadline = Date.now() + startTimeoutMs;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const ids = asRoot ? userIds('postgres') : null;
  if (asRoot && !ids) throw new Error('PostgreSQL refuses to run as root and there is no `postgres` user to run it as (the Debian package creates one)');

  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-test-'));
  if (ids) fs.chownSync(base, ids.uid, ids.gid);
  const dataDir = path.join(base, 'data');
  const user = 'postgres';
  const spawnOptions = { cwd: base, env: { ...process.env, LC_ALL: 'C', LANG: 'C' }, ...(ids ?? {}) };

  const init = await run(
    path.join(binDir, 'initdb'),
    ['-D', dataDir, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C', '--no-instructions'],
    spawnOptions,
    Math.max(1000, deadline - Date.now()),
  );
  if (init.code !== 0) {
    fs.rmSync(base, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.code}):\n${init.output}`);
  }

  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startServer({ binDir, dataDir, base, port, user, spawnOptions, deadline });
    } catch (err) {
      lastError = err;
      if (Date.now() > deadline) break;
    }
  }
  fs.rmSync(base, { recursive: true, force: true });
  throw lastError;
}

async function startServer({ binDir, dataDir, base, port, user, spawnOptions, deadline }) {
  const args = [
    '-D', dataDir,
    '-p', String(port),
    '-k', base,
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
    '-c', 'max_connections=100',
  ];
  // own process group: the postmaster's children go with it
  const server = spawnGroup(path.join(binDir, 'postgres'), args, { ...spawnOptions, keepBytes: 20_000 });
  const output = server.output;
  const exitInfo = server.exitInfo;
  let stopping = null;
  const stop = ({ removeData = true } = {}) => {
    stopping ??= (async () => {
      // SIGINT: "fast shutdown" (disconnects clients, no checkpoint wait worth speaking of with fsync off)
      await server.stop({ signal: 'SIGINT', toGroup: false, graceMs: 8000, killMs: 3000 });
      if (removeData) fs.rmSync(base, { recursive: true, force: true });
    })();
    return stopping;
  };

  for (;;) {
    if (exitInfo()) {
      await stop({ removeData: false });
      throw new Error(`postgres on port ${port} exited before it was ready (${JSON.stringify(exitInfo())}):\n${output().slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      await stop({ removeData: false });
      throw new Error(`postgres on port ${port} was not ready in time:\n${output().slice(-3000)}`);
    }
    if (/database system is ready to accept connections/.test(output()) && (await portAnswers(port))) break;
    await sleep(100);
  }
  const database = 'postgres';
  return {
    host: '127.0.0.1',
    port,
    user,
    database,
    pid: server.pid,
    output,
    /** n8n's settings for this database (trust auth: any password is accepted) */
    env: {
      DB_TYPE: 'postgresdb',
      DB_POSTGRESDB_HOST: '127.0.0.1',
      DB_POSTGRESDB_PORT: String(port),
      DB_POSTGRESDB_DATABASE: database,
      DB_POSTGRESDB_USER: user,
      DB_POSTGRESDB_PASSWORD: 'unused-trust-auth',
      DB_POSTGRESDB_SCHEMA: 'public',
    },
    stop,
  };
}
