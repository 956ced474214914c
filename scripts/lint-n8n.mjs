// The lint step of n8n's community-package scanner, run on our n8n packages before they are published:
//
//   node scripts/lint-n8n.mjs [packageDir ...]    (no arguments: every folder under pkg-n8n/ with a package.json)
//
// For each package it runs `npm pack`, extracts the tarball and lints what is in it exactly as
// `@n8n/scan-community-package@0.32.0` lints a published tarball (scanner/scanner.mjs, `buildScanConfig`
// and the tarball leg of `analyzePackageByName`): files `**/*.js` and `package.json` of the extracted
// package (fast-glob, node_modules and package-lock.json ignored), ESLint's Node API with
// `allowInlineConfig: false` (so `eslint-disable` comments do nothing) and `overrideConfigFile: true`, and
// the scanner's flat config — see `scanConfig` below. Tooling is the scanner's own, from npm, with the
// versions npm resolves for that release, pinned in tools/n8n-lint/package-lock.json and installed on
// demand (`npm ci`).
//
// What it cannot do here, offline: the scanner's other steps need the internet and a published package —
// (1) the npm provenance attestation check (the package must be published from GitHub Actions with
// `id-token: write`), and (2) downloading the GitHub source that attestation points at and linting its
// `package.json` and `{nodes,credentials}/**/*.{js,ts,json}` with the same config. Step (2) lints our
// source repository; its package.json files are the ones packed here, and the node/credential rules of
// eslint-plugin-n8n-nodes-base that apply only to `.ts` files there have nothing to match in this
// repository (our nodes are generated JavaScript), so the tarball leg is the one that decides.
//
// Exit 0 when every package has zero errors, 1 otherwise (or when nothing could be linted). Each error is
// printed as `package: file:line:col rule message`; warnings the same with a `(warning)` suffix.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(root, 'tools', 'n8n-lint');
const SCANNER = '@n8n/scan-community-package@0.32.0';

// --- tooling -------------------------------------------------------------------------------------------

function installedMatchesPins() {
  const pins = JSON.parse(readFileSync(join(tools, 'package.json'), 'utf8')).dependencies;
  return Object.entries(pins).every(([name, version]) => {
    const file = join(tools, 'node_modules', ...name.split('/'), 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).version === version;
  });
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// `npm ci` into tools/n8n-lint/ unless the pinned versions are already there. A lock directory in the
// temp folder keeps two concurrent runs from installing over each other.
function ensureTooling() {
  if (installedMatchesPins()) return;
  const lock = join(tmpdir(), `lint-n8n-install-${Buffer.from(tools).toString('hex').slice(-32)}.lock`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      if (Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true }); // stale
      if (Date.now() - started > 15 * 60_000) throw new Error(`waited too long for ${lock}`);
      sleep(1000);
    }
  }
  try {
    if (installedMatchesPins()) return; // another run installed it while we waited
    process.stderr.write(`lint-n8n: installing the scanner's lint tooling into ${relative(root, tools)}/ (npm ci) …\n`);
    // --ignore-scripts: eslint-plugin-n8n-nodes-base has `preinstall: npx only-allow pnpm`, which needs a
    // second download and only polices the package manager; nothing in this tree needs an install script
    // to lint (isolated-vm, pulled in by n8n-workflow, is never loaded by the rules).
    const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: tools,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`npm ci in ${tools} failed (exit ${r.status})`);
    if (!installedMatchesPins()) throw new Error(`npm ci in ${tools} did not install the pinned versions`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function loadTooling() {
  const req = createRequire(join(tools, 'package.json'));
  const load = async (id) => import(pathToFileURL(req.resolve(id)).href);
  const [{ ESLint }, { defineConfig }, community, tsParser, nodesBase, fg] = await Promise.all([
    load('eslint'),
    load('eslint/config'),
    load('@n8n/eslint-plugin-community-nodes'),
    load('@typescript-eslint/parser'),
    load('eslint-plugin-n8n-nodes-base'),
    load('fast-glob'),
  ]);
  return {
    ESLint,
    glob: fg.default ?? fg,
    config: scanConfig(defineConfig, community.n8nCommunityNodesPlugin, tsParser.default ?? tsParser, nodesBase.default ?? nodesBase),
  };
}

// The scanner's `buildScanConfig()` (0.32.0), block for block.
function scanConfig(defineConfig, communityNodes, parser, nodesBase) {
  return defineConfig(
    communityNodes.configs.recommended, // every @n8n/community-nodes rule at its recommended level
    { rules: { 'no-console': 'error' } },
    { plugins: { 'n8n-nodes-base': nodesBase } },
    { files: ['package.json'], rules: { ...nodesBase.configs.community.rules } },
    {
      files: ['**/credentials/**/*.ts'],
      rules: {
        ...nodesBase.configs.credentials.rules,
        'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
        'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
      },
    },
    {
      files: ['**/nodes/**/*.ts'],
      rules: {
        ...nodesBase.configs.nodes.rules,
        'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
        'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
        'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
      },
    },
    { files: ['**/*.json'], languageOptions: { parser } }, // package.json parsed as a TS object literal
    { files: ['**/*.ts'], languageOptions: { parser } },
  );
}

// --- packing -------------------------------------------------------------------------------------------

function run(cmd, args, cwd) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolveRun(out) : reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.trim() || out.trim()}`)),
    );
  });
}

// `npm pack` the package into a fresh temp folder and extract the tarball there, as the scanner does
// (`tar -xzf … --strip-components=1`). Returns the temp folder and the extracted package folder.
async function packAndExtract(pkgDir) {
  const tmp = mkdtempSync(join(tmpdir(), 'lint-n8n-'));
  try {
    await run('npm', ['pack', '--pack-destination', tmp, '--loglevel=error'], pkgDir);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack in ${pkgDir} produced no tarball`);
    const extracted = join(tmp, 'package');
    mkdirSync(extracted);
    await run('tar', ['-xzf', join(tmp, tarball), '-C', extracted, '--strip-components=1'], tmp);
    return { tmp, extracted };
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

// --- main ----------------------------------------------------------------------------------------------

function packageDirs(args) {
  if (args.length) return args.map((a) => resolve(a));
  const base = join(root, 'pkg-n8n');
  if (!existsSync(base)) return [];
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, 'package.json')))
    .map((d) => join(base, d.name))
    .sort();
}

async function main() {
  const args = process.argv.slice(2);
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write('usage: node scripts/lint-n8n.mjs [packageDir ...]   (default: every package under pkg-n8n/)\n');
    return 0;
  }
  const dirs = packageDirs(args);
  if (!dirs.length) {
    process.stderr.write('lint-n8n: no packages to lint (pkg-n8n/ has no folder with a package.json; build first)\n');
    return 1;
  }
  for (const d of dirs) {
    if (!existsSync(join(d, 'package.json'))) {
      process.stderr.write(`lint-n8n: ${d} has no package.json\n`);
      return 1;
    }
  }

  ensureTooling();
  // Pack every package while the tooling loads; lint one after another.
  const packs = dirs.map((d) => packAndExtract(d).then((v) => ({ ok: v }), (e) => ({ error: e })));
  const { ESLint, glob, config } = await loadTooling();

  // Each package is labelled by its name (its folder when unreadable, name and folder when two share it).
  const names = dirs.map((dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name || basename(dir);
    } catch {
      return basename(dir); // unreadable package.json: npm pack reports it below
    }
  });
  const labels = names.map((n, i) => (names.indexOf(n) === names.lastIndexOf(n) ? n : `${n} (${relative(process.cwd(), dirs[i]) || '.'})`));

  let failed = false;
  for (const [i, dir] of dirs.entries()) {
    const label = labels[i];
    const packed = await packs[i];
    if (packed.error) {
      process.stdout.write(`${label}: FAILED to pack: ${packed.error.message}\n`);
      failed = true;
      continue;
    }
    const { tmp, extracted } = packed.ok;
    try {
      const files = glob.sync(['**/*.js', 'package.json'], {
        cwd: extracted,
        absolute: true,
        ignore: ['node_modules/**', '**/package-lock.json'],
      });
      const eslint = new ESLint({ cwd: extracted, allowInlineConfig: false, overrideConfigFile: true, overrideConfig: config });
      const results = files.length ? await eslint.lintFiles(files) : [];
      let errors = 0;
      let warnings = 0;
      for (const r of results.sort((a, b) => a.filePath.localeCompare(b.filePath))) {
        const file = relative(extracted, r.filePath);
        for (const m of r.messages) {
          const rule = m.ruleId ?? (m.fatal ? 'parse-error' : '-');
          const where = `${file}:${m.line ?? 0}:${m.column ?? 0}`;
          const text = m.message.replace(/\s+/g, ' ').trim();
          if (m.severity === 2) errors++;
          else warnings++;
          process.stdout.write(`${label}: ${where} ${rule} ${text}${m.severity === 2 ? '' : ' (warning)'}\n`);
        }
      }
      if (errors) failed = true;
      process.stdout.write(
        `${label}: ${errors ? 'FAIL' : 'ok'} — ${errors} error(s), ${warnings} warning(s), ${files.length} file(s) linted (${SCANNER} lint)\n`,
      );
    } catch (e) {
      process.stdout.write(`${label}: FAILED to lint: ${e.stack || e.message}\n`);
      failed = true;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`lint-n8n: ${e.stack || e.message}\n`);
    process.exit(1);
  },
);
