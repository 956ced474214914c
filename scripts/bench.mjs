// `npm run bench`: size and speed of the built package, each beside a baseline measured in the same
// run, so two runs (or two machines) compare by their ratios. Run `npm run build` first.
//
// It also measures, in the same run and the same way, the existing generated mittwald node
// (wiesinghilker/n8n-nodes-mittwald), which builds its n8n properties from the OpenAPI spec at load time
// with the npm package @devlikeapro/n8n-openapi-node. That package is installed on demand into
// bench/devlikeapro/ (exact version pinned there, package-lock.json committed, node_modules ignored);
// bench/devlikeapro/load-node.cjs repeats that node's load steps on our copy of the spec. If installing or
// running it fails, the bench says why and goes on with our own figures.
//
// Then, concurrency (bench/n8n-throughput.mjs, bench/plain-concurrency.mjs, loopback server bench/paced.mjs):
//   - in a real n8n 2.8.4 (tests/e2e/n8n-harness.mjs; installed there on demand like `npm test` does):
//     Manual Trigger → Code (1,000 items) → node against a server answering after 20 ms, for this
//     package's mittwald Get Article, n8n's HTTP Request node v4.2 and the generated declarative node
//     (bench/devlikeapro/n8n/): node time, most requests in flight, peak RSS of the n8n process, ratios;
//     then 200 items against a rate-limited server (leaky bucket, 429 + Retry-After): failed items, 429s;
//   - in plain JS: 2,000 items at 0 and 20 ms latency, execute() beside fetch loops (10 and all in
//     flight); and the per-item compute of the module against a bare JS loop, in µs per item.
// These print figures; nothing here fails on a figure.
//
// Environment: BENCH_RUNS (fresh processes per startup figure, default 15), BENCH_ITEMS (default 200),
// BENCH_NO_GENERATED=1 (leave the generated node out, e.g. offline without bench/devlikeapro/node_modules),
// BENCH_NO_N8N=1 (no n8n runs), BENCH_NO_N8N_INSTALL=1 (n8n runs only if tests/e2e has n8n already),
// BENCH_NO_RATE_LIMIT=1 (no rate-limited n8n runs), BENCH_NO_PLAIN=1 (no plain-JS concurrency figures),
// BENCH_ONLY_CONCURRENCY=1 (only the concurrency figures), BENCH_N8N_ITEMS (default 1000),
// BENCH_RATE_ITEMS (default 200), BENCH_PLAIN_ITEMS (default 2000).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { n8nThroughput } from '../bench/n8n-throughput.mjs';
import { plainConcurrency } from '../bench/plain-concurrency.mjs';
import { startMockMarketplace } from '../tests/support/mock-marketplace.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const spec = join(root, 'nodes', 'mittwald', 'openapi.json');
const genDir = join(root, 'bench', 'devlikeapro');
const genPackage = '@devlikeapro/n8n-openapi-node';
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 200);

// The budgets. KB = 1024 bytes.
const BUDGET_WASM_KB = 384;
const BUDGET_STARTUP_MS = 30;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const times = (a, b) => `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×`;
const mark = (ok) => (ok ? '✓' : '✗');
const gzipped = (buffers) => gzipSync(Buffer.concat(buffers), { level: 9 }).length;

/** Every regular file under `dir` (symlinks not followed), skipping names in `skip`. */
function filesUnder(dir, skip = new Set()) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, skip));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A set of files as it sits on disk: their bytes (sum of file sizes), the 4 KB blocks they take, and
 * gzip -9 of all of them concatenated in path order (about what a .tgz of them weighs).
 */
function measureFiles(paths) {
  const sorted = [...new Set(paths)].sort();
  const contents = sorted.map((p) => readFileSync(p));
  return {
    files: sorted.length,
    bytes: contents.reduce((sum, c) => sum + c.length, 0),
    allocated: sorted.reduce((sum, p) => sum + lstatSync(p).blocks * 512, 0),
    gz: gzipped(contents),
  };
}

// ---------------------------------------------------------------------------------------------------
// the generated node's builder, installed on demand

function ensureGenerated() {
  const pinned = JSON.parse(readFileSync(join(genDir, 'package.json'), 'utf8')).dependencies[genPackage];
  const installedManifest = join(genDir, 'node_modules', ...genPackage.split('/'), 'package.json');
  const installedVersion = () =>
    existsSync(installedManifest) ? JSON.parse(readFileSync(installedManifest, 'utf8')).version : null;
  if (installedVersion() === pinned) return { version: pinned, installedNow: false };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const started = performance.now();
  const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], {
    cwd: genDir,
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  const secs = (performance.now() - started) / 1000;
  if (run.error) throw new Error(`npm ci in bench/devlikeapro failed to start: ${run.error.message}`);
  if (run.status !== 0) {
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    const errors = lines.filter((l) => l.startsWith('npm error') && l.trim() !== 'npm error');
    const tail = (errors.length ? errors.slice(0, 5) : lines.slice(-5)).join('\n      ');
    throw new Error(`npm ci in bench/devlikeapro exited with ${run.status} after ${secs.toFixed(1)} s:\n      ${tail}`);
  }
  if (installedVersion() !== pinned) throw new Error(`npm ci finished but ${genPackage}@${pinned} is not in bench/devlikeapro`);
  return { version: pinned, installedNow: true, installSecs: secs };
}

/** The gist of a failed child process: its command line and the first error line it printed. */
function brief(err) {
  const lines = String(err.message).split('\n').map((l) => l.trim()).filter(Boolean);
  const first = lines.find((l) => /^(\w*Error|error)\b/.test(l) && !l.startsWith('npm error'));
  return [lines[0], first].filter((l, i, all) => l && all.indexOf(l) === i).join(' — ');
}

/** Counts resources and operations the same way for both nodes' property lists. */
function countOperations(properties) {
  const resource = properties.find((p) => p.name === 'resource');
  const selectors = properties.filter(
    (p) => p.name === 'operation' && p.type === 'options' && !p.displayOptions?.show?.operation,
  );
  return {
    properties: properties.length,
    resources: resource?.options?.length ?? 0,
    operations: selectors.reduce((sum, p) => sum + (p.options?.length ?? 0), 0),
  };
}

/** One fresh process loading the generated node; returns its result line and the builder's log counts. */
function loadGenerated(extraArgs = [], env = process.env) {
  const t = performance.now();
  const stdout = execFileSync(process.execPath, [...extraArgs, 'load-node.cjs', spec], {
    cwd: genDir,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const wall = performance.now() - t;
  const line = stdout.match(/^BENCH_RESULT (.*)$/m);
  if (!line) throw new Error(`load-node.cjs printed no result:\n${stdout.slice(-800)}`);
  return {
    ...JSON.parse(line[1]),
    wall,
    skipped: (stdout.match(/Skipping operation/g) ?? []).length,
    failed: (stdout.match(/Failed to parse/g) ?? []).length,
  };
}

function generatedSizes() {
  const modules = join(genDir, 'node_modules');
  // Everything npm installed for the builder (its package and its whole dependency closure), as a node
  // depending on it gets it; npm's own bookkeeping (.package-lock.json, .bin links) left out.
  const installedFiles = filesUnder(modules, new Set(['.package-lock.json', '.bin']));
  const packages = readdirSync(modules)
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => join(name, sub)) : [name]))
    .filter((name) => existsSync(join(modules, name, 'package.json'))).length;
  // What one load actually reads: every file resolved in the main thread and in pino's transport worker.
  const scratch = mkdtempSync(join(tmpdir(), 'bench-loaded-'));
  const list = join(scratch, 'files.txt');
  let loadedFiles;
  try {
    loadGenerated(['-r', './record-loaded-files.cjs'], { ...process.env, BENCH_LOADED_FILES: list });
    loadedFiles = readFileSync(list, 'utf8')
      .split('\n')
      .filter((f) => f.startsWith(modules + '/') && existsSync(f));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    packages,
    installed: measureFiles(installedFiles),
    loaded: measureFiles(loadedFiles),
    spec: measureFiles([spec]),
    withSpec: (files) => measureFiles([...files, spec]),
    installedFiles,
    loadedFiles,
  };
}

// ---------------------------------------------------------------------------------------------------
// measurements

/** A module's sizes as scripts/build.mjs left them in build/<label>/: cargo's, wasm-bindgen's, wasm-opt's. */
function moduleSizes(label) {
  const dir = join(root, 'build', label);
  const raw = statSync(join(dir, 'marketplace_nodes.wasm')).size;
  const bindgen = statSync(join(dir, 'bindgen', 'marketplace_nodes_bg.wasm')).size;
  const optimized = readFileSync(join(dir, 'marketplace_nodes.opt.wasm'));
  return { raw, bindgen, optimized };
}

const n8nRoot = join(root, 'pkg-n8n');
const BUDGET_N8N_WASM_KB = 256;

/**
 * Each n8n package: its module's sizes and its cold start as n8n's loader sees it — a fresh process
 * requires the package's node and credential class files and constructs them (n8n reads the
 * descriptions from the instances).
 */
function n8nPackages() {
  if (!existsSync(n8nRoot)) return [];
  const rows = [];
  for (const name of readdirSync(n8nRoot).sort()) {
    const dir = join(n8nRoot, name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const template = JSON.parse(readFileSync(join(root, 'pkg-template', name, 'package.json'), 'utf8'));
    const { raw, optimized } = moduleSizes(template.marketplace);
    const files = [...manifest.n8n.nodes, ...manifest.n8n.credentials].map((f) => join(dir, f));
    const code = `const t=performance.now();for(const f of ${JSON.stringify(files)}){for(const C of Object.values(require(f))){const o=new C();if(!o.description&&!o.name)throw new Error('empty class')}}console.log(performance.now()-t)`;
    const cold = median(Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }).trim())));
    const shipped = measureFiles(filesUnder(dir));
    rows.push({ name, raw, optimized: optimized.length, gz: gzipSync(optimized, { level: 9 }).length, cold, shipped });
  }
  console.log(`n8n packages (pkg-n8n/: one per marketplace, each with a module of its own; cold start = median of ${RUNS} fresh processes requiring and constructing its node and credential classes, as n8n's loader does)`);
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(32)} wasm raw ${kb(r.raw)}, after wasm-opt ${kb(r.optimized)} (budget ${BUDGET_N8N_WASM_KB} KB ${mark(r.optimized <= BUDGET_N8N_WASM_KB * 1024)}), ` +
        `gzipped ${kb(r.gz)}; package ${kb(r.shipped.bytes)} (gzipped ${kb(r.shipped.gz)}); cold start ${r.cold.toFixed(1)} ms`,
    );
  }
  return rows;
}

function sizes(generated) {
  const { raw, bindgen, optimized } = moduleSizes('library');
  const optimizedGz = gzipSync(optimized, { level: 9 }).length;
  const shipped = readdirSync(join(pkg, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(join(pkg, 'dist', f)).size, 0);
  const ourPkg = measureFiles(filesUnder(pkg));
  const nodeNames = createRequire(import.meta.url)(pkg)
    .nodes()
    .map((n) => n.name);
  console.log('size');
  console.log(`  wasm raw (cargo)            ${kb(raw)}`);
  console.log(`  wasm after wasm-bindgen     ${kb(bindgen)}`);
  console.log(`  wasm after wasm-opt -Oz     ${kb(optimized.length)}  (${(optimized.length / bindgen).toFixed(2)} of wasm-bindgen output)`);
  console.log(`                              the library's module: it holds all ${nodeNames.length} nodes (${nodeNames.join(', ')}), and fetch`);
  console.log(`  wasm gzipped                ${kb(optimizedGz)}`);
  console.log(`  shipped JS incl. embedded   ${kb(shipped)}  (pkg/dist/*.js: the wasm is embedded in wasm.js as base64)`);
  console.log(`  pkg/ as shipped             ${kb(ourPkg.bytes)} in ${ourPkg.files} files, gzipped ${kb(ourPkg.gz)}  (no dependencies)`);

  const figures = { wasm: optimized.length, wasmGz: optimizedGz, pkg: ourPkg };
  if (generated.error) return figures;
  try {
    const g = generatedSizes();
    const shippedGen = g.withSpec(g.installedFiles);
    const loadedGen = g.withSpec(g.loadedFiles);
    console.log(`  generated node (${genPackage}@${generated.version}, builds its properties from the spec at load)`);
    console.log(`    builder + deps installed  ${kb(g.installed.bytes)} in ${g.installed.files} files (${g.packages} packages), gzipped ${kb(g.installed.gz)}`);
    console.log(`    + the spec it ships        ${kb(g.spec.bytes)}, gzipped ${kb(g.spec.gz)}  (nodes/mittwald/openapi.json)`);
    console.log(`    = shipped                  ${kb(shippedGen.bytes)}, gzipped ${kb(shippedGen.gz)}  (${kb(shippedGen.allocated)} allocated on disk in 4 KB blocks)`);
    console.log(`    of which read at load      ${kb(loadedGen.bytes)} in ${loadedGen.files} files incl. the spec, gzipped ${kb(loadedGen.gz)}`);
    console.log(`    method: bytes = sum of file sizes of the builder package and its whole dependency closure as`);
    console.log(`    npm installs it in bench/devlikeapro/node_modules (lodash, pino, pino-pretty, …; npm's`);
    console.log(`    .package-lock.json and .bin left out) plus the spec; "read at load" = only the files one load`);
    console.log(`    resolves (main thread and pino's transport worker, recorded by a -r preload) plus the spec;`);
    console.log(`    gzipped = gzip -9 of those files concatenated in path order (≈ a .tgz of them). The node's`);
    console.log(`    own compiled class and credential files (a few KB) are not counted.`);
    console.log(`    ratios: shipped ${times(shippedGen.bytes, ourPkg.bytes)} our pkg/ (gzipped ${times(shippedGen.gz, ourPkg.gz)}); read at load ${times(loadedGen.bytes, optimized.length)} our wasm module (gzipped ${times(loadedGen.gz, optimizedGz)})`);
    figures.generated = { shipped: shippedGen, loaded: loadedGen };
  } catch (err) {
    console.log(`  generated node: could not measure its size: ${brief(err)} (delete bench/devlikeapro/node_modules to reinstall)`);
  }
  return figures;
}

/** Each sample is a fresh Node process, so nothing is cached between samples. */
function startup(generated) {
  const probe = (code) => {
    const t = performance.now();
    const ms = Number(execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' }).trim());
    return { ms, wall: performance.now() - t };
  };
  const ours = `const t=performance.now();const m=require(${JSON.stringify(pkg)});m.nodes();m.credentials();console.log(performance.now()-t)`;
  const mp = createRequire(import.meta.url)(pkg);
  const ourNodes = mp.nodes();
  const ourCounts = countOperations(ourNodes.find((n) => n.name === 'mittwald').properties);
  const descriptorsJson = JSON.stringify({ nodes: ourNodes });
  const baseline = `const fs=require('fs');const s=fs.readFileSync(0,'utf8');`;
  const ourTimes = [];
  const ourWalls = [];
  const baseTimes = [];
  const genTimes = [];
  const genWalls = [];
  let genResult = null;
  let genError = generated.error ? 'see above' : null;
  for (let i = 0; i < RUNS; i++) {
    const o = probe(ours);
    ourTimes.push(o.ms);
    ourWalls.push(o.wall);
    baseTimes.push(
      Number(
        execFileSync(
          process.execPath,
          ['-e', `${baseline}const t=performance.now();JSON.parse(s);console.log(performance.now()-t)`],
          { input: descriptorsJson, encoding: 'utf8' },
        ).trim(),
      ),
    );
    if (!genError) {
      try {
        genResult = loadGenerated();
        genTimes.push(genResult.ms);
        genWalls.push(genResult.wall);
      } catch (err) {
        genError = `loading it failed: ${brief(err)} (delete bench/devlikeapro/node_modules to reinstall)`;
      }
    }
  }
  const ms = median(ourTimes);
  const base = median(baseTimes);
  console.log(`startup (median of ${RUNS} fresh processes each)`);
  console.log(`  require + all descriptors   ${ms.toFixed(2)} ms  (require('./pkg') + nodes() + credentials(): ${ourNodes.length} nodes, ${mp.credentials().length} credentials;`);
  console.log(`                              mittwald: ${ourCounts.operations} operations in ${ourCounts.resources} resources, ${ourCounts.properties} properties)`);
  console.log(`  baseline: JSON.parse of the same descriptors  ${base.toFixed(3)} ms  → ratio ${(ms / base).toFixed(1)}×`);
  const figures = { ms };
  if (genTimes.length === RUNS) {
    const g = median(genTimes);
    const r = genResult;
    console.log(`  generated node              ${g.toFixed(2)} ms  (require builder + require spec + build() + node and credential`);
    console.log(`                              descriptors: mittwald only, ${r.operations} operations in ${r.resources} resources, ${r.properties} properties;`);
    console.log(`                              the builder logged ${r.skipped} deprecated operations skipped, ${r.failed} parse failures)`);
    console.log(`    → generated / ours ${times(g, ms)}`);
    console.log(`  fresh process wall time, node boot to exit (median): ours ${median(ourWalls).toFixed(0)} ms, generated node ${median(genWalls).toFixed(0)} ms (incl. flushing its log worker)`);
    figures.generated = { ms: g, counts: r };
  } else {
    if (genError) console.log(`  generated node: not measured — ${genError}`);
    console.log(`  fresh process wall time, node boot to exit (median): ours ${median(ourWalls).toFixed(0)} ms`);
  }
  return figures;
}

async function throughput() {
  const mock = await startMockMarketplace();
  try {
    const mp = createRequire(import.meta.url)(pkg);
    const article = mock.data.articles[0].articleId;
    const credentials = mock.credentials.mittwald;
    const parameters = { resource: 'Article', operation: 'article-get-article', articleId: article };
    const items = Array.from({ length: ITEMS }, () => ({ json: {} }));
    const headers = { 'x-access-token': credentials.apiToken, accept: 'application/json' };

    const timeIt = async (fn) => {
      const samples = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await fn();
        samples.push(performance.now() - t);
      }
      return median(samples);
    };
    await mp.execute({ node: 'mittwald', parameters, items: items.slice(0, 5), credentials }); // warm-up
    const ours = await timeIt(() => mp.execute({ node: 'mittwald', parameters, items, credentials }));
    const base = await timeIt(async () => {
      for (let i = 0; i < ITEMS; i++) {
        const res = await fetch(`${mock.url}/v2/articles/${encodeURIComponent(article)}`, { headers });
        await res.json();
      }
    });
    console.log(`execute (Get an Article × ${ITEMS} items over loopback, median of 5)`);
    console.log(`  through the wasm package    ${(ours / ITEMS).toFixed(3)} ms/item`);
    console.log(`  baseline: plain fetch loop  ${(base / ITEMS).toFixed(3)} ms/item  → ratio ${(ours / base).toFixed(2)}×`);
  } finally {
    await mock.close();
  }
}

/**
 * Memory for one 50 MB JSON answer (a Get Article whose answer is that large), in a fresh process each:
 * peak RSS over the call and RSS after it and a GC, against the same process fetching and
 * JSON.parse-ing the same answer (the anchor). The package replaces an instance whose wasm memory grew
 * past 64 MiB once it is idle, so what it keeps should come back near the anchor's.
 */
async function largeAnswer() {
  const MB = 1024 * 1024;
  const body = Buffer.from(JSON.stringify({ articleId: 'BIG', blob: 'x'.repeat(40 * MB), tags: Array.from({ length: 1_000_000 }, (_, i) => `t${i}`) }));
  const http = await import('node:http');
  const small = Buffer.from('{"articleId":"A"}');
  const server = http.createServer((req, res) => {
    const answer = req.url.includes('BIG') ? body : small;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
    res.end(answer);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const script = (work) => `
    const mp = require(${JSON.stringify(pkg)});
    const rss = () => process.memoryUsage().rss;
    (async () => {
      ${work.warm}
      global.gc(); const before = rss();
      ${work.run}
      const peak = process.resourceUsage().maxRSS * 1024;
      await new Promise((r) => setImmediate(r)); global.gc(); global.gc();
      console.log(JSON.stringify({ before, peak, after: rss() }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const ours = {
    warm: `await mp.execute({ node: 'mittwald', parameters: { resource: 'Article', operation: 'article-get-article', articleId: 'A' }, credentials: null, baseUrl: ${JSON.stringify(url)} });`,
    run: `const out = await mp.execute({ node: 'mittwald', parameters: { resource: 'Article', operation: 'article-get-article', articleId: 'BIG' }, credentials: null, baseUrl: ${JSON.stringify(url)} }); if (out[0].json.blob.length !== ${40 * MB}) throw new Error('wrong answer');`,
  };
  const anchor = {
    warm: `await (await fetch(${JSON.stringify(url + '/v2/articles/A')})).json();`,
    run: `const out = await (await fetch(${JSON.stringify(url + '/v2/articles/BIG')})).json(); if (out.blob.length !== ${40 * MB}) throw new Error('wrong answer');`,
  };
  const measure = (work) =>
    new Promise((resolve, reject) => {
      import('node:child_process').then(({ execFile }) =>
        execFile(process.execPath, ['--expose-gc', '-e', script(work)], { maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr || err.message)) : resolve(JSON.parse(stdout.trim().split('\n').pop())),
        ),
      );
    });
  try {
    const a = await measure(anchor);
    const o = await measure(ours);
    const mb = (bytes) => `${(bytes / MB).toFixed(0)} MB`;
    console.log(`memory (one ${(body.length / MB).toFixed(0)} MB JSON answer, fresh process each, RSS)`);
    console.log(`  through the wasm package    before ${mb(o.before)}, peak ${mb(o.peak)}, after ${mb(o.after)} (kept ${mb(o.after - o.before)})`);
    console.log(`  baseline: fetch + JSON.parse before ${mb(a.before)}, peak ${mb(a.peak)}, after ${mb(a.after)} (kept ${mb(a.after - a.before)})`);
    console.log(`  → peak ${times(o.peak - o.before, a.peak - a.before)} the baseline's growth; kept ${mb(o.after - o.before)} vs ${mb(a.after - a.before)}`);
  } catch (err) {
    console.log(`memory: could not measure: ${brief(err)}`);
  } finally {
    server.close();
  }
}

function budgets(size, start) {
  const wasmOk = size.wasm <= BUDGET_WASM_KB * 1024;
  const startOk = start.ms <= BUDGET_STARTUP_MS;
  const gs = size.generated;
  const gt = start.generated;
  console.log('budgets (ours vs the issue\'s budget; the generated node measured the same way in this run)');
  console.log(
    `  wasm module with all operations after wasm-opt  ${kb(size.wasm)}  budget ${BUDGET_WASM_KB} KB  ${mark(wasmOk)}  gzipped ${kb(size.wasmGz)}` +
      '  (the library: all nodes; each n8n package has its own, smaller module, above)',
  );
  if (gs) {
    console.log(
      `    generated node: code read at load + spec ${kb(gs.loaded.bytes)} (${times(gs.loaded.bytes, size.wasm)} ours), gzipped ${kb(gs.loaded.gz)} (${times(gs.loaded.gz, size.wasmGz)});` +
        ` shipped ${kb(gs.shipped.bytes)} (${times(gs.shipped.bytes, size.pkg.bytes)} our pkg/ ${kb(size.pkg.bytes)}), gzipped ${kb(gs.shipped.gz)} (${times(gs.shipped.gz, size.pkg.gz)})`,
    );
  } else console.log('    generated node: not measured (see above)');
  console.log(`  require + all node descriptors ready            ${start.ms.toFixed(2)} ms  budget ${BUDGET_STARTUP_MS} ms  ${mark(startOk)}  (median of ${RUNS} fresh processes)`);
  if (gt) console.log(`    generated node: ${gt.ms.toFixed(2)} ms (${times(gt.ms, start.ms)} ours)`);
  else console.log('    generated node: not measured (see above)');
}

/** Installs the comparison package if needed and says so; `{ error }` when it cannot be used. */
function prepareGenerated() {
  if (process.env.BENCH_NO_GENERATED) {
    console.log('comparison: generated node left out (BENCH_NO_GENERATED is set)');
    return { error: 'left out' };
  }
  try {
    const generated = ensureGenerated();
    const installed = measureFiles(filesUnder(join(genDir, 'node_modules'), new Set(['.package-lock.json', '.bin'])));
    console.log(
      `comparison: ${genPackage}@${generated.version} in bench/devlikeapro/node_modules, ` +
        (generated.installedNow ? `installed now with npm ci in ${generated.installSecs.toFixed(1)} s` : 'already installed') +
        ` (${kb(installed.bytes)} in ${installed.files} files)`,
    );
    return generated;
  } catch (err) {
    console.log(`comparison: could not install ${genPackage}: ${err.message}\n  (going on with our own figures only)`);
    return { error: 'install failed' };
  }
}

const generated = prepareGenerated();
if (!process.env.BENCH_ONLY_CONCURRENCY) {
  const size = sizes(generated);
  n8nPackages();
  const start = startup(generated);
  await throughput();
  await largeAnswer();
  budgets(size, start);
}
console.log('concurrency (figures from a loopback server that counts requests in flight; noisy on a busy machine)');
if (process.env.BENCH_NO_N8N) console.log('n8n: left out (BENCH_NO_N8N is set)');
else {
  try {
    await n8nThroughput({
      items: Number(process.env.BENCH_N8N_ITEMS ?? 1000),
      rateItems: Number(process.env.BENCH_RATE_ITEMS ?? 200),
      rateLimit: !process.env.BENCH_NO_RATE_LIMIT,
    });
  } catch (err) {
    console.log(`n8n: could not measure: ${String(err.message).split('\n').slice(0, 8).join('\n  ')}`);
  }
}
if (process.env.BENCH_NO_PLAIN) console.log('plain JS: left out (BENCH_NO_PLAIN is set)');
else await plainConcurrency({ pkgDir: pkg, items: Number(process.env.BENCH_PLAIN_ITEMS ?? 2000) });
