// Installs an npm folder's dependencies on demand (what CI does on a fresh clone), once even when several
// test processes ask at the same time: a lock directory inside the folder serialises the installers, and
// whoever gets it second finds the folder ready and does nothing.
// Used by tests/contract/prism.mjs (Prism) and tests/e2e/n8n-harness.mjs (n8n).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The npm executable for `steps`. */
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Makes `dir` ready unless it already is.
 *
 * @param {object} o
 * @param {string} o.dir             the npm folder (commands run in it, the lock lives in it)
 * @param {() => boolean} o.ready    true when nothing needs installing (checked before and under the lock)
 * @param {{ cmd: string, args: string[], note?: string, produces?: string }[]} o.steps
 *        run in order under the lock; a step whose `produces` file exists already is skipped, and one
 *        that finishes without producing it fails the install; `note` is logged before the step runs
 * @param {string} o.label           log prefix, e.g. 'contract' → "[contract] …" on stderr
 * @param {string} [o.lockName]      the lock directory's name inside `dir`
 * @param {number} [o.lockWaitMs]    how long to wait for another process's install before giving up
 * @param {number} [o.pollMs]        how often to look at the lock while waiting
 */
export async function ensureInstalled({ dir, ready, steps, label, lockName = '.install.lock', lockWaitMs = 5 * 60_000, pollMs = 1000 }) {
  if (ready()) return;
  const log = (msg) => process.stderr.write(`[${label}] ${msg}\n`);
  await withLock(path.join(dir, lockName), { lockWaitMs, pollMs }, async () => {
    if (ready()) return;
    for (const { cmd, args, note, produces } of steps) {
      if (produces && fs.existsSync(produces)) continue;
      if (note) log(note);
      await runLogged(cmd, args, dir, log);
      if (produces && !fs.existsSync(produces)) throw new Error(`${cmd} ${args.join(' ')} finished but ${produces} is missing`);
    }
    if (!ready()) throw new Error(`installing in ${dir} finished but it is still not ready`);
  });
}

async function withLock(lock, { lockWaitMs, pollMs }, fn) {
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      // A run that was killed mid-install leaves its lock behind: its process is gone, so take it over.
      if (holderIsGone(lock)) {
        process.stderr.write(`[install] ${lock} was left by a process that no longer runs; removing it\n`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`install lock ${lock} held for ${Math.round(lockWaitMs / 60_000)} min; remove it if stale`);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Whether the process that holds `lock` (its `pid` file) has ended; a lock without one is not judged. */
function holderIsGone(lock) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    // Just made, pid not written yet — or an old lock from before pids: older than an hour is stale.
    try {
      return Date.now() - fs.statSync(lock).mtimeMs > 60 * 60_000;
    } catch {
      return false;
    }
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

/** Runs a command, logging it, a heartbeat every 30 s and its duration; fails with the output's tail. */
function runLogged(cmd, args, cwd, log) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    log(`$ ${cmd} ${args.join(' ')}   (in ${path.relative(REPO_ROOT, cwd) || '.'})`);
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const tick = setInterval(() => log(`  … still running (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => {
      clearInterval(tick);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(tick);
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      if (code === 0) {
        log(`  done in ${secs} s`);
        resolve();
      } else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} after ${secs} s:\n${tail}`));
    });
  });
}
