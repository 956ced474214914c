// Contract test of the AppDirect node: every operation generated from nodes/appdirect/openapi/*.yml
// (the nine vendor files and supplement.yml, with nodes/appdirect/openapi-overrides.json applied as
// build.rs applies it: ./documents.mjs) is executed once through the built package's `execute`,
// with a minimal valid input built from its own document (./inputs.mjs SpecSet), against Stoplight
// Prism — one process per document, each serving the patched copy (./documents.mjs mockDocument).
//
// In front of the ten Prisms, one recording proxy plays the marketplace (`credentials.marketplaceUrl`):
//   - `POST /oauth2/token` it answers itself, after checking the client-credentials request the
//     runtime must send: HTTP Basic `clientId:clientSecret`, a form body of exactly
//     `grant_type=client_credentials&scope=<the credential's scope>`;
//   - every other request must carry `Authorization: Bearer <the token it issued>`, start with `/api`
//     (the documents' server path), and match a route of the documents' route table (method + path
//     template → the Prism of the owning document and the operation id); the proxy strips `/api` and
//     forwards, and records Prism's `sl-violations` verdict, as for mittwald. It also flags query
//     parameters the operation does not declare, which Prism lets pass.
// supplement.yml's `/sync/v1/tasks#create|#expire|#assign|#unassign` (four operations on one path, told
// apart by the body's `type`/`operation`) are merged for Prism into one `POST /sync/v1/tasks` whose body
// is `oneOf` the four bodies (so each body is still validated in full — the four differ in one-value
// enums, so exactly one branch can match), and the proxy names the operation from those enum values:
// a request whose body selects another operation than the one executed fails as `misrouted`.
//
// Fails on any request violation (Prism's or the proxy's), on unrouted or misrouted requests, on input
// errors, and on a 2xx answer the runtime cannot take — except the allow-listed, explained exceptions
// below. Writes tests/contract/report-appdirect.md (git-ignored) and prints a one-line summary.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { RouteTable, loadDocuments, mockDocument, routesOf } from './documents.mjs';
import { assertContract, coverageOfResults, loadPackage, prismVersion, runOperations, writeReport } from './harness.mjs';
import { SpecSet } from './inputs.mjs';
import { CONTRACT_DIR, REPO_ROOT, freePorts, startPrism, startRecordingProxy } from './prism.mjs';

const NODE_DIR = path.join(REPO_ROOT, 'nodes', 'appdirect');
const REPORT_PATH = path.join(CONTRACT_DIR, 'report-appdirect.md');
const NODE = 'appDirect';
const CLIENT_ID = 'contract-client';
const CLIENT_SECRET = 'contract-secret';
const SCOPE = 'ROLE_PARTNER';
const TOKEN = `contract-appdirect-${process.pid}-${Date.now()}`;

/** Operations the node offers that no document generates. */
const HAND_WRITTEN = {
  executeGraphql: 'the GraphQL resource (nodes/appdirect/graphql.rs); no OpenAPI document describes /api/graphql',
};

/**
 * Known, explained exceptions: operation id → { result: the class it falls in, match: a pattern its
 * reason must match, reason }. Each must still be sent and routed to its operation (the harness
 * refuses to excuse route-not-matched, misrouted, no-request, input-error or form-mismatch), and an
 * entry that no longer matches a failure fails the test.
 */
const ALLOW = {
};

let documents;
let prisms = [];
let proxy;
let table;
let tokensIssued = 0;
let prismStartMs = 0;
let tmpDir;

before(async () => {
  documents = await loadDocuments(NODE_DIR);
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'contract-appdirect-'));
  const ports = await freePorts(documents.length);
  const mocks = documents.map(({ name, doc }) => {
    const { doc: mock, fragments } = mockDocument(doc);
    const file = path.join(tmpDir, `${name.replace(/\.ya?ml$/, '')}.json`);
    fs.writeFileSync(file, JSON.stringify(mock, null, 1));
    return { name, file, mock, fragments };
  });
  const started = Date.now();
  const results = await Promise.allSettled(mocks.map((m, i) => startPrism(m.file, { port: ports[i] })));
  prismStartMs = Date.now() - started;
  prisms = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
  const failed = results.map((r, i) => (r.status === 'rejected' ? `${mocks[i].name}: ${r.reason.message}` : null)).filter(Boolean);
  if (failed.length) throw new Error(`Prism did not start for ${failed.length} document(s):\n${failed.join('\n')}`);
  table = new RouteTable();
  mocks.forEach(({ name, mock, fragments }, i) => {
    for (const route of routesOf(mock)) {
      const fragment = fragments.find((f) => f.method === route.method && f.path === route.path);
      table.add({ ...route, target: prisms[i].url, file: name, fragment: fragment?.operations });
    }
  });
  proxy = await startRecordingProxy(null, { answer: marketplace, route: toPrism });
});

after(async () => {
  await proxy?.close();
  await Promise.all(prisms.map((p) => p.close()));
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

const violation = (location, code, message) => ({ location: ['request', ...location], severity: 'Error', code, message });

/** The proxy's own part: the token endpoint, and the bearer check of every other request. */
function marketplace(entry) {
  const url = new URL(entry.url, 'http://proxy');
  if (url.pathname === '/oauth2/token') {
    entry.auxiliary = 'token';
    const found = [];
    const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    if (entry.method !== 'POST') found.push(violation(['method'], 'method', `the token request is ${entry.method}, not POST`));
    if (entry.headers.authorization !== basic) found.push(violation(['header', 'authorization'], 'basic', `the token request's Authorization is not HTTP Basic clientId:clientSecret (got ${entry.headers.authorization ? `"${entry.headers.authorization.split(' ')[0]} …"` : 'none'})`));
    if (!/^application\/x-www-form-urlencoded\b/.test(entry.headers['content-type'] ?? '')) found.push(violation(['header', 'content-type'], '415', `the token request's content type is ${entry.headers['content-type'] ?? 'missing'}`));
    const form = new URLSearchParams(entry.body);
    const fields = [...form.keys()].sort();
    if (form.get('grant_type') !== 'client_credentials') found.push(violation(['body', 'grant_type'], 'grant', `grant_type is ${form.get('grant_type') ?? 'missing'}`));
    if (form.get('scope') !== SCOPE) found.push(violation(['body', 'scope'], 'scope', `scope is ${form.get('scope') ?? 'missing'}, not ${SCOPE}`));
    if (JSON.stringify(fields) !== JSON.stringify(['grant_type', 'scope'])) found.push(violation(['body'], 'fields', `the form has the fields ${fields.join(', ')}, not grant_type and scope only`));
    if (url.search) found.push(violation(['query'], 'query', `the token request has a query string (${url.search})`));
    entry.violations.push(...found);
    if (found.length) return { status: 401, headers: { 'content-type': 'application/json' }, body: { error: 'invalid_client', error_description: found.map((v) => v.message).join('; ') } };
    tokensIssued += 1;
    return { status: 200, headers: { 'content-type': 'application/json' }, body: { access_token: TOKEN, token_type: 'bearer', expires_in: 3600, scope: SCOPE } };
  }
  if (entry.headers.authorization !== `Bearer ${TOKEN}`) {
    entry.violations.push(violation(['header', 'authorization'], 'bearer', `no "Authorization: Bearer <the issued token>" (got ${entry.headers.authorization ? `"${entry.headers.authorization.split(' ')[0]} …"` : 'none'})`));
  }
  return null;
}

/** `/api/<spec path>` → the Prism of the document that owns the route, without `/api`. */
function toPrism(entry) {
  const url = new URL(entry.url, 'http://proxy');
  if (!url.pathname.startsWith('/api/')) return null;
  const specPath = url.pathname.slice('/api'.length);
  const route = table.match(entry.method, specPath);
  if (!route) return null;
  // Prism lets a query parameter the operation does not declare pass; the documents declare every one a client may send.
  for (const name of new Set(url.searchParams.keys())) {
    if (!route.query.has(name)) entry.violations.push(violation(['query', name], 'undeclared', `query parameter "${name}" is not declared by ${route.method} ${route.template}`));
  }
  return { target: route.target, path: `${specPath}${url.search}`, routedTo: RouteTable.operationOf(route, entry.body) };
}

test('the AppDirect mock checks token, bearer, route and body, and the proxy reads its verdict', async () => {
  const send = async (route, init = {}) => {
    await fetch(`${proxy.url}${route}`, init).then((r) => r.arrayBuffer());
    const [exchange] = proxy.take();
    return exchange;
  };
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
  const formType = { 'content-type': 'application/x-www-form-urlencoded' };
  const issued = tokensIssued;
  const token = await send('/oauth2/token', { method: 'POST', headers: { ...formType, authorization: basic }, body: `grant_type=client_credentials&scope=${SCOPE}` });
  assert.equal(token.status, 200);
  assert.deepEqual(token.violations, []);
  assert.match(token.answer, new RegExp(TOKEN));
  tokensIssued = issued; // not one the runtime asked for
  const wrongSecret = await send('/oauth2/token', { method: 'POST', headers: { ...formType, authorization: `Basic ${Buffer.from(`${CLIENT_ID}:nope`).toString('base64')}` }, body: `grant_type=client_credentials&scope=${SCOPE}` });
  assert.equal(wrongSecret.status, 401);
  assert.deepEqual(wrongSecret.violations.map((v) => v.location.join('.')), ['request.header.authorization']);
  const wrongForm = await send('/oauth2/token', { method: 'POST', headers: { ...formType, authorization: basic }, body: 'grant_type=password&scope=ROLE_PARTNER_READ&username=x' });
  assert.deepEqual(wrongForm.violations.map((v) => v.location.join('.')), ['request.body.grant_type', 'request.body.scope', 'request.body']);

  const bearer = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  // Every document's Prism is up and reachable through the table.
  const byTarget = new Map(table.routes.map((r) => [r.target, r]));
  assert.equal(byTarget.size, documents.length, 'one Prism per document');
  const good = await send('/api/account/v2/companies/some-company', { headers: bearer });
  assert.equal(good.status, 200);
  assert.equal(good.routedTo, 'resource_Company_readCompany_GET');
  assert.deepEqual(good.violations.filter((v) => v.location[0] === 'request'), []);
  const noBearer = await send('/api/account/v2/companies/some-company', { headers: { authorization: 'Bearer other' } });
  assert.deepEqual(noBearer.violations.map((v) => v.location.join('.')), ['request.header.authorization']);
  // A fragment operation: routed by its body, and the body validated against that operation's schema.
  const assign = { type: 'ASSIGNMENT', operation: 'ASSIGN', accountIdentifier: 'a', developerIdentifier: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', userIdentifier: 'u' };
  const sync = await send('/api/sync/v1/tasks', { method: 'POST', headers: bearer, body: JSON.stringify(assign) });
  assert.equal(sync.status, 202);
  assert.equal(sync.routedTo, 'syncAssignUser');
  assert.deepEqual(sync.violations.filter((v) => v.location[0] === 'request'), []);
  const { userIdentifier, ...incomplete } = assign;
  const badSync = await send('/api/sync/v1/tasks', { method: 'POST', headers: bearer, body: JSON.stringify(incomplete) });
  assert.equal(badSync.routedTo, 'syncAssignUser');
  assert.ok(badSync.violations.some((v) => v.location[0] === 'request' && v.location[1] === 'body'), JSON.stringify(badSync.violations));
  const strange = await send('/api/sync/v1/tasks', { method: 'POST', headers: bearer, body: JSON.stringify({ ...assign, operation: 'EXPIRE' }) });
  assert.equal(strange.routedTo, null, 'a body no fragment operation selects is routed to none');
  // A query parameter the spec requires (getUserAssignment: developerIdentifier, accountIdentifier).
  const missingQuery = await send('/api/sync/v1/assignments?developerIdentifier=d&accountIdentifier=a', { headers: bearer });
  assert.deepEqual(missingQuery.violations.map((v) => v.location.join('.')), ['request.query']);
  assert.match(missingQuery.violations[0].message, /userIdentifier/i);
  const undeclared = await send('/api/sync/v1/assignments?developerIdentifier=d&accountIdentifier=a&userIdentifier=u&page=0', { headers: bearer });
  assert.deepEqual(undeclared.violations.map((v) => v.location.join('.')), ['request.query.page']);
  const unrouted = await send('/api/no/such/route', { headers: bearer });
  assert.equal(unrouted.status, 404);
  assert.match(unrouted.answer, /NO_PATH_MATCHED/);
  const withoutApi = await send('/account/v2/companies/some-company', { headers: bearer });
  assert.equal(withoutApi.status, 404);
  assert.match(withoutApi.answer, /NO_PATH_MATCHED/);
});

test('every AppDirect operation sends a request its document accepts', async () => {
  const mp = loadPackage();
  const spec = new SpecSet(documents);
  // No document declares security: the OAuth2 bearer token (checked by the proxy) is every operation's.
  const operations = spec.operations().map((op) => ({ ...op, security: [{ appDirectOAuth2: [] }] }));
  const { results, missing, runMs, staleAllows } = await runOperations({
    mp,
    node: NODE,
    spec,
    operations,
    proxy,
    credentials: { marketplaceUrl: proxy.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: SCOPE },
    handWritten: HAND_WRITTEN,
    allow: ALLOW,
    moreCoverage: (op, { form }) => [
      ...(form.some((p) => p.name === 'returnAll') ? ['paginated (Return All: page/size or start/count)'] : []),
      ...(op.path.includes('#') ? ['fragment path key (one path, told apart by the body)'] : []),
      ...(op.method === 'HEAD' ? ['HEAD'] : []),
    ],
  });
  const perFile = documents.map(({ name }) => {
    const rows = results.filter((r) => r.file === name);
    const passed = rows.filter((r) => r.result === 'pass').length;
    return `| ${name} | ${rows.length} | ${passed} | ${rows.length - passed} |`;
  });
  const counts = writeReport(REPORT_PATH, results, {
    title: 'Contract test report: AppDirect operations against their documents',
    intro: [
      `Generated by \`node --test tests/contract/appdirect.test.mjs\` on ${new Date().toISOString()}. Each operation was executed once`,
      `through the built package's \`execute\` with a minimal valid input built from its own document (\`nodes/appdirect/openapi/*.yml\``,
      `with \`openapi-overrides.json\` applied), against Stoplight Prism ${prismVersion()} (\`prism mock\`, static answers): one process per`,
      `document, ${prisms.length} in all, started together in ${prismStartMs} ms. A recording proxy in front plays the marketplace: it answers`,
      '`POST /oauth2/token` itself (checking HTTP Basic client id and secret and the form `grant_type=client_credentials&scope=…`),',
      'checks `Authorization: Bearer <its token>` on every other request, strips `/api` and forwards to the Prism of the document',
      `owning the route. It issued ${tokensIssued} token(s) to the runtime (which caches them). The ${results.length} operations ran in ${(runMs / 1000).toFixed(1)} s.`,
      '',
      "supplement.yml's fragment path keys (`/sync/v1/tasks#create`, `#expire`, `#assign`, `#unassign`) are served to Prism as one",
      '`POST /sync/v1/tasks` whose body is `oneOf` the four bodies, so each body is validated in full; the proxy names the',
      'operation from the body\'s one-value enums (`type`, `operation`), and a body that selects another operation fails as `misrouted`.',
    ],
    coverage: coverageOfResults(results),
    extraSections: ['## Per document', '', '| Document | Operations | pass | not pass |', '|---|---|---|---|', ...perFile, ''],
  });
  assertContract({ label: 'contract (appDirect)', results, counts, runMs, reportPath: REPORT_PATH, missing, staleAllows });
  assert.ok(tokensIssued >= 1, 'the runtime fetched its token from the proxy');
});
