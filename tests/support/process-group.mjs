// A child process in a process group of its own, for test servers that fork (n8n's task runner,
// PostgreSQL's backends): its output is kept (bounded), and stopping it ends the whole group, also when
// the test process exits without stopping it.
import { spawn } from 'node:child_process';

/** `promise`'s value, or undefined after `ms` — leaving no timer behind. */
export function within(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

/**
 * Starts `command args` detached. `keepBytes`: how much of its output to keep (the newest part).
 * `stop({ signal, graceMs, killMs })` sends `signal` (to the group when `toGroup`), waits `graceMs`, then
 * SIGKILLs the group and waits `killMs`; it runs once, however often it is called.
 */
export function spawnGroup(command, args, { keepBytes = 20_000_000, ...options } = {}) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk) => {
    output += chunk;
    if (output.length > keepBytes) output = output.slice(-Math.ceil(keepBytes / 2));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve((exitInfo = { code, signal })));
    child.once('error', (error) => resolve((exitInfo = { error: String(error) })));
  });
  const group = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* the group is gone */
    }
  };
  const killOnExit = () => group('SIGKILL');
  process.once('exit', killOnExit);
  let stopping = null;
  return {
    child,
    pid: child.pid,
    output: () => output,
    exitInfo: () => exitInfo,
    exited,
    stop({ signal = 'SIGTERM', toGroup = true, graceMs = 8000, killMs = 5000 } = {}) {
      stopping ??= (async () => {
        if (!exitInfo) {
          if (toGroup) group(signal);
          else child.kill(signal);
          await within(exited, graceMs);
        }
        group('SIGKILL');
        await within(exited, killMs);
        process.off('exit', killOnExit);
      })();
      return stopping;
    },
  };
}
