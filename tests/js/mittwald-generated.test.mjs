// mittwald operations generated from the bundled OpenAPI spec: a JSON answer, a paginated list with
// Return All, a 204 answer, a file download (binary output), and schema validation before sending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { useMockMarketplace, runMittwald, rejection, assertNamesItem, assertPaired } from '../support/harness.mjs';
import { defaultProjects, defaultProjectFiles } from '../support/mock-marketplace.mjs';

// The mock hands out at most 2 projects per page, so Return All over 5 projects takes 3 pages.
const env = useMockMarketplace({ maxPageSize: 2 });

const PROJECTS = defaultProjects();
const PROJECT = PROJECTS[0];
const FILES = defaultProjectFiles()[PROJECT.id];
const PDF_PATH = '/html/invoices/2024-001.pdf';
const LOG_PATH = '/logs/access.log';

const project = (operation, extra = {}) => ({ resource: 'Project', operation, ...extra });
const fileContent = (additionalFields) => ({
  resource: 'Project File System',
  operation: 'project-file-system-get-file-content',
  projectId: PROJECT.id,
  additionalFields,
});

function assertToken(request) {
  assert.equal(request.headers['x-access-token'], env.mock.data.config.mittwaldToken);
}

test('a generated JSON operation (Get a Project) returns the answer as the item', async () => {
  const out = await runMittwald(env.mp, env.mock, project('project-get-project', { projectId: PROJECT.id }));
  assert.equal(env.mock.requests.length, 1);
  const [r] = env.mock.requests;
  assert.equal(r.method, 'GET');
  assert.equal(r.path, `/v2/projects/${PROJECT.id}`);
  assert.deepEqual(r.query, {});
  assertToken(r);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0].pairedItem, { item: 0 });
  assert.equal(out[0].binary, undefined);
  const { customerMeta, deletionRequested, ...expected } = PROJECT;
  assert.deepEqual(out[0].json, expected);
});

test('a generated paginated list with Return All follows every page', async () => {
  const out = await runMittwald(env.mp, env.mock, project('project-list-projects', { returnAll: true }));
  assertPaired(out, PROJECTS.map(() => 0));
  assert.deepEqual(out.map((o) => o.json.id), PROJECTS.map((p) => p.id));
  assert.equal(out[0].json.description, PROJECT.description);

  const calls = env.mock.requestsFor('GET /v2/projects');
  assert.equal(calls.length, 3, `three pages of at most 2: ${calls.map((c) => c.rawQuery).join(' | ')}`);
  assert.deepEqual(calls.map((c) => c.query.skip), ['0', '2', '4']);
  for (const c of calls) {
    assert.match(c.query.limit, /^\d+$/);
    assertToken(c);
  }
  assert.deepEqual(env.mock.errors, []);
});

test('a generated list without Return All stops at Limit, across pages', async () => {
  const out = await runMittwald(env.mp, env.mock, project('project-list-projects', { returnAll: false, limit: 3 }));
  assert.deepEqual(out.map((o) => o.json.id), PROJECTS.slice(0, 3).map((p) => p.id));
  const calls = env.mock.requestsFor('GET /v2/projects');
  assert.equal(calls.length, 2);
  assert.deepEqual(calls.map((c) => [c.query.limit, c.query.skip]), [['3', '0'], ['1', '2']]);
});

test('a generated 204 operation (Delete a Project) gives a success item', async () => {
  const out = await runMittwald(env.mp, env.mock, [
    project('project-delete-project', { projectId: PROJECTS[1].id }),
    project('project-delete-project', { projectId: PROJECTS[2].id }),
  ]);
  assert.deepEqual(out, [
    { json: { success: true }, pairedItem: { item: 0 } },
    { json: { success: true }, pairedItem: { item: 1 } },
  ]);
  const calls = env.mock.requestsFor('DELETE /v2/projects/*');
  assert.deepEqual(calls.map((c) => c.path), [`/v2/projects/${PROJECTS[1].id}`, `/v2/projects/${PROJECTS[2].id}`]);
  assert.deepEqual(env.mock.data.projects.map((p) => p.id), [PROJECTS[0], PROJECTS[3], PROJECTS[4]].map((p) => p.id));
});

test('a generated file download gives bytes, mime type and the Content-Disposition file name', async () => {
  const out = await runMittwald(env.mp, env.mock, fileContent({ file: PDF_PATH }));
  const [r] = env.mock.requests;
  assert.equal(env.mock.requests.length, 1);
  assert.equal(r.path, `/v2/projects/${PROJECT.id}/filesystem-file-content`);
  assert.deepEqual(r.query, { file: PDF_PATH });
  assertToken(r);

  assert.equal(out.length, 1);
  const [item] = out;
  assert.deepEqual(item.pairedItem, { item: 0 });
  const expected = FILES[PDF_PATH].bytes;
  assert.deepEqual(item.json, { fileName: '2024-001.pdf', mimeType: 'application/pdf', fileSize: expected.length });
  const { data, ...meta } = item.binary;
  assert.deepEqual(meta, { mimeType: 'application/pdf', fileName: '2024-001.pdf', fileSize: expected.length });
  assert.ok(data instanceof Uint8Array, `binary.data is a Uint8Array, got ${Object.prototype.toString.call(data)}`);
  assert.equal(data.byteLength, data.buffer.byteLength, 'binary.data owns its buffer (no view into a shared pool)');
  assert.ok(Buffer.from(data).equals(expected), 'every byte (0x00–0xff included) arrives unchanged');
});

test('a file without a Content-Disposition name gets the operation name; Content-Type parameters are dropped', async () => {
  const out = await runMittwald(env.mp, env.mock, fileContent({ file: LOG_PATH, inline: true }));
  assert.deepEqual(env.mock.requests[0].query, { file: LOG_PATH, inline: 'true' });
  const { binary, json } = out[0];
  const expected = FILES[LOG_PATH].bytes;
  assert.equal(binary.mimeType, 'text/plain');
  assert.match(binary.fileName, /^project-file-system-get-file-content\.[a-z]+$/);
  assert.equal(binary.fileSize, expected.length);
  assert.equal(new TextDecoder().decode(binary.data), expected.toString('utf8'));
  assert.deepEqual(json, { fileName: binary.fileName, mimeType: 'text/plain', fileSize: expected.length });
});

test('a vendor error on a file download is an error, not a file', async () => {
  const err = await rejection(runMittwald(env.mp, env.mock, fileContent({ file: '/no/such/file' })));
  assert.equal(err.kind, 'api');
  assert.equal(String(err.httpCode), '404');
  assert.match(err.message, /not found/);
});

test('schema validation names the field and the item, and nothing is sent', async () => {
  const list = (additionalFields) => project('project-list-projects', { returnAll: true, additionalFields });
  const cases = [
    { why: 'bad uuid', items: [list({}), list({ serverId: 'not-a-uuid' })], index: 1, field: /"Server ID"/, expect: /uuid/i },
    { why: 'bad enum', items: [list({ sort: 'name' })], index: 0, field: /"Sort"/, expect: /createdAt/ },
    { why: 'wrong type', items: [list({}), list({}), project('project-list-projects', { returnAll: 'yes' })], index: 2, field: /"Return All"/, expect: /true or false/ },
    { why: 'missing required', items: [project('project-get-project', { projectId: PROJECT.id }), project('project-get-project', {})], index: 1, field: /"Project ID"/, expect: /required/ },
  ];
  for (const c of cases) {
    env.mock.reset();
    const err = await rejection(runMittwald(env.mp, env.mock, c.items), c.why);
    assert.equal(err.kind, 'input', c.why);
    assertNamesItem(err, c.index);
    assert.match(err.message, c.field, c.why);
    assert.match(err.message, c.expect, c.why);
    assert.deepEqual(env.mock.requests, [], `${c.why}: no request is sent, not even for the valid items`);
  }
});

test('an object the spec describes is a set of fields: Person sends its fields as one object, and a missing required one is named before sending', async () => {
  // A loopback server that keeps the one body it gets (the mock marketplace does not serve users).
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ method: req.method, path: req.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const credentials = { apiToken: 'token-for-the-loopback', baseUrl: `http://127.0.0.1:${server.address().port}` };
  const update = (person) => ({ resource: 'User', operation: 'user-update-personal-information', userId: 'self', person });
  try {
    const description = (await env.mp.nodes()).find((n) => n.name === 'mittwald');
    const person = description.properties.find((p) => p.name === 'person' && p.displayOptions.show.operation.includes('user-update-personal-information'));
    assert.equal(person.type, 'collection', 'a described object is not raw JSON');
    assert.deepEqual(person.options.map((o) => [o.name, o.displayName, o.type]), [
      ['firstName', 'First Name', 'string'],
      ['lastName', 'Last Name', 'string'],
      ['title', 'Title', 'options'],
    ]);

    await env.mp.execute({ node: 'mittwald', parameters: update({ firstName: 'Ada', lastName: 'Lovelace', title: 'ms' }), items: [{ json: {} }], credentials });
    assert.deepEqual(bodies, [{ method: 'PUT', path: '/v2/users/self', body: { person: { firstName: 'Ada', lastName: 'Lovelace', title: 'ms' } } }]);

    const error = await rejection(env.mp.execute({ node: 'mittwald', parameters: update({ firstName: 'Ada' }), items: [{ json: {} }], credentials }));
    assert.equal(error.message, 'Parameter "Person › Last Name" of item 0 is required');
    assert.equal(bodies.length, 1, 'nothing was sent for the incomplete person');

    // A workflow that holds the object as JSON text (made by hand, or by an older form) still works.
    await env.mp.execute({ node: 'mittwald', parameters: update('{"firstName":"Grace","lastName":"Hopper"}'), items: [{ json: {} }], credentials });
    assert.deepEqual(bodies[1].body, { person: { firstName: 'Grace', lastName: 'Hopper' } });
  } finally {
    server.close();
  }
});
