// Bench-only: the generated mittwald node (wiesinghilker/n8n-nodes-mittwald, built with
// @devlikeapro/n8n-openapi-node) as an n8n custom extension, so scripts/bench.mjs can run it in a real
// n8n beside ours. Same load steps as ../load-node.cjs: the spec is required, the builder turns it into
// declarative properties (n8n's RoutingNode then sends the requests), one credential adds X-Access-Token.
// Differences from the original, all for the bench: node and credential are renamed (mittwaldGenerated,
// mittwaldGeneratedApi) so they do not clash with this package's mittwald / mittwaldApi in the same n8n;
// the builder gets a silent logger instead of pino-pretty (its load-time log would land in n8n's stdout);
// and the base URL can be pointed at a loopback server with BENCH_MITTWALD_BASE_URL.
'use strict';

const path = require('node:path');
const { env } = require('node:process');
const { N8NPropertiesBuilder } = require(path.join(__dirname, '..', 'node_modules', '@devlikeapro', 'n8n-openapi-node'));
const doc = require(path.join(__dirname, '..', '..', '..', 'nodes', 'mittwald', 'openapi.json'));

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
silent.child = () => silent;

const properties = new N8NPropertiesBuilder(doc, { logger: silent }).build();

class MittwaldGenerated {
  constructor() {
    this.description = {
      displayName: 'mittwald (generated)',
      name: 'mittwaldGenerated',
      icon: 'fa:server',
      group: ['transform'],
      version: 1,
      subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
      description: 'Interact with mittwald mStudio API',
      defaults: { name: 'mittwald (generated)' },
      inputs: ['main'],
      outputs: ['main'],
      credentials: [{ name: 'mittwaldGeneratedApi', required: true }],
      requestDefaults: {
        headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
        baseURL: env.BENCH_MITTWALD_BASE_URL || 'https://api.mittwald.de',
      },
      properties,
    };
  }
}

module.exports = { MittwaldGenerated };
