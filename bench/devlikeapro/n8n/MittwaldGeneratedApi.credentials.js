// Bench-only: the generated mittwald node's credential (see MittwaldGenerated.node.js), renamed.
'use strict';

class MittwaldGeneratedApi {
  constructor() {
    this.name = 'mittwaldGeneratedApi';
    this.displayName = 'Mittwald API (generated node)';
    this.properties = [{ displayName: 'API Token', name: 'apiToken', type: 'string', typeOptions: { password: true }, default: '', required: true }];
    this.authenticate = { type: 'generic', properties: { headers: { 'X-Access-Token': '={{$credentials.apiToken}}' } } };
  }
}

module.exports = { MittwaldGeneratedApi };
