// A headless Chromium for the editor check (tests/e2e/editor.test.mjs): Debian's `chromium` package,
// driven by `puppeteer-core` from npm (pinned in tests/browser/package.json; puppeteer-core downloads no
// browser). Both are installed on demand, like n8n (tests/e2e/n8n-harness.mjs), each once even when
// several test processes ask at the same time (a lock directory in tests/browser):
//   - chromium: only when no `chromium` is on PATH: `apt-get update`, then `apt-get install -y chromium`
//     (≈ 17 s on a 2-core box with a warm mirror, 124 MB of archives, 414 MB on disk);
//   - puppeteer-core: `npm install --no-audit --no-fund` in tests/browser (≈ 5 s, 81 packages).
// When the machine cannot install either (no apt-get, not root, no network, npm refuses), prepareBrowser()
// does not throw: it answers { skip: '…why…' } and the test skips with that message.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureInstalled, NPM } from './install-on-demand.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The npm folder of the browser driver (own package.json and lockfile). */
export const BROWSER_DIR = path.join(REPO_ROOT, 'tests', 'browser');
const PUPPETEER_PKG = path.join(BROWSER_DIR, 'node_modules', 'puppeteer-core', 'package.json');
const LOCK = { dir: BROWSER_DIR, lockWaitMs: 10 * 60_000, pollMs: 1000 };

/** The first executable `name` on PATH, or null. */
export function onPath(name, pathValue = process.env.PATH ?? '') {
  for (const dir of pathValue.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      /* not here */
    }
  }
  return null;
}

const firstLine = (err) => String(err?.message ?? err).split('\n').slice(0, 6).join(' | ');

/** Installs Debian's chromium unless `chromium` is on PATH; its path, or { skip }. */
async function ensureChromium() {
  const found = () => onPath('chromium');
  if (found()) return { executablePath: found() };
  if (!onPath('apt-get')) return { skip: 'no `chromium` on PATH and no apt-get to install Debian\'s chromium package' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { skip: 'no `chromium` on PATH, and apt-get needs root to install it (run `apt-get install -y chromium` as root once)' };
  }
  try {
    await ensureInstalled({
      ...LOCK,
      label: 'browser',
      lockName: '.chromium-install.lock',
      ready: () => Boolean(found()),
      steps: [
        { note: 'no `chromium` on PATH — installing Debian\'s chromium package (≈ 20 s, 124 MB download)', cmd: 'apt-get', args: ['update', '-q'] },
        { cmd: 'env', args: ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', 'chromium'] },
      ],
    });
  } catch (err) {
    return { skip: `could not install Debian's chromium package: ${firstLine(err)}` };
  }
  return found() ? { executablePath: found() } : { skip: 'apt-get install chromium finished but no `chromium` is on PATH' };
}

/** Installs puppeteer-core into tests/browser/node_modules unless it is there; the module, or { skip }. */
async function ensurePuppeteer() {
  try {
    await ensureInstalled({
      ...LOCK,
      label: 'browser',
      lockName: '.npm-install.lock',
      ready: () => fs.existsSync(PUPPETEER_PKG),
      steps: [{ note: 'puppeteer-core is not installed in tests/browser — installing (≈ 5 s)', cmd: NPM, args: ['install', '--no-audit', '--no-fund'], produces: PUPPETEER_PKG }],
    });
  } catch (err) {
    return { skip: `could not install puppeteer-core in tests/browser: ${firstLine(err)}` };
  }
  const requireThere = createRequire(path.join(BROWSER_DIR, 'package.json'));
  const entry = requireThere.resolve('puppeteer-core');
  const mod = await import(pathToFileURL(entry).href);
  return { puppeteer: mod.default ?? mod };
}

/**
 * Makes sure Chromium and puppeteer-core are there. Answers { puppeteer, executablePath } or { skip: why }.
 */
export async function prepareBrowser() {
  const chromium = await ensureChromium();
  if (chromium.skip) return chromium;
  const driver = await ensurePuppeteer();
  if (driver.skip) return driver;
  return { puppeteer: driver.puppeteer, executablePath: chromium.executablePath };
}

/** A headless Chromium (no sandbox as root: Chromium refuses to start sandboxed as root). */
export async function launchBrowser({ puppeteer, executablePath, width = 1440, height = 900 }) {
  const args = ['--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check', `--window-size=${width},${height}`, '--lang=en-US'];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  return puppeteer.launch({
    executablePath,
    headless: true,
    args,
    defaultViewport: { width, height },
    protocolTimeout: 60_000,
    timeout: 30_000,
    env: { ...process.env, LANG: 'en_US.UTF-8' },
  });
}
