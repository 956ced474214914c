// Bench-only preload (`node -r ./record-loaded-files.cjs …`): appends every file the process loads to
// $BENCH_LOADED_FILES, one absolute path a line — in the main thread and in worker threads (preloads run
// in workers too), including a worker's entry file. scripts/bench.mjs sums their sizes to get what the
// generated node reads from disk at load time.
'use strict';

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const workerThreads = require('node:worker_threads');

const out = process.env.BENCH_LOADED_FILES;
const note = (file) => {
  if (typeof file === 'string' && path.isAbsolute(file)) fs.appendFileSync(out, `${file}\n`);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolve.apply(this, args);
  note(file);
  return file;
};

const { Worker } = workerThreads;
workerThreads.Worker = class extends Worker {
  constructor(filename, options) {
    note(filename instanceof URL ? filename.pathname : filename);
    super(filename, options);
  }
};

process.on('exit', () => Object.keys(require.cache).forEach(note));
