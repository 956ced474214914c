'use strict';
// The few parts of n8n-workflow the n8n packages' shim (dist/n8n.js) uses, for tests that drive a node
// class with a hand-made n8n context instead of a running n8n (tests/js/appdirect-n8n.test.mjs). The
// real module is exercised by the end-to-end suites (tests/e2e*).

class NodeError extends Error {
  constructor(node, message, options = {}) {
    super(message);
    this.node = node;
    this.description = options.description;
    this.itemIndex = options.itemIndex;
  }
}

class NodeOperationError extends NodeError {
  constructor(node, error, options = {}) {
    super(node, error instanceof Error ? error.message : String(error), options);
    this.name = 'NodeOperationError';
    if (error instanceof Error) this.cause = error;
  }
}

class NodeApiError extends NodeError {
  constructor(node, response, options = {}) {
    super(node, options.message ?? response.message, { ...options, description: options.description ?? response.description });
    this.name = 'NodeApiError';
    this.httpCode = options.httpCode ?? response.httpCode ?? null;
    this.response = response;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { NodeApiError, NodeOperationError, sleep };
