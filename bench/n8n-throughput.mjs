// Bench-only (scripts/bench.mjs): throughput in a real n8n 2.8.4, started the way the e2e tests start it
// (tests/e2e/n8n-harness.mjs: one fresh user folder, `n8n import:*`, one `n8n execute` process per workflow).
//
// Part 1 — Manual Trigger → Code (ITEMS items) → one node, against a loopback server answering every
// request after 20 ms and counting requests in flight; one workflow per node:
//   (a) this package's mittwald node, Article → Get Article, with the mittwald credential;
//   (b) n8n's HTTP Request node v4.2, Header Auth credential (x-access-token), GET of the same URL;
//   (c) the generated declarative mittwald node (bench/devlikeapro/n8n/: the @devlikeapro/n8n-openapi-node
//       builder run on the same spec, as wiesinghilker/n8n-nodes-mittwald does), same operation.
// Part 2 — the same, 200 items, against a rate-limited server (leaky bucket: burst 20, leaks 4 requests/s,
// 429 + Retry-After beyond it): (a) and (b), both with continue-on-fail on (so every failed item shows
// as an error item instead of stopping the node) and otherwise default settings.
//
// For each run: the node's executionTime from the execution's runData, the `n8n execute` process's wall
// time (boot included), the most requests in flight the server saw, and the peak RSS (VmHWM) of the
// `n8n execute` process (Linux /proc; polled every 100 ms; the task-runner child that runs the Code node
// is not included).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chainWorkflow, customType, ensureN8n, N8N_BIN, E2E_DIR, REPO_ROOT, runWorkflows } from '../tests/e2e/n8n-harness.mjs';

/** The n8n package this bench runs: mittwald's. */
const PACKAGE_DIR = path.join(REPO_ROOT, 'pkg-n8n', 'n8n-nodes-mittwald-marketplace');
import { ARTICLE_ID, startPacedServer } from './paced.mjs';

const BENCH_DIR = path.dirname(new URL(import.meta.url).pathname);
const GENERATED_DIR = path.join(BENCH_DIR, 'devlikeapro', 'n8n');
const GENERATED_BUILDER = path.join(BENCH_DIR, 'devlikeapro', 'node_modules', '@devlikeapro', 'n8n-openapi-node', 'package.json');
const SQLITE_BINDING = path.join(E2E_DIR, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node');
const TOKEN = 'bench-n8n-token';

const CRED = {
  ours: { id: 'benchMittwald001', name: 'mittwald (bench)' },
  oursLimited: { id: 'benchMittwald002', name: 'mittwald (bench, rate-limited)' },
  header: { id: 'benchHeaderAuth1', name: 'x-access-token (bench)' },
  generated: { id: 'benchMittwaldGen', name: 'mittwald generated (bench)' },
};

const ratio = (a, b) => (a && b ? `${(a / b).toFixed(a / b >= 10 ? 0 : 2)}×` : 'n/a');
const mb = (bytes) => (bytes ? `${(bytes / 1024 / 1024).toFixed(0)} MB` : 'n/a');
const secs = (ms) => (ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

/** The pid of this process's child whose command line contains `needle`, or null. */
function childWith(needle) {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) return Number(name);
    } catch {
      /* gone meanwhile */
    }
  }
  return null;
}

/** Polls the peak RSS (VmHWM) of the child process whose command line contains `needle`. */
function watchPeakRss(needle) {
  if (!existsSync('/proc/self/status')) return { stop: () => null };
  let pid = null;
  let peak = 0;
  const tick = () => {
    pid ??= childWith(needle);
    if (pid === null) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      /* exited */
    }
  };
  const timer = setInterval(tick, 100);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peak || null;
    },
  };
}

const codeNode = (count) => ({
  name: 'Items',
  type: 'n8n-nodes-base.code',
  typeVersion: 2,
  parameters: { jsCode: `return Array.from({ length: ${count} }, (_, i) => ({ json: { i } }));` },
});

const oursNode = (cred, extra = {}) => ({
  name: 'Node',
  type: customType('mittwald'),
  parameters: {
    resource: 'Article',
    operation: 'article-get-article',
    articleId: ARTICLE_ID,
    // BENCH_CONCURRENCY: try another Request Options → Concurrency than the default.
    ...(process.env.BENCH_CONCURRENCY ? { requestOptions: { concurrency: Number(process.env.BENCH_CONCURRENCY) } } : {}),
  },
  credentials: { mittwaldApi: cred },
  ...extra,
});

const httpNode = (url, extra = {}) => ({
  name: 'Node',
  type: 'n8n-nodes-base.httpRequest',
  typeVersion: 4.2,
  parameters: { url, authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth', options: {} },
  credentials: { httpHeaderAuth: CRED.header },
  ...extra,
});

const generatedNode = () => ({
  name: 'Node',
  type: customType('mittwaldGenerated'),
  parameters: { resource: 'Article', operation: 'Article Get Article', articleId: ARTICLE_ID },
  credentials: { mittwaldGeneratedApi: CRED.generated },
});

/** The figures of one execute: node time, items, error items, server stats, peak RSS. */
function summarize(result, stats, peakRss) {
  const runs = result.runData?.Node;
  const run = runs?.[0];
  const items = run?.data?.main?.[0] ?? [];
  return {
    ok: result.code === 0 && !run?.error,
    error: run?.error?.message ?? result.error?.message ?? (runs ? null : `the node did not run (n8n exit ${result.code})`),
    executionMs: run?.executionTime ?? null,
    wallMs: result.durationMs,
    items: items.length,
    failedItems: items.filter((i) => i.json && 'error' in i.json).length,
    stats,
    peakRss,
  };
}

async function n8nReady(log) {
  if (existsSync(N8N_BIN) && existsSync(SQLITE_BINDING)) return true;
  if (process.env.BENCH_NO_N8N_INSTALL) {
    log('n8n: not measured — n8n 2.8.4 is not installed in tests/e2e (BENCH_NO_N8N_INSTALL is set; `npm test` installs it)');
    return false;
  }
  log('n8n: not installed in tests/e2e — installing it the way `npm test` does (≈ 5 min, 2.3 GB; BENCH_NO_N8N_INSTALL=1 skips)');
  try {
    await ensureN8n();
    return true;
  } catch (err) {
    log(`n8n: not measured — installing it failed: ${String(err.message).split('\n')[0]}`);
    return false;
  }
}

/**
 * Runs parts 1 and 2 (part 2 unless `rateLimit` is false). Returns the figures or null when n8n is not
 * available.
 */
export async function n8nThroughput({ items = 1000, rateItems = 200, rateLimit = true, log = console.log }) {
  if (!(await n8nReady(log))) return null;
  let generatedWhy = null;
  if (process.env.BENCH_NO_GENERATED) generatedWhy = 'left out (BENCH_NO_GENERATED is set)';
  else if (!existsSync(GENERATED_BUILDER)) generatedWhy = 'its builder is not installed in bench/devlikeapro/node_modules (see above)';

  const paced = await startPacedServer({ latencyMs: 20, token: TOKEN });
  const limited = rateLimit ? await startPacedServer({ latencyMs: 20, token: TOKEN, bucket: { burst: 20, leakPerSec: 4 } }) : null;
  const cleanup = [];
  try {
    const runs = [
      { key: 'ours', label: `(a) this package's mittwald node`, server: paced, node: oursNode(CRED.ours) },
      { key: 'http', label: '(b) HTTP Request node v4.2', server: paced, node: httpNode(paced.articleUrl) },
    ];
    if (!generatedWhy) runs.push({ key: 'generated', label: '(c) generated declarative node', server: paced, node: generatedNode() });
    if (limited) {
      const onError = { onError: 'continueRegularOutput' };
      runs.push(
        { key: 'oursLimited', label: `(a) this package's mittwald node`, server: limited, node: oursNode(CRED.oursLimited, onError), rate: true },
        { key: 'httpLimited', label: '(b) HTTP Request node v4.2', server: limited, node: httpNode(limited.articleUrl, onError), rate: true },
      );
    }
    const workflows = runs.map((r, i) => {
      const wf = chainWorkflow({
        id: `benchThroughpt${String(i).padStart(2, '0')}`,
        name: `bench: ${r.key}`,
        nodes: [codeNode(r.rate ? rateItems : items), r.node],
      });
      r.workflowId = wf.id;
      return wf;
    });
    const credentials = [
      { ...CRED.ours, type: 'mittwaldApi', data: { apiToken: TOKEN, baseUrl: paced.url } },
      { ...CRED.header, type: 'httpHeaderAuth', data: { name: 'x-access-token', value: TOKEN } },
    ];
    if (limited) credentials.push({ ...CRED.oursLimited, type: 'mittwaldApi', data: { apiToken: TOKEN, baseUrl: limited.url } });
    if (!generatedWhy) credentials.push({ ...CRED.generated, type: 'mittwaldGeneratedApi', data: { apiToken: TOKEN } });

    // n8n keeps one loader per package name and every N8N_CUSTOM_EXTENSIONS folder is package "CUSTOM",
    // so of two folders only the last one's nodes would be known: one folder links to both instead.
    const extensions = mkdtempSync(path.join(os.tmpdir(), 'bench-n8n-ext-'));
    cleanup.push(() => rmSync(extensions, { recursive: true, force: true }));
    symlinkSync(PACKAGE_DIR, path.join(extensions, 'package'), 'dir');
    if (!generatedWhy) symlinkSync(GENERATED_DIR, path.join(extensions, 'generated'), 'dir');

    const byWorkflow = new Map(runs.map((r) => [r.workflowId, r]));
    let watcher = null;
    const started = performance.now();
    const results = await runWorkflows({
      workflows,
      credentials,
      timeoutMs: 10 * 60_000,
      extensionsDir: extensions,
      env: { BENCH_MITTWALD_BASE_URL: paced.url },
      beforeExecute: async (wf) => {
        await byWorkflow.get(wf.id).server.reset();
        watcher = watchPeakRss(`--id=${wf.id}`);
      },
      afterExecute: async (result, wf) => {
        const r = byWorkflow.get(wf.id);
        r.figures = summarize(result, await r.server.stats(), watcher.stop());
      },
    });
    const totalMs = performance.now() - started;
    void results;

    const fig = Object.fromEntries(runs.map((r) => [r.key, r.figures]));
    const line = (r) => {
      const f = r.figures;
      const why = f.ok ? '' : `  FAILED: ${f.error}`;
      return (
        `  ${r.label.padEnd(36)} node ${secs(f.executionMs).padStart(8)}  (n8n execute wall ${secs(f.wallMs)})` +
        `  max in flight ${String(f.stats.maxInFlight).padStart(4)}  peak RSS ${mb(f.peakRss)}` +
        `  ${f.items} items out${f.failedItems ? `, ${f.failedItems} failed` : ''}${f.stats.unauthorized ? `, ${f.stats.unauthorized} requests unauthenticated` : ''}${why}`
      );
    };
    log(`n8n 2.8.4 (real, headless; one \`n8n execute\` process per run; ${(totalMs / 1000).toFixed(0)} s in all incl. imports)`);
    log(`  Manual Trigger → Code (${items} items) → node, GET an article from a loopback server answering after 20 ms:`);
    for (const r of runs.filter((x) => !x.rate)) log(line(r));
    if (generatedWhy) log(`  (c) generated declarative node: not measured — ${generatedWhy}`);
    const o = fig.ours;
    log(
      `  → node time ours / HTTP Request ${ratio(o.executionMs, fig.http.executionMs)}` +
        (fig.generated ? `, ours / generated ${ratio(o.executionMs, fig.generated.executionMs)}` : '') +
        `; peak RSS ours / HTTP Request ${ratio(o.peakRss, fig.http.peakRss)}` +
        (fig.generated ? `, ours / generated ${ratio(o.peakRss, fig.generated.peakRss)}` : ''),
    );
    if (limited) {
      log(`  rate-limited server (leaky bucket: burst 20, leaks 4 requests/s, 429 + Retry-After beyond it), ${rateItems} items,`);
      log('  continue-on-fail on for both, other settings default:');
      for (const r of runs.filter((x) => x.rate)) {
        const f = r.figures;
        log(
          `  ${r.label.padEnd(36)} node ${secs(f.executionMs).padStart(8)}  ${String(f.items - f.failedItems).padStart(4)} items succeeded, ` +
            `${String(f.failedItems).padStart(4)} failed  (${f.stats.requests} requests: ${f.stats.tooMany} answered 429; max in flight ${f.stats.maxInFlight})` +
            (f.ok ? '' : `  FAILED: ${f.error}`),
        );
      }
    } else log('  rate-limited run: left out (BENCH_NO_RATE_LIMIT is set)');
    return fig;
  } finally {
    for (const fn of cleanup) fn();
    await paced.close();
    if (limited) await limited.close();
  }
}
