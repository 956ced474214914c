#!/usr/bin/env node
// Builds pkg/: the Rust crate compiled to wasm, wrapped as an n8n community-node package that is
// also a plain npm library. Needs only Rust (rustup, cargo) and Node >= 18; fetches the rest
// (wasm32 target, wasm-bindgen CLI, binaryen's wasm-opt) from the package registries when missing.
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
const buildDir = path.join(root, 'build');
const bindgenDir = path.join(buildDir, 'bindgen');
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

function cargoBuild(meta) {
  // Without the `describe` feature: the module executes; the descriptors come from `descriptors()`.
  run('cargo', ['build', '--release', '--target', WASM_TARGET, '--lib', '--no-default-features'], {
    // Keep the target_features section (wasm-bindgen reads it; strip = true would drop it).
    // wasm-opt strips debug info and the other custom sections afterwards.
    env: { ...process.env, CARGO_PROFILE_RELEASE_STRIP: 'debuginfo' },
  });
  const artifact = path.join(meta.targetDir, WASM_TARGET, 'release', `${meta.libName}.wasm`);
  if (!fs.existsSync(artifact)) throw new BuildError(`cargo build did not produce ${artifact}`);
  return artifact;
}

/**
 * The node and credential descriptors, as JSON texts: the crate's `descriptors` binary, run natively
 * (dev profile, which the Rust unit tests share), prints them from the same registry the wasm module runs.
 */
function descriptors() {
  const out = capture('cargo', ['run', '--quiet', '--bin', 'descriptors'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out === null) throw new BuildError('cargo run --bin descriptors failed');
  const { nodes, credentials } = JSON.parse(out);
  return { nodesText: JSON.stringify(nodes), credentialsText: JSON.stringify(credentials) };
}

// ---------------------------------------------------------------------------------------------
// 5. wasm-bindgen + wasm-opt (skipped when the input and the tools did not change)

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

function bindgenAndOptimize(artifact, meta, bindgen) {
  const glueFile = path.join(bindgenDir, `${meta.libName}.js`);
  const bgWasm = path.join(bindgenDir, `${meta.libName}_bg.wasm`);
  const optWasm = path.join(buildDir, `${meta.libName}.opt.wasm`);
  const stampFile = path.join(buildDir, 'stamp.json');
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
    log('wasm-bindgen + wasm-opt: up to date');
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

function assemble(meta, outputs) {
  const warnings = [];
  fs.rmSync(pkgDir, { recursive: true, force: true });
  fs.cpSync(templateDir, pkgDir, { recursive: true });
  for (const extra of ['README.md', 'LICENSE', 'LICENSE.md']) {
    const file = path.join(root, extra);
    if (fs.existsSync(file)) fs.copyFileSync(file, path.join(pkgDir, extra));
  }
  const dist = path.join(pkgDir, 'dist');

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
      '// WebAssembly namespace (to guard the exports) and microtask scheduler (to contain panics).\n' +
      `module.exports = function createBindings(WebAssembly, queueMicrotask) {\n${glue.trimEnd()}\n` +
      'return wasm_bindgen;\n};\n',
  );

  // Embedded, so loading the package (and n8n listing its nodes) needs no wasm.
  const { nodesText, credentialsText } = outputs.descriptors;
  writeFile(
    path.join(dist, 'descriptors.js'),
    `${generatedHeader("the node and credential descriptions the crate's descriptors binary prints")}` +
      `module.exports = {\n  nodes: ${JSON.stringify(nodesText)},\n  credentials: ${JSON.stringify(credentialsText)},\n};\n`,
  );
  const nodes = JSON.parse(nodesText);
  const credentials = JSON.parse(credentialsText);
  const manifest = JSON.parse(fs.readFileSync(path.join(templateDir, 'package.json'), 'utf8'));

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
    const codex = {
      node: `${manifest.name}.${node.name}`,
      nodeVersion: '1.0',
      codexVersion: '1.0',
      categories: ['Development'],
      resources: {},
    };
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

  manifest.version = meta.version;
  manifest.n8n = { ...manifest.n8n, nodes: nodePaths, credentials: credentialPaths };
  writeFile(path.join(pkgDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  checkShippedJs(dist, warnings);
  return { nodes, credentials, warnings, wasmBytes };
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

function checkShippedJs(dist, warnings) {
  const problems = [];
  for (const file of listFiles(dist).filter((f) => /\.(m?js)$/.test(f))) {
    const rel = path.relative(pkgDir, file);
    // Generated data (a base64 string, JSON text): words like "process" in a description are not code.
    if (rel === path.join('dist', 'wasm.js') || rel === path.join('dist', 'descriptors.js')) continue;
    const code = stripComments(fs.readFileSync(file, 'utf8'));
    const hits = FORBIDDEN.filter(([, re]) => re.test(code)).map(([what]) => what);
    const plainEntry = !rel.startsWith(path.join('dist', 'nodes')) && !rel.startsWith(path.join('dist', 'credentials')) && rel !== path.join('dist', 'n8n.js');
    if (plainEntry && /n8n-workflow/.test(code)) hits.push('n8n-workflow (plain-JS files must not need it)');
    if (hits.length === 0) continue;
    if (rel === path.join('dist', 'glue.js')) warnings.push(`wasm-bindgen glue uses ${hits.join(', ')} (from the crate's JS imports)`);
    else problems.push(`${rel}: ${hits.join(', ')}`);
  }
  if (problems.length) throw new BuildError(`shipped JS breaks n8n community-package rules:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function main() {
  ensureNodeModules();
  ensureWasmTarget();
  const bindgen = ensureWasmBindgen();
  log(`wasm-bindgen ${bindgen.version} (${bindgen.binary})`);
  const meta = crateMetadata();
  const artifact = cargoBuild(meta);
  const outputs = { ...bindgenAndOptimize(artifact, meta, bindgen), descriptors: descriptors() };
  const { nodes, credentials, warnings, wasmBytes } = assemble(meta, outputs);

  const rawSize = fs.statSync(outputs.bgWasm).size;
  const gzipped = zlib.gzipSync(wasmBytes, { level: 9 }).length;
  const jsSize = listFiles(path.join(pkgDir, 'dist'))
    .filter((f) => f.endsWith('.js') && path.basename(f) !== 'wasm.js')
    .reduce((sum, f) => sum + fs.statSync(f).size, 0);
  for (const warning of warnings) log(`warning: ${warning}`);
  log(
    `pkg/ ${meta.version}: ${nodes.length} node(s) [${nodes.map((n) => n.name).join(', ')}], ` +
      `${credentials.length} credential type(s) [${credentials.map((c) => c.name).join(', ')}]`,
  );
  log(
    `wasm: raw ${kib(rawSize)} (wasm-bindgen output) -> optimized ${kib(wasmBytes.length)} -> gzipped ${kib(gzipped)}; ` +
      `JS besides the wasm: ${kib(jsSize)}`,
  );
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
