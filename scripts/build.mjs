#!/usr/bin/env node
// Builds the packages from the Rust crate, each with a wasm module of its own:
//   pkg/                 the plain-JS library: every marketplace, and fetch for hosts without n8n;
//   pkg-n8n/<package>/   one n8n community package per marketplace (pkg-template/<package>/ names it
//                        and says which marketplace, a cargo feature, it carries).
// Needs only Rust (rustup, cargo) and Node >= 18; fetches the rest (wasm32 target, wasm-bindgen CLI,
// binaryen's wasm-opt) from the package registries when missing.
//
//   node scripts/build.mjs        (= npm run build)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const templateDir = path.join(root, 'pkg-template');
const pkgDir = path.join(root, 'pkg');
const n8nDir = path.join(root, 'pkg-n8n');
const buildDir = path.join(root, 'build');
/** What the library carries (Cargo.toml: every marketplace, and fetch); each n8n package carries one marketplace. */
const LIBRARY_FEATURES = ['library'];
const WASM_TARGET = 'wasm32-unknown-unknown';
const isWindows = process.platform === 'win32';

// Everything Rust 1.95 enables by default for wasm32-unknown-unknown; Node >= 18 supports all of it.
const WASM_OPT_ARGS = [
  '-Oz',
  '--enable-bulk-memory',
  '--enable-bulk-memory-opt',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
  '--enable-call-indirect-overlong',
  '--strip-debug',
  '--strip-producers',
  '--strip-target-features',
];

const started = Date.now();
const log = (message) => console.log(`[build] ${message}`);

class BuildError extends Error {}

function run(command, args, options = {}) {
  log(`$ ${[command, ...args].join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    shell: isWindows,
    ...options,
  });
  if (result.error) throw new BuildError(`${command} could not be started: ${result.error.message}`);
  if (result.status !== 0) throw new BuildError(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', shell: isWindows, ...options });
  if (result.error || result.status !== 0) return null;
  return result.stdout;
}

function exe(name) {
  return isWindows ? `${name}.exe` : name;
}

function cargoHome() {
  return process.env.CARGO_HOME || path.join(os.homedir(), '.cargo');
}

// ---------------------------------------------------------------------------------------------
// 1. Dev npm packages (binaryen for wasm-opt)

function ensureNodeModules() {
  if (fs.existsSync(path.join(root, 'node_modules', 'binaryen', 'package.json'))) return;
  log('node_modules/binaryen missing: installing dev dependencies');
  run(isWindows ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund']);
}

function wasmOptPath() {
  const bin = path.join(root, 'node_modules', '.bin', isWindows ? 'wasm-opt.cmd' : 'wasm-opt');
  if (!fs.existsSync(bin)) throw new BuildError(`${bin} not found; is the binaryen devDependency installed?`);
  return bin;
}

// ---------------------------------------------------------------------------------------------
// 2. The wasm target

function ensureWasmTarget() {
  const installed = capture('rustup', ['target', 'list', '--installed']);
  if (installed === null) {
    log('rustup not found: assuming the toolchain already has the wasm32 target');
    return;
  }
  if (installed.split(/\r?\n/).some((line) => line.trim() === WASM_TARGET)) return;
  run('rustup', ['target', 'add', WASM_TARGET]);
}

// ---------------------------------------------------------------------------------------------
// 3. wasm-bindgen CLI of exactly the version in Cargo.lock

function lockedWasmBindgenVersion() {
  const lockPath = path.join(root, 'Cargo.lock');
  if (!fs.existsSync(lockPath)) run('cargo', ['generate-lockfile']);
  const lock = fs.readFileSync(lockPath, 'utf8');
  const versions = new Set();
  for (const block of lock.split(/^\[\[package\]\]\s*$/m)) {
    const name = /^name\s*=\s*"([^"]+)"/m.exec(block);
    const version = /^version\s*=\s*"([^"]+)"/m.exec(block);
    if (name && version && name[1] === 'wasm-bindgen') versions.add(version[1]);
  }
  if (versions.size === 0) throw new BuildError('Cargo.lock has no wasm-bindgen package; is it a dependency of the crate?');
  if (versions.size > 1) {
    throw new BuildError(`Cargo.lock has several wasm-bindgen versions (${[...versions].join(', ')}); pin one with "=x.y.z"`);
  }
  return [...versions][0];
}

function wasmBindgenVersionOf(binary) {
  const out = capture(binary, ['--version']);
  const match = out && /wasm-bindgen\s+(\S+)/.exec(out);
  return match ? match[1] : null;
}

function ensureWasmBindgen() {
  const wanted = lockedWasmBindgenVersion();
  const installRoot = process.env.CARGO_INSTALL_ROOT || cargoHome();
  const candidates = ['wasm-bindgen', path.join(cargoHome(), 'bin', exe('wasm-bindgen'))];
  if (installRoot !== cargoHome()) candidates.push(path.join(installRoot, 'bin', exe('wasm-bindgen')));
  const found = [];
  for (const candidate of candidates) {
    const version = wasmBindgenVersionOf(candidate);
    if (version === wanted) return { binary: candidate, version };
    if (version !== null) found.push(`${candidate} is ${version}`);
  }
  log(`wasm-bindgen ${wanted} (from Cargo.lock) not found${found.length ? ` (${found.join('; ')})` : ''}: installing it`);
  // Not --locked: the registry mirror may lack the exact transitive versions of its lockfile.
  run('cargo', ['install', 'wasm-bindgen-cli', '--version', wanted, '--force']);
  const installed = path.join(installRoot, 'bin', exe('wasm-bindgen'));
  const version = wasmBindgenVersionOf(installed);
  if (version !== wanted) throw new BuildError(`cargo install left ${installed} at version ${version}, wanted ${wanted}`);
  return { binary: installed, version };
}

// ---------------------------------------------------------------------------------------------
// 4. cargo build

function crateMetadata() {
  const out = capture('cargo', ['metadata', '--format-version', '1', '--no-deps']);
  if (out === null) throw new BuildError('cargo metadata failed; is Cargo.toml valid?');
  const meta = JSON.parse(out);
  const manifest = path.join(root, 'Cargo.toml');
  const pkg = meta.packages.find((p) => path.resolve(p.manifest_path) === manifest) || meta.packages[0];
  const lib = pkg.targets.find((t) => t.kind.includes('cdylib'));
  if (!lib) throw new BuildError('the crate has no cdylib target ([lib] crate-type = ["cdylib", …])');
  return {
    version: pkg.version,
    libName: lib.name.replace(/-/g, '_'),
    targetDir: meta.target_directory,
  };
}

/** Builds the wasm module with exactly `features`; returns a copy of it under build/<label>/. */
function cargoBuild(meta, features, label) {
  // Without the `describe` feature: the module executes; the descriptors come from `descriptors()`.
  run('cargo', ['build', '--release', '--target', WASM_TARGET, '--lib', '--no-default-features', '--features', features.join(',')], {
    // Keep the target_features section (wasm-bindgen reads it; strip = true would drop it).
    // wasm-opt strips debug info and the other custom sections afterwards.
    env: { ...process.env, CARGO_PROFILE_RELEASE_STRIP: 'debuginfo' },
  });
  const artifact = path.join(meta.targetDir, WASM_TARGET, 'release', `${meta.libName}.wasm`);
  if (!fs.existsSync(artifact)) throw new BuildError(`cargo build did not produce ${artifact}`);
  // The next build writes the same path: keep this one.
  const copy = path.join(buildDir, label, `${meta.libName}.wasm`);
  fs.mkdirSync(path.dirname(copy), { recursive: true });
  fs.copyFileSync(artifact, copy);
  return copy;
}

/**
 * The node and credential descriptors, and which marketplace each belongs to: the crate's `descriptors`
 * binary, run natively (dev profile, which the Rust unit tests share), prints them from the same registry
 * the wasm modules run.
 */
function descriptors() {
  const out = capture('cargo', ['run', '--quiet', '--bin', 'descriptors'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out === null) throw new BuildError('cargo run --bin descriptors failed');
  const { nodes, credentials, marketplaces } = JSON.parse(out);
  return { nodes, credentials, marketplaces };
}

// ---------------------------------------------------------------------------------------------
// 5. wasm-bindgen + wasm-opt (skipped when the input and the tools did not change)

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function bindgenAndOptimize(artifact, meta, bindgen) {
  const dir = path.dirname(artifact);
  const bindgenDir = path.join(dir, 'bindgen');
  const glueFile = path.join(bindgenDir, `${meta.libName}.js`);
  const bgWasm = path.join(bindgenDir, `${meta.libName}_bg.wasm`);
  const optWasm = path.join(dir, `${meta.libName}.opt.wasm`);
  const stampFile = path.join(dir, 'stamp.json');
  const binaryenVersion = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules', 'binaryen', 'package.json'), 'utf8'),
  ).version;
  const stamp = {
    input: sha256(fs.readFileSync(artifact)),
    wasmBindgen: bindgen.version,
    binaryen: binaryenVersion,
    wasmOptArgs: WASM_OPT_ARGS,
  };
  const outputs = [glueFile, bgWasm, optWasm];
  let previous = null;
  try {
    previous = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    previous = null;
  }
  if (previous && JSON.stringify(previous) === JSON.stringify(stamp) && outputs.every((f) => fs.existsSync(f))) {
    log(`wasm-bindgen + wasm-opt (${path.basename(dir)}): up to date`);
  } else {
    fs.rmSync(bindgenDir, { recursive: true, force: true });
    fs.mkdirSync(bindgenDir, { recursive: true });
    run(bindgen.binary, ['--target', 'no-modules', '--no-typescript', '--out-dir', path.relative(root, bindgenDir), path.relative(root, artifact)]);
    run(wasmOptPath(), [...WASM_OPT_ARGS, path.relative(root, bgWasm), '-o', path.relative(root, optWasm)]);
    fs.writeFileSync(stampFile, `${JSON.stringify(stamp, null, 2)}\n`);
  }
  return { glueFile, bgWasm, optWasm };
}

// ---------------------------------------------------------------------------------------------
// 6. pkg/

function upperFirst(name) {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// The name becomes a class name, a file name and a quoted literal in generated code.
function className(name, what) {
  const cls = upperFirst(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(cls)) {
    throw new BuildError(`${what} name "${name}" does not make a valid JavaScript class name`);
  }
  return cls;
}

function writeFile(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function listFiles(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else out.push(full);
  }
  return out.sort();
}

const iconIndex = listFiles(path.join(root, 'nodes')).filter((f) => f.toLowerCase().endsWith('.svg'));

// Copies the icon(s) a description refers to (`file:x.svg`, or {light, dark}) next to `destDir`.
function copyIcons(icon, ownerName, destDir, warnings) {
  const refs = typeof icon === 'string' ? [icon] : icon && typeof icon === 'object' ? Object.values(icon) : [];
  for (const ref of refs) {
    if (typeof ref !== 'string' || !ref.startsWith('file:')) continue;
    const relative = ref.slice('file:'.length);
    const base = path.basename(relative);
    const matches = iconIndex.filter((f) => path.basename(f) === base);
    if (matches.length === 0) {
      warnings.push(`icon ${ref} of "${ownerName}" not found under nodes/`);
      continue;
    }
    const preferred = matches.find((f) => f.toLowerCase().includes(ownerName.toLowerCase())) || matches[0];
    if (matches.length > 1) {
      warnings.push(`icon ${ref} of "${ownerName}" found ${matches.length} times; using ${path.relative(root, preferred)}`);
    }
    writeFile(path.join(destDir, relative), fs.readFileSync(preferred));
  }
}

function generatedHeader(what) {
  return `'use strict';\n// Generated by scripts/build.mjs: ${what}. Do not edit.\n`;
}

/**
 * The wasm-bindgen glue of an n8n package's module, cut to what the shim uses, in plain sight:
 * - the module's one use of the global object is js-sys' task queue looking up `queueMicrotask` on it
 *   (`js_sys::global()`); the shim hands the glue that object itself (`hostGlobal`, holding only the
 *   shim's `queueMicrotask`), so the glue reads no global object under any name;
 * - the asynchronous init path (fetching the wasm from a URL, with its `console.warn`s) is dropped: the
 *   shim instantiates synchronously with `initSync({ module })`, whose deprecated-arguments branch now
 *   throws instead of warning.
 * Every edit must match exactly as often as expected, so a wasm-bindgen upgrade that changes the glue
 * fails the build here rather than shipping something unchecked.
 */
function glueForN8n(glue) {
  let out = glue;
  const edit = (what, pattern, replacement, expected) => {
    const found = out.split(pattern).length - 1;
    if (found !== expected) {
      throw new BuildError(`glue for n8n: expected ${expected} × ${what}, found ${found}; update glueForN8n for this wasm-bindgen`);
    }
    out = out.split(pattern).join(replacement);
  };
  const cut = (what, from, to, replacement) => {
    const start = out.indexOf(from);
    const end = out.indexOf(to, start);
    if (start < 0 || end < 0) throw new BuildError(`glue for n8n: ${what} not found; update glueForN8n for this wasm-bindgen`);
    out = out.slice(0, start) + replacement + out.slice(end);
  };
  edit('the globalThis accessor', "const ret = typeof globalThis === 'undefined' ? undefined : globalThis;", 'const ret = hostGlobal;', 1);
  for (const name of ['global', 'self', 'window']) {
    edit(`the ${name} accessor`, `const ret = typeof ${name} === 'undefined' ? undefined : ${name};`, 'const ret = undefined;', 1);
  }
  cut('the script URL', '    let script_src;', '\n    function ', '\n');
  cut('the asynchronous loader', '    async function __wbg_load(', '    function initSync(', '');
  cut('the asynchronous init', '    let __wbg_init_promise;', '    return Object.assign(__wbg_init, { initSync }, exports);', '');
  edit('the init result', 'return Object.assign(__wbg_init, { initSync }, exports);', 'return Object.assign({ initSync }, exports);', 1);
  edit(
    'the deprecated initSync warning',
    "console.warn('using deprecated parameters for `initSync()`; pass a single object instead')",
    "throw new Error('initSync() takes { module }')",
    1,
  );
  for (const [what, re] of [['console', /\bconsole\s*\./], ['globalThis', /\bglobalThis\b/], ['global', /(^|[^.\w$'"])global\b/m], ['document', /\bdocument\b/]]) {
    if (re.test(out)) throw new BuildError(`glue for n8n still uses ${what}; update glueForN8n for this wasm-bindgen`);
  }
  return out;
}

/** The generated files of a package's dist/: its module, its glue, its descriptions. */
function writeModule(dist, outputs, { nodes, credentials }, forN8n) {
  const wasmBytes = fs.readFileSync(outputs.optWasm);
  writeFile(
    path.join(dist, 'wasm.js'),
    `${generatedHeader('the optimized wasm module, base64')}module.exports = '${wasmBytes.toString('base64')}';\n`,
  );
  const glue = fs.readFileSync(outputs.glueFile, 'utf8');
  writeFile(
    path.join(dist, 'glue.js'),
    `${generatedHeader('wasm-bindgen glue (--target no-modules) in a factory')}` +
      '// Every call returns a fresh, independent set of bindings. The runtime passes its own\n' +
      '// WebAssembly namespace (to guard the exports), microtask scheduler (to contain panics) and, for\n' +
      "// n8n packages, the only global object the module may see (`hostGlobal`: the scheduler alone).\n" +
      `module.exports = function createBindings(WebAssembly, queueMicrotask, hostGlobal) {\n${(forN8n ? glueForN8n(glue) : glue).trimEnd()}\n` +
      'return wasm_bindgen;\n};\n',
  );
  // Embedded, so loading the package (and n8n listing its nodes) needs no wasm.
  writeFile(
    path.join(dist, 'descriptors.js'),
    `${generatedHeader("the node and credential descriptions the crate's descriptors binary prints")}` +
      `module.exports = {\n  nodes: ${JSON.stringify(JSON.stringify(nodes))},\n  credentials: ${JSON.stringify(JSON.stringify(credentials))},\n};\n`,
  );
  return wasmBytes;
}

/** Copies the hand-written shims `names` from pkg-template/dist/. */
function copyShims(dist, names) {
  for (const name of names) writeFile(path.join(dist, name), fs.readFileSync(path.join(templateDir, 'dist', name)));
}

/** What n8n's codex files say when the skeleton names no categories. */
const DEFAULT_CODEX_CATEGORIES = ['Development'];

/**
 * A node's codex (`<Class>.node.json`): where n8n's node panel lists it. `categories` come from the
 * skeleton (`codexCategories`); aliases and the documentation link from the node's own `codex`; a
 * polling trigger is listed under the same categories (n8n tells triggers apart by the description's
 * `group: ['trigger']`) and says what starts it.
 */
function codexOf(packageName, node, categories) {
  // The node's own codex (from Rust: search aliases, its documentation link) fills in the rest.
  const own = node.codex ?? {};
  const alias = [...(own.alias ?? [])];
  if (node.polling === true) alias.push('trigger', 'polling', 'events');
  const codex = {
    node: `${packageName}.${node.name}`,
    nodeVersion: '1.0',
    codexVersion: '1.0',
    categories: [...categories],
    resources: own.resources ?? {},
  };
  if (alias.length > 0) codex.alias = [...new Set(alias)];
  return codex;
}

/** The n8n node and credential class files (and codex, icons) of `descriptors`; their paths. */
function writeN8nClasses(dist, packageName, { nodes, credentials }, warnings, categories = DEFAULT_CODEX_CATEGORIES) {
  const nodePaths = [];
  const seen = new Map();
  for (const node of nodes) {
    const cls = className(node.name, 'Node');
    if (seen.has(cls)) throw new BuildError(`nodes "${seen.get(cls)}" and "${node.name}" both map to class ${cls}`);
    seen.set(cls, node.name);
    const dir = path.join(dist, 'nodes', cls);
    writeFile(
      path.join(dir, `${cls}.node.js`),
      `${generatedHeader(`n8n node "${node.name}"`)}const { makeNodeClass } = require('../../n8n.js');\n\n` +
        `module.exports = { ${cls}: makeNodeClass('${node.name}', '${cls}') };\n`,
    );
    const codex = codexOf(packageName, node, categories);
    writeFile(path.join(dir, `${cls}.node.json`), `${JSON.stringify(codex, null, 2)}\n`);
    if (!node.icon) warnings.push(`node "${node.name}" has no icon`);
    copyIcons(node.icon, node.name, dir, warnings);
    nodePaths.push(`dist/nodes/${cls}/${cls}.node.js`);
  }
  const credentialPaths = [];
  const seenCredentials = new Map();
  for (const credential of credentials) {
    const cls = className(credential.name, 'Credential');
    if (seenCredentials.has(cls)) {
      throw new BuildError(`credentials "${seenCredentials.get(cls)}" and "${credential.name}" both map to class ${cls}`);
    }
    seenCredentials.set(cls, credential.name);
    const file = path.join(dist, 'credentials', `${cls}.credentials.js`);
    writeFile(
      file,
      `${generatedHeader(`n8n credential type "${credential.name}"`)}const { makeCredentialClass } = require('../n8n.js');\n\n` +
        `module.exports = { ${cls}: makeCredentialClass('${credential.name}', '${cls}') };\n`,
    );
    copyIcons(credential.icon, credential.name, path.dirname(file), warnings);
    credentialPaths.push(`dist/credentials/${cls}.credentials.js`);
  }
  return { nodePaths, credentialPaths };
}

/** What every package says of where it comes from: the workspace's package.json is the one place. */
function provenance() {
  const workspace = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const keys = ['author', 'homepage', 'repository', 'bugs'];
  const missing = keys.filter((key) => !workspace[key]);
  if (missing.length) throw new BuildError(`package.json lacks ${missing.join(', ')} (every package takes them from there)`);
  return Object.fromEntries(keys.map((key) => [key, workspace[key]]));
}

/** A short README for an n8n package: what it holds and where the documentation is. */
function n8nReadme(manifest, { nodes, credentials }) {
  const docs = manifest.homepage;
  return `# ${manifest.name}\n\n${manifest.description}\n\n` +
    `Nodes: ${nodes.map((n) => `**${n.displayName}**`).join(', ')}. Credentials: ${credentials.map((c) => c.displayName).join(', ')}.\n\n` +
    '## Install\n\nIn n8n: *Settings → Community Nodes → Install*, and enter `' + manifest.name + '`. ' +
    'Self-hosted, without the UI: `npm install ' + manifest.name + '` in `~/.n8n/nodes`, or point ' +
    '`N8N_CUSTOM_EXTENSIONS` at the unpacked package.\n\n' +
    `Tested on n8n 2.8.4 (Node 20) and 2.41.1 (Node 24). Documentation, operations and reliability promises: ${docs}\n`;
}

function copyLegal(dir) {
  for (const extra of ['LICENSE', 'LICENSE.md']) {
    const file = path.join(root, extra);
    if (fs.existsSync(file)) fs.copyFileSync(file, path.join(dir, extra));
  }
}

/** pkg/: the plain-JS library with every marketplace. */
function assembleLibrary(meta, outputs, descriptors) {
  const warnings = [];
  fs.rmSync(pkgDir, { recursive: true, force: true });
  const dist = path.join(pkgDir, 'dist');
  const wasmBytes = writeModule(dist, outputs, descriptors, false);
  copyShims(dist, ['index.js', 'index.mjs', 'index.d.ts', 'runtime.js', 'adapter.js']);
  const manifest = { ...JSON.parse(fs.readFileSync(path.join(templateDir, 'package.json'), 'utf8')), ...provenance() };
  manifest.version = meta.version;
  writeFile(path.join(pkgDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.copyFileSync(path.join(root, 'README.md'), path.join(pkgDir, 'README.md'));
  copyLegal(pkgDir);
  checkShippedJs(pkgDir, warnings, false);
  return { dir: pkgDir, name: manifest.name, ...descriptors, warnings, wasmBytes, outputs };
}

/** pkg-n8n/<package>/: one marketplace's n8n community package, from its skeleton in pkg-template/. */
function assembleN8n(meta, templateName, outputs, descriptors) {
  const warnings = [];
  const template = path.join(templateDir, templateName);
  const dir = path.join(n8nDir, templateName);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(template, dir, { recursive: true });
  const dist = path.join(dir, 'dist');
  const wasmBytes = writeModule(dist, outputs, descriptors, true);
  copyShims(dist, ['n8n.js', 'runtime.js', 'adapter.js']);
  const manifest = JSON.parse(fs.readFileSync(path.join(template, 'package.json'), 'utf8'));
  // `marketplace` tells the build which module to give it, `codexCategories` where n8n lists its nodes;
  // npm never sees them.
  const { marketplace: _marketplace, codexCategories, ...own } = manifest;
  const published = { ...own, ...provenance() };
  const { nodePaths, credentialPaths } = writeN8nClasses(dist, manifest.name, descriptors, warnings, codexCategories);
  published.version = meta.version;
  published.n8n = { ...published.n8n, nodes: nodePaths, credentials: credentialPaths };
  writeFile(path.join(dir, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  writeFile(path.join(dir, 'README.md'), n8nReadme(published, descriptors));
  copyLegal(dir);
  checkShippedJs(dir, warnings, true);
  return { dir, name: manifest.name, ...descriptors, warnings, wasmBytes, outputs };
}

/** The n8n package skeletons: pkg-template/<name>/package.json with a `marketplace` (a cargo feature). */
function n8nTemplates() {
  return fs
    .readdirSync(templateDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(templateDir, entry.name, 'package.json')))
    .map((entry) => {
      const manifest = JSON.parse(fs.readFileSync(path.join(templateDir, entry.name, 'package.json'), 'utf8'));
      if (manifest.name !== entry.name) throw new BuildError(`pkg-template/${entry.name}/package.json is named "${manifest.name}"`);
      if (!manifest.marketplace) throw new BuildError(`pkg-template/${entry.name}/package.json names no marketplace`);
      const categories = manifest.codexCategories;
      if (categories !== undefined && (!Array.isArray(categories) || categories.length === 0 || !categories.every((c) => typeof c === 'string' && c))) {
        throw new BuildError(`pkg-template/${entry.name}/package.json: codexCategories must be a non-empty list of n8n node categories`);
      }
      return { name: entry.name, marketplace: manifest.marketplace };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The descriptors of one marketplace (all of them when `marketplace` is null). */
function descriptorsOf(all, marketplace) {
  if (marketplace === null) return { nodes: all.nodes, credentials: all.credentials };
  const own = all.marketplaces[marketplace];
  if (!own) throw new BuildError(`no marketplace "${marketplace}" in the crate (nodes/mod.rs, Cargo.toml features)`);
  return {
    nodes: all.nodes.filter((n) => own.nodes.includes(n.name)),
    credentials: all.credentials.filter((c) => own.credentials.includes(c.name)),
  };
}

// n8n's community-package rules: no file system, no __dirname, no eval / Function, no process,
// no timers, no globalThis. Hand-written and generated wrappers must comply (build fails);
// for the wasm-bindgen glue the findings are reported (they come from the crate's imports).
const FORBIDDEN = [
  ['process', /\bprocess\b/],
  ['__dirname/__filename', /\b__(dirname|filename)\b/],
  ['eval', /\beval\s*\(/],
  ['Function constructor', /\bnew\s+Function\b|(^|[^.\w$'"`])Function\s*\(/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|clearImmediate)\b/],
  ['file system', /require\(\s*['"](node:)?fs(\/promises)?['"]\s*\)/],
  ['globalThis/global', /\bglobalThis\b|(^|[^.\w$])global\b(?!\s*:)/],
];

function stripComments(source) {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"\\])\/\/.*$/gm, '$1');
}

function checkShippedJs(dir, warnings, forN8n) {
  const problems = [];
  for (const file of listFiles(path.join(dir, 'dist')).filter((f) => /\.(m?js)$/.test(f))) {
    const rel = path.relative(dir, file);
    // Generated data (a base64 string, JSON text): words like "process" in a description are not code.
    if (rel === path.join('dist', 'wasm.js') || rel === path.join('dist', 'descriptors.js')) continue;
    const code = stripComments(fs.readFileSync(file, 'utf8'));
    const hits = FORBIDDEN.filter(([, re]) => re.test(code)).map(([what]) => what);
    if (!forN8n && /n8n-workflow/.test(code)) hits.push('n8n-workflow (the library must not need it)');
    if (hits.length === 0) continue;
    // The library's glue may use the global object (fetch, timers for hosts without n8n).
    if (!forN8n && rel === path.join('dist', 'glue.js')) continue;
    problems.push(`${path.basename(dir)}/${rel}: ${hits.join(', ')}`);
  }
  if (problems.length) throw new BuildError(`shipped JS breaks n8n community-package rules:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function report(pkg) {
  const rawSize = fs.statSync(pkg.outputs.bgWasm).size;
  const gzipped = zlib.gzipSync(pkg.wasmBytes, { level: 9 }).length;
  const jsSize = listFiles(path.join(pkg.dir, 'dist'))
    .filter((f) => f.endsWith('.js') && path.basename(f) !== 'wasm.js')
    .reduce((sum, f) => sum + fs.statSync(f).size, 0);
  for (const warning of pkg.warnings) log(`warning: ${warning}`);
  log(
    `${path.relative(root, pkg.dir)} (${pkg.name}): ${pkg.nodes.length} node(s) [${pkg.nodes.map((n) => n.name).join(', ')}], ` +
      `${pkg.credentials.length} credential type(s); wasm raw ${kib(rawSize)} -> optimized ${kib(pkg.wasmBytes.length)} ` +
      `-> gzipped ${kib(gzipped)}; JS besides the wasm ${kib(jsSize)}`,
  );
}

function main() {
  ensureNodeModules();
  ensureWasmTarget();
  const bindgen = ensureWasmBindgen();
  log(`wasm-bindgen ${bindgen.version} (${bindgen.binary})`);
  const meta = crateMetadata();
  const all = descriptors();
  const module = (features, label) => bindgenAndOptimize(cargoBuild(meta, features, label), meta, bindgen);
  const packages = [assembleLibrary(meta, module(LIBRARY_FEATURES, 'library'), descriptorsOf(all, null))];
  fs.rmSync(n8nDir, { recursive: true, force: true });
  for (const template of n8nTemplates()) {
    const outputs = module([template.marketplace], template.marketplace);
    packages.push(assembleN8n(meta, template.name, outputs, descriptorsOf(all, template.marketplace)));
  }
  packages.forEach(report);
  // n8n's scanner lints the published tarball; a package it would reject is not a build.
  const lint = spawnSync(process.execPath, [path.join(root, 'scripts', 'lint-n8n.mjs')], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) throw new BuildError('an n8n package fails the community-package scanner\'s lint (above)');
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (error) {
  if (error instanceof BuildError) {
    console.error(`[build] error: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
