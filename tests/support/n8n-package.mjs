// Loads a node class of one built n8n package (pkg-n8n/<package>/) for tests that drive it with a
// hand-made n8n context. The package requires n8n-workflow, a peer dependency n8n provides; here its
// stand-in (n8n-workflow-stub.cjs) answers instead. Real n8n runs the e2e suites.
import Module, { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const STUB = fileURLToPath(new URL('./n8n-workflow-stub.cjs', import.meta.url));
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveN8nWorkflow(request, ...rest) {
  return request === 'n8n-workflow' ? STUB : resolve.call(this, request, ...rest);
};

export const require = createRequire(import.meta.url);

/** The folder of built package `name` (ends with a slash). */
export const packageDir = (name) => fileURLToPath(new URL(`../../pkg-n8n/${name}/`, import.meta.url));

/** The node class `cls` of package `name` (its dist/nodes/<cls>/<cls>.node.js). */
export function loadNodeClass(name, cls) {
  const file = `${packageDir(name)}dist/nodes/${cls}/${cls}.node.js`;
  if (!existsSync(file)) throw new Error(`${file} is missing: run "node scripts/build.mjs" first`);
  return require(file)[cls];
}
