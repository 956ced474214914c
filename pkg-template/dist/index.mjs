// ES module entry: the same API as index.js (one shared runtime for both entry points).
import api from './index.js';

export const { nodes, credentials, credentialHeaders, execute, search, poll, NodeExecutionError } = api;
export const _internal = api._internal;
export default api;
