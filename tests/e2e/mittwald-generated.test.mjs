// End to end, generated mittwald operations in a real, headless n8n (2.8.4; 2.41.1 with E2E_N8N=latest) — ONE workflow run:
//   - List Projects (generated, paginated) with Return All and a query filter, over 2 pages
//   - Order Extension (the seed operation) for a *project* (the other `oneOf` branch of its body)
//   - a file download (generated, non-JSON answer) → n8n binary data under `data`, whose bytes a
//     following Code node reads back through n8n's own binary-data helpers, and which Create File
//     (generated, multipart) uploads again from that binary data
//   - Delete a Project (generated, 204 answer) → a success item
// Run: `npm run build` (repo root), then `node --test tests/e2e/mittwald-generated.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureN8n, runWorkflows, triggerFanOutWorkflow, customType, nodeDescription, REPO_ROOT } from './n8n-harness.mjs';

const MOCK_MODULE = path.join(REPO_ROOT, 'tests', 'support', 'mock-marketplace.mjs');
const MITTWALD_CRED = { id: 'e2eMittwaldGen01', name: 'mittwald (e2e generated)' };
const ORDER_PROJECT_ID = '7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a';
const PDF_PATH = '/html/invoices/2024-001.pdf';
const UPLOAD_TOKEN = '1c9e8f2a-4b3d-4e5f-8a7b-6c5d4e3f2a1b';

let mockLib;
let mock;
let mittwald; // the mittwald node description, from the package itself
let run; // { result, requests, orders, projects }

/** Fails when a workflow sets a parameter the node does not show for this operation (n8n would drop it). */
function assertDeclared(params) {
  const visible = mittwald.properties.filter((p) => {
    const show = p.displayOptions?.show ?? {};
    return Object.entries(show).every(([name, values]) => name.startsWith('@') || values.includes(params[name] ?? mittwald.properties.find((q) => q.name === name && !q.displayOptions)?.default));
  });
  for (const [key, value] of Object.entries(params)) {
    const prop = visible.find((p) => p.name === key);
    assert.ok(prop, `parameter "${key}" is not shown for ${params.operation}; shown: ${visible.map((p) => p.name).join(', ')}`);
    if (prop.type === 'options') assert.ok(prop.options.some((o) => o.value === value), `${key} = ${JSON.stringify(value)} is not an option`);
    if (prop.type === 'collection') {
      for (const field of Object.keys(value)) assert.ok(prop.options.some((o) => o.name === field), `${key} has no field "${field}"`);
    }
  }
}

function mittwaldNode(name, parameters) {
  assertDeclared(parameters);
  return { name, type: customType('mittwald'), parameters, credentials: { mittwaldApi: MITTWALD_CRED } };
}

// Reads the binary property `data` of every input item back through n8n (works in any binary-data mode).
const READ_BACK = `
const out = [];
const items = $input.all();
for (let i = 0; i < items.length; i++) {
  const buffer = await this.helpers.getBinaryDataBuffer(i, 'data');
  out.push({ json: { binaryKeys: Object.keys(items[i].binary || {}), base64: Buffer.from(buffer).toString('base64') } });
}
return out;
`;

before(
  async () => {
    mittwald = nodeDescription('mittwald');
    await ensureN8n();
    mockLib = await import(pathToFileURL(MOCK_MODULE).href);
    // At most 2 projects per page: the 4 projects of the filtered list take 2 pages.
    mock = await mockLib.startMockMarketplace({ maxPageSize: 2 });
    const projects = mockLib.defaultProjects();

    const workflow = triggerFanOutWorkflow({
      id: 'e2eMittwaldGen01',
      name: 'e2e: generated mittwald operations',
      nodes: [
        mittwaldNode('List Projects', {
          resource: 'Project',
          operation: 'project-list-projects',
          returnAll: true,
          additionalFields: { customerId: mockLib.PROJECT_CUSTOMER_ID },
        }),
        mittwaldNode('Order for Project', {
          resource: 'Marketplace',
          operation: 'extension-order-extension',
          extensionId: mockLib.EXTENSIONS[0].id,
          orderFor: 'project',
          projectId: ORDER_PROJECT_ID,
          // Required, and empty: n8n must still accept the workflow, and `[]` must be sent.
          consentedScopes: [],
          variantKey: 'pro',
        }),
        mittwaldNode('Download File', {
          resource: 'Project File System',
          operation: 'project-file-system-get-file-content',
          projectId: projects[0].id,
          additionalFields: { file: PDF_PATH },
        }),
        // The only project of the other customer: the filtered list is the same before and after.
        mittwaldNode('Delete Project', { resource: 'Project', operation: 'project-delete-project', projectId: projects[4].id }),
      ],
    });
    workflow.nodes.push({
      id: '00000000-0000-4000-8000-0000000009a1',
      name: 'Read File',
      type: 'n8n-nodes-base.code',
      typeVersion: 2,
      position: [600, 400],
      parameters: { jsCode: READ_BACK },
    });
    const upload = mittwaldNode('Upload File', { resource: 'File', operation: 'file-create-file', Token: UPLOAD_TOKEN, file: 'data' });
    workflow.nodes.push({ ...upload, id: '00000000-0000-4000-8000-0000000009a2', typeVersion: 1, position: [600, 600] });
    workflow.connections['Download File'] = {
      main: [[{ node: 'Read File', type: 'main', index: 0 }, { node: 'Upload File', type: 'main', index: 0 }]],
    };

    const [result] = await runWorkflows({
      workflows: [workflow],
      credentials: [{ ...MITTWALD_CRED, type: 'mittwaldApi', data: { ...mock.credentials.mittwald } }],
      beforeExecute: () => mock.reset(),
    });
    run = {
      result,
      requests: mock.requests.slice(),
      errors: mock.errors.slice(),
      orders: structuredClone(mock.data.orders),
      uploads: mock.data.uploads.slice(),
      projects: mock.data.projects.map((p) => p.id),
    };
  },
  { timeout: 20 * 60_000 },
);

after(async () => {
  if (mock) await mock.close();
});

function outcome() {
  assert.ok(run, 'the workflow did not run (see the before hook\'s error)');
  return run;
}

test('n8n runs the generated operations successfully', () => {
  const { result, errors } = outcome();
  assert.equal(result.code, 0, `n8n exited with ${result.code}: ${result.error?.message ?? ''}\n${result.stdout.slice(-3000)}`);
  assert.equal(result.status, 'success');
  assert.deepEqual(Object.keys(result.runData).sort(), ['Delete Project', 'Download File', 'List Projects', 'Order for Project', 'Read File', 'Start', 'Upload File']);
  assert.deepEqual(errors, [], 'the mock saw no malformed request');
});

test('List Projects (generated, Return All) follows both pages of the filtered list', () => {
  const { result, requests } = outcome();
  const expected = mockLib.defaultProjects().filter((p) => p.customerId === mockLib.PROJECT_CUSTOMER_ID);
  const items = result.items('List Projects');
  assert.deepEqual(items.map((i) => i.json.id), expected.map((p) => p.id));
  assert.deepEqual(items.map((i) => i.pairedItem), expected.map(() => ({ item: 0 })));
  const calls = requests.filter((r) => r.method === 'GET' && r.path === '/v2/projects');
  assert.equal(calls.length, 2);
  assert.deepEqual(calls.map((c) => [c.query.customerId, c.query.skip]), [[mockLib.PROJECT_CUSTOMER_ID, '0'], [mockLib.PROJECT_CUSTOMER_ID, '2']]);
  for (const c of calls) assert.equal(c.headers['x-access-token'], mock.credentials.mittwald.apiToken);
});

test('Order Extension for a project posts the projectId branch of the oneOf body, with its required but empty scopes', () => {
  const { result, requests, orders } = outcome();
  const extensionId = mockLib.EXTENSIONS[0].id;
  const items = result.items('Order for Project');
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].json, {
    ordered: true,
    extensionId,
    target: 'project',
    projectId: ORDER_PROJECT_ID,
    consentedScopes: [],
    variantKey: 'pro',
  });
  const calls = requests.filter((r) => r.method === 'POST' && r.path === `/v2/extensions/${extensionId}/order`);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].body, { consentedScopes: [], projectId: ORDER_PROJECT_ID, variantKey: 'pro' });
  assert.deepEqual(orders, [{ extensionId, consentedScopes: [], projectId: ORDER_PROJECT_ID, variantKey: 'pro' }]);
});

test('a file download becomes n8n binary data under "data" with the right mime type and file name', () => {
  const { result, requests } = outcome();
  const expected = mockLib.defaultProjectFiles()[mockLib.defaultProjects()[0].id][PDF_PATH].bytes;
  const items = result.items('Download File');
  assert.equal(items.length, 1);
  const [item] = items;
  assert.deepEqual(item.pairedItem, { item: 0 });
  assert.deepEqual(item.json, { fileName: '2024-001.pdf', mimeType: 'application/pdf', fileSize: expected.length });
  assert.deepEqual(Object.keys(item.binary), ['data']);
  const binary = item.binary.data;
  assert.equal(binary.mimeType, 'application/pdf');
  assert.equal(binary.fileName, '2024-001.pdf');
  assert.equal(binary.fileExtension, 'pdf');
  assert.equal(binary.fileType, 'pdf');
  assert.match(String(binary.fileSize), /^272 B$/, 'n8n shows the size it stored');

  const calls = requests.filter((r) => r.path.endsWith('/filesystem-file-content'));
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].query, { file: PDF_PATH });
});

test('the next node reads back exactly the downloaded bytes', () => {
  const { result } = outcome();
  const expected = mockLib.defaultProjectFiles()[mockLib.defaultProjects()[0].id][PDF_PATH].bytes;
  const items = result.items('Read File');
  assert.equal(items.length, 1);
  assert.deepEqual(items[0].json.binaryKeys, ['data']);
  assert.ok(Buffer.from(items[0].json.base64, 'base64').equals(expected), 'every byte (0x00–0xff included) survives n8n');
});

test('Create File (multipart) uploads the downloaded binary data, byte for byte, with its name and type', () => {
  const { result, uploads } = outcome();
  const expected = mockLib.defaultProjectFiles()[mockLib.defaultProjects()[0].id][PDF_PATH].bytes;
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].token, UPLOAD_TOKEN);
  assert.equal(uploads[0].fileName, '2024-001.pdf');
  assert.equal(uploads[0].mimeType, 'application/pdf');
  assert.ok(uploads[0].bytes.equals(expected), 'every byte of the file reached the API');
  assert.deepEqual(result.items('Upload File'), [{ json: { id: uploads[0].id }, pairedItem: { item: 0 } }]);
});

test('Delete Project (generated, 204) gives a success item', () => {
  const { result, requests, projects } = outcome();
  const deleted = mockLib.defaultProjects()[4].id;
  const items = result.items('Delete Project');
  assert.deepEqual(items, [{ json: { success: true }, pairedItem: { item: 0 } }]);
  assert.equal(requests.filter((r) => r.method === 'DELETE' && r.path === `/v2/projects/${deleted}`).length, 1);
  assert.ok(!projects.includes(deleted));
});

test('no credential value appears in n8n output', () => {
  const { result } = outcome();
  const token = mock.credentials.mittwald.apiToken;
  assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'the API token leaked into n8n output');
});
