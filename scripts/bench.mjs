// `npm run bench`: size and speed of the built package, each beside a baseline measured in the same
// run, so two runs (or two machines) compare by their ratios. Run `npm run build` first.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startMockMarketplace } from '../tests/support/mock-marketplace.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'pkg');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 200);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

function sizes() {
  const raw = statSync(join(root, 'target', 'wasm32-unknown-unknown', 'release', 'marketplace_nodes.wasm')).size;
  const bindgenDir = join(root, 'build', 'bindgen');
  const bindgen = statSync(join(bindgenDir, readdirSync(bindgenDir).find((f) => f.endsWith('_bg.wasm')))).size;
  const optimized = readFileSync(join(root, 'build', 'marketplace_nodes.opt.wasm'));
  const shipped = readdirSync(join(pkg, 'dist'))
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(join(pkg, 'dist', f)).size, 0);
  console.log('size');
  console.log(`  wasm raw (cargo)            ${kb(raw)}`);
  console.log(`  wasm after wasm-bindgen     ${kb(bindgen)}`);
  console.log(`  wasm after wasm-opt -Oz     ${kb(optimized.length)}  (${(optimized.length / bindgen).toFixed(2)} of wasm-bindgen output)`);
  console.log(`  wasm gzipped                ${kb(gzipSync(optimized, { level: 9 }).length)}`);
  console.log(`  shipped JS incl. embedded   ${kb(shipped)}`);
}

/** Each sample is a fresh Node process, so nothing is cached between samples. */
function startup() {
  const probe = (code) =>
    Number(execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' }).trim());
  const ours = `const t=performance.now();const m=require(${JSON.stringify(pkg)});m.nodes();m.credentials();console.log(performance.now()-t)`;
  const descriptorsJson = JSON.stringify({ nodes: createRequire(import.meta.url)(pkg).nodes() });
  const baseline = `const fs=require('fs');const s=fs.readFileSync(0,'utf8');`;
  const ourTimes = [];
  const baseTimes = [];
  for (let i = 0; i < RUNS; i++) {
    ourTimes.push(probe(ours));
    baseTimes.push(
      Number(
        execFileSync(
          process.execPath,
          ['-e', `${baseline}const t=performance.now();JSON.parse(s);console.log(performance.now()-t)`],
          { input: descriptorsJson, encoding: 'utf8' },
        ).trim(),
      ),
    );
  }
  const ms = median(ourTimes);
  const base = median(baseTimes);
  console.log(`startup (median of ${RUNS} fresh processes)`);
  console.log(`  require + all descriptors   ${ms.toFixed(2)} ms`);
  console.log(`  baseline: JSON.parse of the same descriptors  ${base.toFixed(3)} ms  → ratio ${(ms / base).toFixed(1)}×`);
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

sizes();
startup();
await throughput();
