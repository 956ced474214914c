#!/usr/bin/env node
// Runs every action of the built package against a local mock marketplace and prints what happened:
//   node scripts/build.mjs && node scripts/demo.mjs
// With MITTWALD_API_TOKEN set it also lists and fetches articles from the real https://api.mittwald.de.
// Exits non-zero if anything unexpected happens.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startMockMarketplace } from '../tests/support/mock-marketplace.mjs';
import { yamduOrder } from '../tests/support/fixtures.mjs';
import { startMockAppDirect } from '../tests/support/mock-appdirect.mjs';

const PKG = fileURLToPath(new URL('../pkg/', import.meta.url));

async function loadPackage() {
  if (process.env.MARKETPLACE_NODES_PKG) {
    // another build of the same API (absolute path to a module exporting nodes/credentials/execute)
    const mod = await import(pathToFileURL(process.env.MARKETPLACE_NODES_PKG).href);
    return typeof mod.execute === 'function' ? mod : mod.default;
  }
  const require = createRequire(import.meta.url);
  try {
    return require(PKG);
  } catch (cjsError) {
    const esm = new URL('../pkg/dist/index.mjs', import.meta.url);
    if (existsSync(fileURLToPath(esm))) {
      const mod = await import(esm.href);
      return typeof mod.execute === 'function' ? mod : mod.default;
    }
    throw new Error(`cannot load the built package from ${PKG} (run "node scripts/build.mjs" first): ${cjsError.message}`);
  }
}

// ---- transcript helpers ----------------------------------------------------------------------------

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s) => paint('1', s);
const dim = (s) => paint('2', s);
const green = (s) => paint('32', s);
const red = (s) => paint('31', s);

function short(value, max = 160) {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function describeRequest(r) {
  const q = r.rawQuery ? `?${decodeURIComponent(r.rawQuery.replace(/\+/g, ' '))}` : '';
  const multipart = /^multipart\//.test(r.headers['content-type'] ?? '');
  const body = multipart
    ? `  ${dim(`multipart/form-data, ${r.raw.length} bytes`)}`
    : r.body !== undefined
      ? `  ${dim(short(r.body, 200))}`
      : '';
  return `${r.method} ${r.path}${q}${body}`;
}

let failures = 0;

function check(condition, what) {
  if (!condition) throw new Error(`unexpected: ${what}`);
}

async function step(title, fn) {
  console.log(`\n${bold('▶ ' + title)}`);
  try {
    await fn();
    console.log(`  ${green('✓ as expected')}`);
  } catch (err) {
    failures += 1;
    console.log(`  ${red('✗ ' + (err && err.message ? err.message : String(err)))}`);
    if (err && err.description) console.log(`    ${err.description}`);
  }
}

function showSent(mock, from) {
  const sent = mock.requests.slice(from);
  if (sent.length === 0) console.log(`  sent: ${dim('(nothing)')}`);
  sent.forEach((r, i) => console.log(`  ${i === 0 ? 'sent:' : '     '} ${describeRequest(r)}`));
  return sent;
}

// ---- the demo --------------------------------------------------------------------------------------

const mp = await loadPackage();
// The mock caps pages at 4 articles so that Return All has to follow several pages.
const mock = await startMockMarketplace({ maxPageSize: 4 });
// AppDirect has a mock of its own (OAuth2 token endpoint, account and billing APIs, integration events),
// with enough companies and subscriptions that Return All reads several pages in either paging style.
const appdirect = await startMockAppDirect({ seed: { companies: 230, subscriptions: 230 } });
const mittwaldCredentials = { apiToken: mock.credentials.mittwald.apiToken, baseUrl: mock.url };
const interworksCredentials = { ...mock.credentials.interworks };
const retry = { maxRetries: 2, baseDelayMs: 200 };

const EXTENSION_ID = '907a24e9-0723-4566-b584-86578419e983';
const CUSTOMER_ID = '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d';
const PROJECT_ID = '7d6c5b4a-3f2e-4d1c-9b0a-8f7e6d5c4b3a';

console.log(bold('marketplace nodes demo'));
const nodes = await mp.nodes();
console.log(`nodes: ${nodes.map((n) => `${n.displayName} (${n.name})`).join(', ')}`);
console.log(`mock marketplace: ${mock.url}  (mittwald /v2, Interworks connector /API, Yamdu /api/orders)`);
console.log(`mock AppDirect:   ${appdirect.url}  (/oauth2/token, /api/account/v2, /api/billing/v1, /api/channel/v1/events)`);

async function run(node, parameters, credentials, extra = {}) {
  const from = mock.requests.length;
  const out = await mp.execute({ node, parameters, items: [{ json: {} }], credentials, retry, ...extra });
  return { out, sent: showSent(mock, from) };
}

try {
  await step('mittwald · List Articles (Return All)', async () => {
    const { out, sent } = await run('mittwald', { resource: 'Article', operation: 'article-list-articles', returnAll: true, filters: {} }, mittwaldCredentials);
    console.log(`  got:  ${out.length} articles: ${out.map((o) => o.json.articleId).join(', ')}`);
    check(out.length === mock.data.articles.length, `expected ${mock.data.articles.length} articles, got ${out.length}`);
    check(sent.length >= 3, `expected several pages, saw ${sent.length} request(s)`);
  });

  await step('mittwald · List Articles (tags proSpace + dedicated, orderable full, Limit 5)', async () => {
    const { out } = await run(
      'mittwald',
      { resource: 'Article', operation: 'article-list-articles', returnAll: false, limit: 5, filters: { tags: ['proSpace', 'dedicated'], orderable: ['full'] } },
      mittwaldCredentials,
    );
    console.log(`  got:  ${out.map((o) => `${o.json.articleId} (${o.json.orderable})`).join(', ')}`);
    check(out.length > 0 && out.every((o) => o.json.orderable === 'full'), 'only orderable=full articles');
  });

  await step('mittwald · Get Article PS23-PLUS-0004', async () => {
    const { out } = await run('mittwald', { resource: 'Article', operation: 'article-get-article', articleId: 'PS23-PLUS-0004' }, mittwaldCredentials);
    const a = out[0].json;
    console.log(`  got:  ${a.articleId} "${a.name}", ${a.price / 100} €/month, template ${a.template.name}, tags ${a.tags.map((t) => t.name).join('/')}`);
    check(a.articleId === 'PS23-PLUS-0004', 'the requested article');
  });

  await step('mittwald · Order Extension for a customer', async () => {
    const { out, sent } = await run(
      'mittwald',
      { resource: 'Marketplace', operation: 'extension-order-extension', extensionId: EXTENSION_ID, orderFor: 'customer', customerId: CUSTOMER_ID, consentedScopes: ['project:read', 'domain:read'], variantKey: '' },
      mittwaldCredentials,
    );
    console.log(`  got:  ${short(out[0].json)}`);
    check(out[0].json.ordered === true && out[0].json.target === 'customer', 'ordered for the customer');
    check(sent.length === 1 && sent[0].body.customerId === CUSTOMER_ID && !('projectId' in sent[0].body), 'one request with only the customer id');
  });

  await step('mittwald · Order Extension for a project (variant "pro", scopes as JSON text)', async () => {
    const { out, sent } = await run(
      'mittwald',
      { resource: 'Marketplace', operation: 'extension-order-extension', extensionId: EXTENSION_ID, orderFor: 'project', projectId: PROJECT_ID, consentedScopes: '["project:read","project:write"]', variantKey: 'pro' },
      mittwaldCredentials,
    );
    console.log(`  got:  ${short(out[0].json)}`);
    check(out[0].json.target === 'project' && out[0].json.projectId === PROJECT_ID, 'ordered for the project');
    check(sent[0].body.variantKey === 'pro', 'variant key sent');
  });

  await step('mittwald · Pick a project from the list (the "From List" picker, page by page)', async () => {
    const from = mock.requests.length;
    const first = await mp.search({ node: 'mittwald', method: 'searchProjects', credentials: mittwaldCredentials });
    const next = await mp.search({ node: 'mittwald', method: 'searchProjects', credentials: mittwaldCredentials, paginationToken: first.paginationToken });
    showSent(mock, from);
    console.log(`  got:  ${[...first.results, ...next.results].map((r) => r.name).join(', ')}`);
    check(first.results.length > 0 && first.paginationToken, 'a first page and a token for the next');
  });

  await step('mittwald · List Projects (a generated operation, Return All)', async () => {
    const { out, sent } = await run('mittwald', { resource: 'Project', operation: 'project-list-projects', returnAll: true }, mittwaldCredentials);
    console.log(`  got:  ${out.length} projects: ${out.map((o) => o.json.shortId).join(', ')}`);
    check(out.length === mock.data.projects.length && sent.length >= 2, 'every project, over several pages');
  });

  let downloaded = null;
  await step('mittwald · Get a project file (a generated operation answering with a file)', async () => {
    const project = mock.data.projects[0];
    const files = Object.keys(mock.data.projectFiles?.[project.id] ?? {});
    const file = files[0] ?? '/html/invoice.pdf';
    const { out } = await run(
      'mittwald',
      { resource: 'Project File System', operation: 'project-file-system-get-file-content', projectId: project.id, additionalFields: { file } },
      mittwaldCredentials,
    );
    const binary = out[0].binary;
    console.log(`  got:  ${binary ? `${binary.fileName}, ${binary.mimeType}, ${binary.data.length} bytes` : short(out[0].json)}`);
    check(binary && binary.data.length > 0, 'a file as binary data');
    downloaded = out[0];
  });

  await step('mittwald · Create File (a generated multipart upload of that downloaded file)', async () => {
    check(downloaded, 'the download above');
    const token = '1c9e8f2a-4b3d-4e5f-8a7b-6c5d4e3f2a1b';
    const from = mock.requests.length;
    const out = await mp.execute({
      node: 'mittwald',
      parameters: { resource: 'File', operation: 'file-create-file', Token: token, file: 'data' },
      items: [downloaded],
      credentials: mittwaldCredentials,
      retry,
    });
    showSent(mock, from);
    const upload = mock.data.uploads.at(-1);
    console.log(`  got:  file ${out[0].json.id}; the API received ${upload?.fileName}, ${upload?.mimeType}, ${upload?.bytes.length} bytes`);
    check(upload && Buffer.from(downloaded.binary.data).equals(upload.bytes), 'the same bytes uploaded');
  });

  await step('Interworks Cloud · Addon Create', async () => {
    const { out, sent } = await run(
      'interworksCloud',
      {
        resource: 'addon',
        operation: 'addonCreate',
        subscriptionId: '3f2c9a4e-8d1b-4c55-9e0a-2b7d6f1a9c01',
        addons: {
          addon: [
            {
              productId: 'VendorXCustomDomainAddon',
              name: 'Vendor X - Custom Domain',
              quantity: 2,
              attributes: { attribute: [{ id: 'VenderXAddonPlan', name: 'Vendor X - Addon Plan', value: 'Custom Domain', code: 'VenderXAddonPlan_CustomDomain', quantityLinked: false }] },
            },
          ],
        },
        additionalFields: { subscriptionName: 'Vendor X - Professional Edition', billingCycleDuration: 1, billingCycleDurationType: 'Month' },
      },
      interworksCredentials,
    );
    console.log(`  got:  Code ${out[0].json.Code}, Result (new external id) ${out[0].json.Result}`);
    check(out[0].json.Code === 0, 'Code 0');
    check(sent.length === 1 && sent[0].headers['x-cloudplatform-applicationid'] === interworksCredentials.applicationId, 'authenticated request');
  });

  await step('Webgate Yamdu · Create Order and wait until packed', async () => {
    const { out, sent } = await run(
      'yamdu',
      yamduOrder({ product: 'Yamdu FREE', waitUntilPacked: true, pollIntervalMs: 200 }),
      { ...mock.credentials.yamdu },
    );
    const order = out[0].json;
    console.log(`  got:  order ${order.order_hash}, state ${order.state}, client ${order.client_id}, project ${order.project_id}`);
    check(order.state === 'packed', `state packed, got ${order.state}`);
    check(sent.filter((r) => r.method === 'POST').length === 1 && sent.length === 4, 'one create, then three reads (pending, packing, packed)');
  });

  // ---- AppDirect: OAuth2 client credentials, the subscription lifecycle, both paging styles, the trigger
  const adCredentials = { ...appdirect.credentials };
  const adRun = async (parameters) => {
    const from = appdirect.requests.length;
    const out = await mp.execute({ node: 'appDirect', parameters, items: [{ json: {} }], credentials: adCredentials, retry });
    return { out, sent: showSent(appdirect, from) };
  };
  let adState = null;
  await step('AppDirect Trigger · first poll (nothing yet: it marks where "now" is)', async () => {
    const from = appdirect.requests.length;
    const { items, state } = await mp.poll({ node: 'appDirectTrigger', parameters: {}, credentials: adCredentials });
    showSent(appdirect, from);
    console.log(`  got:  ${items.length} events, state ${short(state)}`);
    check(items.length === 0 && state, 'no events and a state to keep');
    adState = state;
  });

  await step('AppDirect · Create Company (fetches the OAuth2 token first: client credentials, HTTP Basic)', async () => {
    const { out, sent } = await adRun({ resource: 'Companies', operation: 'resource_Company_createCompany_POST', additionalFields: { name: 'Acme Demo GmbH', companySize: 'SMALL' } });
    console.log(`  got:  company ${out[0].json.id} "${out[0].json.name}"`);
    check(sent.length === 2 && sent[0].path === '/oauth2/token' && sent[0].rawBody === 'grant_type=client_credentials&scope=ROLE_PARTNER', 'a token request, then the create');
    check(sent[1].headers.authorization === `Bearer ${appdirect.issued[0]}`, 'the create carries the fetched token');
  });

  await step('AppDirect · Create Subscription → Assign User → Cancel (one cached token for all three)', async () => {
    const company = appdirect.data.companies[0].id;
    const user = appdirect.data.users[1].id;
    const created = await adRun({
      resource: 'Subscriptions',
      operation: 'resource_Other_createSubscription_POST',
      companyId: company,
      userId: user,
      additionalFields: { order: { paymentPlanId: 7001, orderLines: [{ unit: 'USER', quantity: 3 }] } },
    });
    const subscription = created.out[0].json.id;
    console.log(`  got:  subscription ${subscription} (${created.out[0].json.status})`);
    const assigned = await adRun({ resource: 'SubscriptionAssignments', operation: 'resource_Subscription_createSubscriptionAssignment_POST', subscriptionUuid: subscription, userUuid: user });
    console.log(`  got:  ${assigned.out[0].json.user.email} assigned`);
    const cancelled = await adRun({ resource: 'Subscriptions', operation: 'resource_Subscription_cancelSubscription_DELETE', subscriptionId: subscription });
    console.log(`  got:  ${short(cancelled.out[0].json)}; the marketplace says ${appdirect.data.subscriptions.find((s) => s.id === subscription).status}`);
    check(appdirect.data.subscriptions.find((s) => s.id === subscription).status === 'CANCELLED', 'cancelled');
    check(appdirect.tokenRequests().length === 1, `one token request so far, saw ${appdirect.tokenRequests().length}`);
  });

  await step('AppDirect · List All Subscriptions (Return All, billing paging: start/count over bare arrays)', async () => {
    const { out, sent } = await adRun({ resource: 'Subscriptions', operation: 'resource_Subscription_readSubscriptions_GET', returnAll: true });
    console.log(`  got:  ${out.length} subscriptions over ${sent.length} pages`);
    check(out.length === appdirect.data.subscriptions.length && sent.length >= 2, 'every subscription, over several pages');
  });

  await step('AppDirect · List All Companies (Return All, account paging: page/size over {content, page})', async () => {
    const { out, sent } = await adRun({ resource: 'Companies', operation: 'resource_Company_readAllCompanies_GET', returnAll: true });
    console.log(`  got:  ${out.length} companies over ${sent.length} pages`);
    check(out.length === appdirect.data.companies.length && sent.length >= 2, 'every company, over several pages');
  });

  await step('AppDirect Trigger · poll: the events since the first poll, oldest first', async () => {
    const from = appdirect.requests.length;
    const { items, state } = await mp.poll({ node: 'appDirectTrigger', parameters: {}, credentials: adCredentials, state: adState });
    showSent(appdirect, from);
    console.log(`  got:  ${items.map((e) => e.type).join(', ')}; next state ${short(state)}`);
    check(items.map((e) => e.type).join() === 'SUBSCRIPTION_ORDER,USER_ASSIGNMENT,SUBSCRIPTION_CANCEL', 'the order, the assignment and the cancel');
    check(appdirect.errors.length === 0, `the mock saw nothing unexpected: ${appdirect.errors.join('; ')}`);
  });

  await step('Deliberately bad input · Order Extension with customer id "12345"', async () => {
    const from = mock.requests.length;
    let error;
    try {
      await mp.execute({
        node: 'mittwald',
        parameters: { resource: 'Marketplace', operation: 'extension-order-extension', extensionId: EXTENSION_ID, orderFor: 'customer', customerId: '12345', consentedScopes: [] },
        items: [{ json: {} }],
        credentials: mittwaldCredentials,
        retry,
      });
    } catch (err) {
      error = err;
    }
    showSent(mock, from);
    check(error, 'the bad input should have been refused');
    console.log(`  got:  error (${error.kind}, item ${error.itemIndex}): ${error.message}`);
    if (error.description) console.log(`        ${error.description}`);
    check(mock.requests.length === from, 'nothing may be sent for invalid input');
    check(error.kind === 'input', `an input error, got ${error.kind}`);
  });

  await step('Vendor error · Get Article NOPE-0000 (404 from the marketplace)', async () => {
    const from = mock.requests.length;
    let error;
    try {
      await mp.execute({ node: 'mittwald', parameters: { resource: 'Article', operation: 'article-get-article', articleId: 'NOPE-0000' }, items: [{ json: {} }], credentials: mittwaldCredentials, retry });
    } catch (err) {
      error = err;
    }
    showSent(mock, from);
    check(error, 'an unknown article should fail');
    console.log(`  got:  error (${error.kind}, HTTP ${error.httpCode}): ${error.message}`);
    check(String(error.httpCode) === '404', `HTTP 404, got ${error.httpCode}`);
  });
} finally {
  await mock.close();
  await appdirect.close();
}

// ---- optional: the real mittwald API ---------------------------------------------------------------

if (process.env.MITTWALD_API_TOKEN) {
  const real = { apiToken: process.env.MITTWALD_API_TOKEN, baseUrl: process.env.MITTWALD_BASE_URL || 'https://api.mittwald.de' };
  console.log(`\n${bold('real mittwald API')} ${dim(real.baseUrl)}`);
  let firstId;
  await step('mittwald (live) · List Articles, orderable full, Limit 5', async () => {
    const out = await mp.execute({
      node: 'mittwald',
      parameters: { resource: 'Article', operation: 'article-list-articles', returnAll: false, limit: 5, filters: { orderable: ['full'] } },
      items: [{ json: {} }],
      credentials: real,
      retry,
    });
    console.log(`  got:  ${out.length} articles: ${out.map((o) => `${o.json.articleId} "${o.json.name}"`).join(', ')}`);
    check(out.length > 0 && out.length <= 5, `1..5 articles, got ${out.length}`);
    check(out.every((o) => typeof o.json.articleId === 'string'), 'articles have an articleId');
    firstId = out[0].json.articleId;
  });
  if (firstId) {
    await step(`mittwald (live) · Get Article ${firstId}`, async () => {
      const out = await mp.execute({
        node: 'mittwald',
        parameters: { resource: 'Article', operation: 'article-get-article', articleId: firstId },
        items: [{ json: {} }],
        credentials: real,
        retry,
      });
      console.log(`  got:  ${out[0].json.articleId} "${out[0].json.name}" (${out[0].json.orderable})`);
      check(out[0].json.articleId === firstId, 'the requested article');
    });
  }
} else {
  console.log(dim('\n(set MITTWALD_API_TOKEN to also query the real https://api.mittwald.de)'));
}

console.log(failures === 0 ? `\n${green(bold('demo finished: everything as expected'))}` : `\n${red(bold(`demo finished with ${failures} unexpected result(s)`))}`);
process.exitCode = failures === 0 ? 0 : 1;
