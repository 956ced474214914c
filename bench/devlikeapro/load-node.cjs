// Bench-only: what the existing generated mittwald node (wiesinghilker/n8n-nodes-mittwald) does when n8n
// loads it, reproduced against our copy of the spec so scripts/bench.mjs can time it in a fresh process.
//
// That node's module (TypeScript, compiled to CommonJS with esModuleInterop) does at load time:
//   import * as doc from './openapi.json'            → the spec is require()d (read + JSON.parse)
//   new N8NPropertiesBuilder(doc, {}).build()         → all properties, built from the spec on every load
//   class mittwald { description = { …, properties } } → n8n instantiates it to read the description
// plus one small credential class. This script does the same steps in that order and prints
// `BENCH_RESULT {json}` with the time from before the first require until both descriptors exist.
//
// usage: node load-node.cjs <path/to/openapi.json>   (run with this folder as cwd)
'use strict';

const started = performance.now();
const { N8NPropertiesBuilder } = require('@devlikeapro/n8n-openapi-node');

// `import * as doc from './openapi.json'` under esModuleInterop: a namespace object whose keys read
// through to the parsed JSON, plus `default`.
const asNamespace = (mod) => {
  const ns = {};
  for (const key of Object.keys(mod)) {
    if (key !== 'default') Object.defineProperty(ns, key, { enumerable: true, get: () => mod[key] });
  }
  Object.defineProperty(ns, 'default', { enumerable: true, value: mod });
  return ns;
};
const doc = asNamespace(require(require('node:path').resolve(process.argv[2])));

// An empty config, as that node passes: the builder then logs through pino with the pino-pretty
// transport (a worker thread), which is part of what loading it costs.
const properties = new N8NPropertiesBuilder(doc, {}).build();

const node = {
  description: {
    displayName: 'mittwald',
    name: 'mittwald',
    icon: 'file:logo.svg',
    group: ['transform'],
    version: 1,
    subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
    description: 'Interact with mittwald mStudio API',
    defaults: { name: 'mittwald' },
    inputs: ['main'],
    outputs: ['main'],
    credentials: [{ name: 'mittwaldApi', required: true }],
    requestDefaults: {
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      baseURL: 'https://api.mittwald.de',
    },
    properties,
  },
};
const credential = {
  name: 'mittwaldApi',
  displayName: 'Mittwald API',
  properties: [{ displayName: 'API Token', name: 'apiToken', type: 'string', default: '', required: true }],
  authenticate: { type: 'generic', properties: { headers: { 'X-Access-Token': '={{$credentials.apiToken}}' } } },
};
const ms = performance.now() - started;

const selectors = properties.filter(
  (p) => p.name === 'operation' && p.type === 'options' && !(p.displayOptions && p.displayOptions.show && p.displayOptions.show.operation),
);
const resource = properties.find((p) => p.name === 'resource');
const result = {
  ms,
  properties: node.description.properties.length,
  resources: resource ? resource.options.length : 0,
  operations: selectors.reduce((sum, p) => sum + (p.options ? p.options.length : 0), 0),
  credentials: [credential].length,
};
process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
