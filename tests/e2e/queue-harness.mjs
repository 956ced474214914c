// n8n's queue mode (scale-out) for the e2e tests: one main (`n8n start`) and N workers (`n8n worker`)
// sharing one database and one Redis, with the repository's pkg-n8n/ loaded by every process.
// Used by tests/e2e/queue-mode.test.mjs. Builds on n8n-harness.mjs (its env, its n8n, its Node).
//
// What was learned about n8n 2.8.4's queue mode (checked by hand, then by the test):
//   - Every process gets EXECUTIONS_MODE=queue, QUEUE_BULL_REDIS_HOST/PORT, the same N8N_ENCRYPTION_KEY,
//     the same N8N_USER_FOLDER and the same database: Postgres (DB_TYPE=postgresdb, DB_POSTGRESDB_*), or
//     one sqlite file (<folder>/.n8n/database.sqlite). With sqlite n8n warns "Scaling mode is not
//     officially supported with sqlite. Please use PostgreSQL instead." and mostly works — but with 100
//     concurrent webhook calls about every second run had one execution fail with "SQLITE_BUSY: database
//     is locked" (on BEGIN IMMEDIATE TRANSACTION; the webhook answered 500 "Error in workflow"): n8n's
//     sqlite-pooled driver serialises writes within a process and sets no busy_timeout, so a write that
//     meets another process's write lock fails at once. With Postgres no such failure.
//   - main must come first: it runs the migrations; a worker does not wait for them.
//   - Each process starts its own task broker (N8N_RUNNERS_BROKER_PORT: one per process). A worker opens
//     no HTTP server of its own unless QUEUE_HEALTH_CHECK_ACTIVE=true; then it serves /healthz and
//     /healthz/readiness (DB connected and migrated, Redis connected) on QUEUE_HEALTH_CHECK_PORT (default
//     5678, which would collide with main: one port per worker).
//   - main receives the production webhook, stores the execution, enqueues it ("Enqueued execution <id>
//     (job <job>)") and waits; a worker takes the job ("Worker started execution <id> (job <job>)"), runs
//     it, reports back over Redis ("Worker finished execution <id> (job <job>)"; main logs "Execution
//     <id> (job <job>) finished"), and main answers the webhook. The execution row holds no worker id, so
//     the worker's own log is the record of who ran what.
//   - Pickers (REST /rest/dynamic-node-parameters/…) are answered by main itself.
//   - Activating a workflow over REST returns before main serves its webhook on n8n 2.41.1 (2.8.4: at
//     once): wait with waitForProductionWebhook() before calling it.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EXTENSIONS_DIR, freePort, n8nEnv } from './n8n-harness.mjs';
import { restReady, sleep, spawnN8n, statusOk, tail, waitForRoutes } from './n8n-server.mjs';

/** Distinct free loopback ports. */
async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts n8n in queue mode: main first (until its REST API answers), then `workers` workers (until each
 * one's /healthz/readiness says DB and Redis are connected and it logged "n8n worker is now ready").
 *
 * @param {object} o
 * @param {{ host?: string, port: number }} o.redis
 * @param {{ env: object }} [o.database]  the shared database: n8n's DB_* env for it (e.g. startPostgres()
 *                                    from tests/support/postgres.mjs); without it, one sqlite file
 * @param {number} [o.workers=2]
 * @param {number} [o.concurrency=10]   `n8n worker --concurrency`: jobs one worker runs at once
 * @param {string} [o.extensionsDir]    N8N_CUSTOM_EXTENSIONS for every process (default pkg-n8n/)
 * @param {object} [o.env]              extra env for every process
 * @param {number} [o.timeoutMs=90000]  bound on the whole start
 * @returns {Promise<{ baseUrl, userFolder, main, workers, processes, startMs: { main, workers }, stop }>}
 */
export async function startQueueCluster({ redis, database, workers = 2, concurrency = 10, extensionsDir = EXTENSIONS_DIR, env: extraEnv = {}, timeoutMs = 90_000 }) {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-e2e-'));
  const userFolder = path.join(base, 'user');
  fs.mkdirSync(userFolder);
  // per process: a task broker port and an HTTP port (main's server, a worker's health server)
  const ports = await freePorts(2 * (1 + workers));
  const shared = {
    EXECUTIONS_MODE: 'queue',
    QUEUE_BULL_REDIS_HOST: redis.host ?? '127.0.0.1',
    QUEUE_BULL_REDIS_PORT: String(redis.port),
    N8N_LICENSE_AUTO_RENEW_ENABLED: 'false',
    // the shared database: the one given, or one sqlite file for all processes (what the shared
    // N8N_USER_FOLDER gives each of them anyway, said explicitly)
    ...(database ? database.env : { DB_TYPE: 'sqlite', DB_SQLITE_DATABASE: path.join(userFolder, '.n8n', 'database.sqlite') }),
    N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
    ...extraEnv,
  };
  const processes = [];
  const cluster = {
    baseUrl: null,
    userFolder,
    main: null,
    workers: [],
    processes,
    startMs: { main: 0, workers: 0 },
    async stop() {
      // workers first (they hold jobs), then main; each bounded
      await Promise.all(cluster.workers.map((w) => w.stop()));
      await cluster.main?.stop();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  try {
    const [mainHttp, mainBroker] = ports;
    cluster.baseUrl = `http://127.0.0.1:${mainHttp}`;
    cluster.main = spawnN8n({
      name: 'main',
      args: ['start'],
      cwd: base,
      env: n8nEnv({ userFolder, extensionsDir, brokerPort: mainBroker, httpPort: mainHttp, extra: { ...shared, WEBHOOK_URL: `${cluster.baseUrl}/` } }),
    });
    processes.push(cluster.main);
    // readiness also means Redis is connected here
    await waitForRoutes(cluster.main, restReady(cluster.baseUrl), deadline);
    cluster.startMs.main = Date.now() - t0;

    const tw = Date.now();
    for (let i = 0; i < workers; i++) {
      const [healthPort, brokerPort] = ports.slice(2 * (i + 1), 2 * (i + 2));
      const worker = spawnN8n({
        name: `worker${i + 1}`,
        args: ['worker', `--concurrency=${concurrency}`],
        cwd: base,
        env: n8nEnv({
          userFolder,
          extensionsDir,
          brokerPort,
          // unused by a worker, but distinct from everything else
          httpPort: healthPort,
          extra: { ...shared, QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(healthPort), QUEUE_HEALTH_CHECK_ADDRESS: '127.0.0.1' },
        }),
      });
      worker.healthUrl = `http://127.0.0.1:${healthPort}`;
      cluster.workers.push(worker);
      processes.push(worker);
    }
    // the workers boot in parallel
    await Promise.all(
      cluster.workers.map(async (w) => {
        await waitForRoutes(w, [[`${w.healthUrl}/healthz`, statusOk], [`${w.healthUrl}/healthz/readiness`, statusOk]], deadline);
        while (!/n8n worker is now ready/.test(w.output())) {
          if (w.exitInfo() || Date.now() > deadline) throw new Error(`${w.name} never logged "n8n worker is now ready"\n${tail(w.output())}`);
          await sleep(100);
        }
      }),
    );
    cluster.startMs.workers = Date.now() - tw;
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/**
 * Waits (bounded) until main serves the production webhook `method path`, asking the way a browser's
 * CORS preflight does (OPTIONS with Origin and Access-Control-Request-Method): n8n answers 204 with
 * Access-Control-Allow-Methods naming the method once the webhook is registered, 404 before — and runs
 * nothing either way. (n8n 2.41.1 registers an activated workflow's webhook a moment after the activate
 * call returns; calls made in between get 404 "The requested webhook … is not registered".)
 */
export async function waitForProductionWebhook(baseUrl, webhookPath, method, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/webhook/${webhookPath}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1', 'access-control-request-method': method },
        signal: AbortSignal.timeout(2000),
      });
      const allowed = res.headers.get('access-control-allow-methods') ?? '';
      last = `${res.status} ${allowed} ${(await res.text()).slice(0, 300)}`;
      if (res.status === 204 && allowed.split(/\s*,\s*/).includes(method)) return;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`the production webhook ${method} /webhook/${webhookPath} was not registered within ${timeoutMs} ms (last answer: ${last})`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------
// what the processes logged

/** Execution ids a worker's log says it started and finished: { started: Set, finished: Set }. */
export function workerExecutions(output) {
  const ids = (re) => new Set([...output.matchAll(re)].map((m) => m[1]));
  return {
    started: ids(/Worker started execution (\d+) \(job \d+\)/g),
    finished: ids(/Worker finished execution (\d+) \(job \d+\)/g),
  };
}

/** Execution ids main's log says it enqueued, and says a worker reported finished. */
export function mainExecutions(output) {
  const ids = (re) => new Set([...output.matchAll(re)].map((m) => m[1]));
  return {
    enqueued: ids(/Enqueued execution (\d+) \(job \d+\)/g),
    finished: ids(/Execution (\d+) \(job \d+\) finished/g),
  };
}

// ---------------------------------------------------------------------------------------------------
// which process sent a request: a loopback TCP proxy that asks the kernel who owns each connection

/**
 * The pid (among `pids`) whose open files hold the client end of the loopback TCP connection
 * 127.0.0.1:`clientPort` → 127.0.0.1:`serverPort`, or null. Linux only: the socket's inode from
 * /proc/net/tcp{,6}, then /proc/<pid>/fd/* links `socket:[inode]`.
 */
export function socketOwner(clientPort, serverPort, pids) {
  const hexPort = (p) => p.toString(16).toUpperCase().padStart(4, '0');
  const local = `:${hexPort(clientPort)}`;
  const remote = `:${hexPort(serverPort)}`;
  let inode = null;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[1].endsWith(local) && f[2].endsWith(remote)) {
        inode = f[9];
        break;
      }
    }
    if (inode) break;
  }
  if (!inode || inode === '0') return null;
  const link = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === link) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

/**
 * A loopback TCP proxy in front of `target` (an http://127.0.0.1:port origin) that records, for every
 * connection, which of the processes `processes()` returns ([{ name, pid }]) opened it (socketOwner), and
 * every HTTP request line sent over it. `requests`: [{ method, path, by }] in arrival order (`by`: the
 * process name, or null when the owner was not found); `connections`: [{ by, clientPort }].
 */
export async function startOwnerTracingProxy({ target, processes }) {
  const { hostname, port: targetPort } = new URL(target);
  const requests = [];
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const clientPort = client.remotePort;
    const procs = processes();
    const pid = socketOwner(clientPort, server.address().port, procs.map((p) => p.pid));
    const by = procs.find((p) => p.pid === pid)?.name ?? null;
    connections.push({ by, clientPort });
    const upstream = net.connect({ host: hostname, port: Number(targetPort) });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    let head = '';
    client.on('data', (chunk) => {
      // request lines of the (small, GET-or-JSON) requests the nodes send; bodies never start a line
      // with "<METHOD> /… HTTP/1.x", so scanning the stream for them is enough here
      head += chunk.toString('latin1');
      const re = /(?:^|\r\n)(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/\S*) HTTP\/1\.[01]\r\n/g;
      let m;
      let consumed = 0;
      while ((m = re.exec(head))) {
        requests.push({ method: m[1], path: m[2], by, clientPort });
        consumed = re.lastIndex;
      }
      // keep a little for a request line split across chunks
      head = head.slice(Math.max(consumed, head.length - 2048));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    connections,
    reset() {
      requests.length = 0;
      connections.length = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
