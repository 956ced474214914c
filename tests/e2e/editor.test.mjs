// The n8n EDITOR, in a real browser: what a user sees of the four marketplace nodes.
//
// One headless `n8n start` (own temp user folder, sqlite, loopback ports, pkg-n8n/ as custom extensions,
// the harness's env) is set up over REST (owner sign-up, one workflow per node with the node preset to a
// resource and operation). Then headless Chromium — Debian's `chromium` package driven by puppeteer-core
// from tests/browser (both installed on demand by tests/support/browser.mjs; the test skips with the
// reason when the machine cannot install them) — signs in through the sign-in form and, per node:
//   (a) opens /workflow/<id>: the node's icon is an <img> of the package's own SVG that loads (HTTP 200,
//       an SVG, a non-zero natural size) — not n8n's placeholder;
//   (b) the canvas subtitle under the node is what the node's `subtitle` expression gives for that
//       resource/operation (the operation's NAME, e.g. "Marketplace: Order Extension"), not its value;
//   (c) double-click opens the node: the operation's first fields are there (parameter-input-<name>)
//       with their labels;
//   (d) "Create new credential" from the node's credential select opens the credential dialog: the
//       marketplace's icon (its own SVG, loading), the credential's fields, and
//         - mittwald: filled in against the mock marketplace (tests/support/mock-marketplace.mjs), Save
//           runs the credential's test → "Connection tested successfully";
//         - AppDirect: filled in against the mock AppDirect (tests/support/mock-appdirect.mjs), Save
//           → what n8n does with an OAuth2 client-credentials credential is asserted (see that test);
//         - Interworks Cloud and Webgate Yamdu: the notice saying why there is no test.
//   Plus the node panel: searching "mStudio" finds the mittwald node (codex alias), searching "AppDirect"
//   lists AppDirect and AppDirect Trigger.
// Screenshots of every step: tests/e2e/.screenshots/<n8n version>/NN-<step>.png (git-ignored).
//
// Selectors are n8n's data-test-id attributes, the same in 2.8.4 and 2.41.1 for everything used here
// (canvas-default-node, ndv, parameter-input-<name>, node-credentials-select(-item-new),
// editCredential-modal, credential-save-button, node-creator-*); helpers still take lists of selectors
// where versions might differ. Every wait is bounded.
//
// Run: `node --test tests/e2e/editor.test.mjs` (2.8.4) or `node tests/e2e-latest/run.mjs tests/e2e/editor.test.mjs` (2.41.1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { customType, E2E_DIR, ensureN8n, N8N_VERSION, nodeDescriptions, requireCredentialClass } from './n8n-harness.mjs';
import { dataOf, restClient as restClientFor, startN8nServer, tail } from './n8n-server.mjs';
import { launchBrowser, prepareBrowser } from '../support/browser.mjs';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';
import { startMockAppDirect } from '../support/mock-appdirect.mjs';

const START_TIMEOUT_MS = 90_000;
const WAIT_MS = 15_000;
const OWNER = { email: 'owner@example.com', firstName: 'Editor', lastName: 'Tester', password: 'Editor-E2e-2024' };
const SHOTS_DIR = path.join(E2E_DIR, '.screenshots', N8N_VERSION);

/** The nodes under test: the preset resource/operation, the fields to find, the credential. */
const NODES = [
  {
    key: 'mittwald',
    name: 'mittwald',
    pkg: 'n8n-nodes-mittwald-marketplace',
    icon: 'mittwald.svg',
    parameters: { resource: 'Marketplace', operation: 'extension-order-extension' },
    fields: ['authentication', 'extensionId', 'orderFor'],
    credential: { pkg: 'n8n-nodes-mittwald-marketplace', className: 'MittwaldApi', icon: 'mittwald.svg', test: 'mittwald' },
  },
  {
    key: 'interworks',
    name: 'interworksCloud',
    pkg: 'n8n-nodes-interworks-cloud',
    icon: 'interworks.svg',
    parameters: { resource: 'addon', operation: 'addonCreate' },
    fields: ['definitionSource', 'subscriptionId'],
    credential: { pkg: 'n8n-nodes-interworks-cloud', className: 'InterworksCloudApi', icon: 'interworks.svg', test: 'notice' },
  },
  {
    key: 'yamdu',
    name: 'yamdu',
    pkg: 'n8n-nodes-webgate-yamdu',
    icon: 'yamdu.svg',
    parameters: { resource: 'order', operation: 'create' },
    fields: ['product', 'userEmail'],
    credential: { pkg: 'n8n-nodes-webgate-yamdu', className: 'YamduApi', icon: 'yamdu.svg', test: 'notice' },
  },
  {
    key: 'appdirect',
    name: 'appDirect',
    pkg: 'n8n-nodes-appdirect',
    icon: 'appdirect.svg',
    // An order with one order line: an object of fields holding a list of entries, each entry's
    // fields under its own Additional Fields.
    parameters: {
      resource: 'Subscriptions',
      operation: 'resource_Other_createSubscription_POST',
      additionalFields: { order: { paymentPlanId: 7001, orderLines: { entry: [{ additionalFields: { unit: 'USER', quantity: 3 } }] } } },
    },
    fields: ['companyId', 'userId', 'paymentPlanId', 'unit', 'quantity'],
    texts: ['Order Lines', 'Add Order Line'],
    credential: { pkg: 'n8n-nodes-appdirect', className: 'AppDirectOAuth2Api', icon: 'appdirect.svg', test: 'appdirect' },
  },
  {
    key: 'appdirectTrigger',
    name: 'appDirectTrigger',
    pkg: 'n8n-nodes-appdirect',
    icon: 'appdirect.svg',
    parameters: {},
    fields: ['eventTypes', 'includePastEvents'],
    credential: null,
  },
];

let skipReason = null;
let browser;
let page;
let n8n;
let mock;
let mockAppDirect;
let api;
let descriptions;
const workflowIds = {};
let shotCounter = 0;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The editor's REST calls, each answering its `data` (or failing with n8n's answer and output). */
function restClient(baseUrl) {
  const rest = restClientFor(baseUrl, { browserId: 'editor-e2e-rest' });
  return async (method, route, body) => {
    const res = await rest(method, route, body);
    try {
      return dataOf(`${method} /rest${route}`, res);
    } catch (err) {
      err.message += `\n--- n8n output ---\n${tail(n8n.output(), 20)}`;
      throw err;
    }
  };
}

// ---------------------------------------------------------------------------------------------------
// what the descriptions promise

/** What n8n shows under the node: the node's `subtitle` expression evaluated for these parameters. */
function expectedSubtitle(description, parameters) {
  const m = /^=\{\{([\s\S]*)\}\}$/.exec(description.subtitle ?? '');
  if (!m) return null;
  // eslint-disable-next-line no-new-func
  return new Function('$parameter', `return (${m[1]});`)(parameters);
}

/** The label of the parameter `name`, at the top level or inside a collection or an entry. */
const labelOf = (props, name) => {
  const find = (list) => {
    for (const p of list ?? []) {
      if (p.name === name) return p;
      const inner = p.type === 'collection' ? find(p.options) : p.type === 'fixedCollection' ? find(p.options.flatMap((g) => g.values)) : null;
      if (inner) return inner;
    }
    return null;
  };
  const p = find(props);
  assert.ok(p, `the description has a parameter "${name}"`);
  return p.displayName;
};

// ---------------------------------------------------------------------------------------------------
// browser helpers

let lastShotAt = Date.now();
async function shot(step) {
  shotCounter += 1;
  process.stderr.write(`[editor-e2e] ${step} (+${((Date.now() - lastShotAt) / 1000).toFixed(1)} s)\n`);
  lastShotAt = Date.now();
  const file = path.join(SHOTS_DIR, `${String(shotCounter).padStart(2, '0')}-${step}.png`);
  await page.screenshot({ path: file }).catch(() => {});
  return file;
}

/** The first of `selectors` that appears (visible) within `timeout`: its handle and the selector. */
async function waitForAny(selectors, { timeout = WAIT_MS, visible = true } = {}) {
  const list = Array.isArray(selectors) ? selectors : [selectors];
  const handle = await page
    .waitForFunction(
      (sels, vis) => {
        for (const sel of sels) {
          for (const el of document.querySelectorAll(sel)) {
            if (!vis || el.getClientRects().length > 0) return el;
          }
        }
        return null;
      },
      { timeout, polling: 100 },
      list,
      visible,
    )
    .catch(async (err) => {
      const file = await shot('timeout');
      throw new Error(`none of ${list.join(' | ')} appeared within ${timeout} ms (screenshot: ${file}): ${err.message}`);
    });
  return handle.asElement();
}

/** Text of the element (innerText, whitespace collapsed). */
const textOf = (el) => el.evaluate((e) => e.innerText.replace(/\s+/g, ' ').trim());

/**
 * The <img> icons inside `el`: src, natural size, and what fetching the src (with the page's cookies)
 * answers: status and content type.
 */
const iconsIn = (el) =>
  el.evaluate(async (root) => {
    const imgs = [...root.querySelectorAll('img')];
    return Promise.all(
      imgs.map(async (img) => {
        if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }) || setTimeout(r, 3000));
        let status = 0;
        let type = '';
        try {
          const res = await fetch(img.src, { credentials: 'include' });
          status = res.status;
          type = res.headers.get('content-type') ?? '';
        } catch {
          /* stays 0 */
        }
        return { src: img.src, naturalWidth: img.naturalWidth, status, type };
      }),
    );
  });

function assertIcon(icons, file, where) {
  const own = icons.find((i) => i.src.endsWith(`/${file}`));
  assert.ok(own, `${where}: an <img> of ${file} (found: ${JSON.stringify(icons)})`);
  assert.equal(own.status, 200, `${where}: ${own.src} loads`);
  assert.match(own.type, /svg/, `${where}: ${own.src} is an SVG`);
  assert.ok(own.naturalWidth > 0, `${where}: ${own.src} renders (natural width ${own.naturalWidth})`);
}

async function openWorkflow(id) {
  await page.goto(`${n8n.baseUrl}/workflow/${id}`, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  return waitForAny(['[data-test-id="canvas-default-node"]', '[data-test-id="canvas-trigger-node"]', '[data-test-id="canvas-node"]'], { timeout: 30_000 });
}

async function closeModalsAndNdv() {
  await page.keyboard.press('Escape').catch(() => {});
  await sleep(200);
  await page.keyboard.press('Escape').catch(() => {});
}

// ---------------------------------------------------------------------------------------------------

before(
  async () => {
    await ensureN8n();
    const t0 = Date.now();
    const prepared = await prepareBrowser();
    if (prepared.skip) {
      skipReason = `no headless browser: ${prepared.skip}`;
      process.stderr.write(`[editor-e2e] SKIPPING the editor check — ${skipReason}\n`);
      return;
    }
    const prepMs = Date.now() - t0;
    if (prepMs > 1000) process.stderr.write(`[editor-e2e] chromium + puppeteer-core ready after ${(prepMs / 1000).toFixed(1)} s\n`);
    fs.rmSync(SHOTS_DIR, { recursive: true, force: true });
    fs.mkdirSync(SHOTS_DIR, { recursive: true });
    descriptions = nodeDescriptions();

    mock = await startMockMarketplace();
    mockAppDirect = await startMockAppDirect();
    n8n = await startN8nServer({ prefix: 'n8n-editor-e2e-', timeoutMs: START_TIMEOUT_MS });
    api = restClient(n8n.baseUrl);
    await api('POST', '/owner/setup', OWNER);
    const projectId = (await api('GET', '/projects/personal')).id;
    let i = 0;
    for (const node of NODES) {
      i += 1;
      const created = await api('POST', '/workflows', {
        name: `editor e2e: ${node.key}`,
        nodes: [
          {
            id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            name: descriptions.get(node.name).defaults.name,
            type: customType(node.name),
            typeVersion: 1,
            position: [400, 300],
            parameters: node.parameters,
          },
        ],
        connections: {},
        settings: { executionOrder: 'v1' },
        projectId,
      });
      workflowIds[node.key] = created.id;
    }

    browser = await launchBrowser(prepared);
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    // leaving a workflow with unsaved changes asks "Leave without saving?" (beforeunload): leave
    page.on('dialog', (dialog) => dialog.accept().catch(() => {}));
    // sign in like a user
    await page.goto(`${n8n.baseUrl}/signin`, { waitUntil: 'domcontentloaded', timeout: 30_000 });
    await waitForAny(['input[name="emailOrLdapLoginId"]', 'input[name="email"]'], { timeout: 30_000 });
    await shot('signin');
    const email = await page.$('input[name="emailOrLdapLoginId"]') ?? (await page.$('input[name="email"]'));
    await email.type(OWNER.email);
    await page.type('input[name="password"]', OWNER.password);
    await page.click('[data-test-id="form-submit-button"]');
    await page.waitForFunction(() => !location.pathname.startsWith('/signin'), { timeout: WAIT_MS }).catch(async (err) => {
      throw new Error(`sign-in did not leave /signin (screenshot ${await shot('signin-failed')}): ${err.message}`);
    });
  },
  { timeout: 30 * 60_000 },
);

after(async () => {
  await browser?.close().catch(() => {});
  await n8n?.stop();
  await mock?.close?.();
  await mockAppDirect?.close?.();
});

for (const node of NODES) {
  test(`editor: ${node.key} — icon, subtitle, fields${node.credential ? ', credential dialog' : ''}`, { timeout: 120_000 }, async (t) => {
    if (skipReason) return t.skip(skipReason);
    const description = descriptions.get(node.name);

    // (a) the icon on the canvas
    const canvasNode = await openWorkflow(workflowIds[node.key]);
    await sleep(300);
    await shot(`${node.key}-canvas`);
    assertIcon(await iconsIn(canvasNode), node.icon, `${node.key} on the canvas`);

    // (b) the subtitle
    const subtitle = expectedSubtitle(description, node.parameters);
    const canvasText = await textOf(canvasNode);
    if (subtitle) {
      assert.ok(!subtitle.includes(node.parameters.operation), `the expected subtitle "${subtitle}" is a name, not the operation's value`);
      assert.ok(canvasText.includes(subtitle), `${node.key}: the canvas shows the subtitle "${subtitle}" (shows: "${canvasText}")`);
    }
    if (node.parameters.operation) assert.ok(!canvasText.includes(node.parameters.operation), `${node.key}: the canvas does not show the operation value "${node.parameters.operation}"`);

    // (c) the node's fields
    await canvasNode.click({ count: 2 });
    await waitForAny(['[data-test-id="ndv"]', '[data-test-id="ndv-modal"]']);
    const params = await waitForAny('[data-test-id="node-parameters"]');
    for (const field of node.fields) await waitForAny(`[data-test-id="parameter-input-${field}"]`);
    await shot(`${node.key}-ndv`);
    const paramsText = await textOf(params);
    for (const field of node.fields) {
      const label = labelOf(description.properties, field);
      assert.ok(paramsText.includes(label), `${node.key}: the node shows the field "${label}" (shows: "${paramsText.slice(0, 600)}")`);
    }
    for (const text of node.texts ?? []) {
      assert.ok(paramsText.includes(text), `${node.key}: the node shows "${text}" (shows: "${paramsText.slice(0, 1200)}")`);
    }
    if (!node.credential) return;

    // (d) the credential dialog
    const credential = new (requireCredentialClass(node.credential.pkg, node.credential.className))();
    await openNewCredential();
    const modal = await waitForAny('[data-test-id="editCredential-modal"]');
    await waitForAny('[data-test-id="credential-save-button"]');
    await sleep(300);
    await shot(`${node.key}-credential`);
    assertIcon(await iconsIn(modal), node.credential.icon, `${node.key}'s credential dialog`);
    const modalText = await textOf(modal);
    assert.ok(modalText.includes(credential.displayName), `${node.key}: the dialog names the credential type "${credential.displayName}"`);
    const shown = credential.properties.filter((p) => !p.displayOptions && p.type !== 'hidden' && p.type !== 'notice');
    for (const p of shown) {
      assert.ok(await page.$(`[data-test-id="editCredential-modal"] [data-test-id="parameter-input-${p.name}"]`), `${node.key}: the credential dialog has the field ${p.name}`);
      assert.ok(modalText.includes(p.displayName), `${node.key}: the credential dialog shows the label "${p.displayName}"`);
    }

    if (node.credential.test === 'notice') {
      assert.ok(!credential.test, `${node.key}: the credential defines no test`);
      const notice = credential.properties.find((p) => p.type === 'notice');
      assert.ok(notice, `${node.key}: the credential has a notice`);
      const firstWords = notice.displayName.replace(/<[^>]+>/g, '').split(/\s+/).slice(0, 6).join(' ');
      assert.ok(modalText.includes(firstWords), `${node.key}: the dialog shows the notice "${firstWords} …" (shows: "${modalText.slice(0, 800)}")`);
    } else if (node.credential.test === 'mittwald') {
      await fillCredential({ apiToken: mock.credentials.mittwald.apiToken, baseUrl: mock.credentials.mittwald.baseUrl });
      await shot(`${node.key}-credential-filled`);
      const outcome = await saveAndTest(node.key);
      assertTested(node.key, outcome, mock);
      assert.ok(mock.requests.some((r) => r.path === '/v2/projects'), `${node.key}: the test called the mock's /v2/projects`);
    } else if (node.credential.test === 'appdirect') {
      await fillCredential({ marketplaceUrl: mockAppDirect.credentials.marketplaceUrl, clientId: mockAppDirect.credentials.clientId, clientSecret: mockAppDirect.credentials.clientSecret });
      await shot(`${node.key}-credential-filled`);
      const outcome = await saveAndTest(node.key);
      assertTested(node.key, outcome, mockAppDirect);
      assert.ok(mockAppDirect.tokenRequests().length >= 1, `${node.key}: the test fetched a token from the mock`);
    }
    await closeModalsAndNdv();
  });
}

/**
 * Opens "new credential" from the open node: 2.8.4 has a credential select whose dropdown ends in
 * "Create new credential" (node-credentials-select-item-new); 2.41.1 shows, while there is no
 * credential of the type, a "Connect to <node>" button (node-credentials-empty-state) that opens the
 * dialog directly.
 */
async function openNewCredential() {
  const emptyState = '[data-test-id="node-credentials-empty-state"] button';
  const select = '[data-test-id="node-credentials-select"]';
  const found = await waitForAny([emptyState, select]);
  if (await found.evaluate((e, sel) => e.matches(sel), emptyState)) {
    await found.click();
    return;
  }
  await found.click();
  await clickWhenReady('[data-test-id="node-credentials-select-item-new"]');
}

/** Clicks `selector` once it can be clicked: a dropdown's items exist before its opening animation ends. */
async function clickWhenReady(selector, tries = 20) {
  let last;
  for (let i = 0; i < tries; i += 1) {
    try {
      await (await waitForAny(selector)).click();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  throw last;
}

/**
 * Clicks Save in the credential dialog and waits for the test's outcome. 2.8.4 keeps the dialog open
 * and shows "Connection tested successfully" or "Couldn't connect with these settings"; 2.41.1 closes
 * the dialog when the test passes (the node then shows the new credential) and keeps it open with the
 * error banner when it fails. Returns { text, closed, test: n8n's answer to POST /rest/credentials/test,
 * details } — details (REST calls, the dialog's text) for the failure message.
 */
async function saveAndTest(key) {
  const answers = [];
  let testAnswer = null;
  const listener = async (res) => {
    if (!/\/rest\/credentials(\/test)?(\?|$)/.test(res.url()) || res.request().method() !== 'POST') return;
    const body = await res.text().catch(() => '');
    const route = new URL(res.url()).pathname;
    answers.push(`POST ${route} → ${res.status()} ${body.slice(0, 300)}`);
    if (route.endsWith('/credentials/test')) {
      try {
        testAnswer = JSON.parse(body).data;
      } catch {
        testAnswer = { status: `unparsable: ${body.slice(0, 200)}` };
      }
    }
  };
  page.on('response', listener);
  try {
    await page.click('[data-test-id="credential-save-button"]');
    const outcome = await page
      .waitForFunction(
        () => {
          const modal = document.querySelector('[data-test-id="editCredential-modal"]');
          if (!modal || modal.getClientRects().length === 0) return '__closed__';
          const text = modal.innerText ?? '';
          return /tested successfully|couldn.t connect/i.test(text) ? text : null;
        },
        { timeout: 20_000, polling: 100 },
      )
      .catch(async (err) => {
        throw new Error(`the credential test showed no outcome within 20 s (screenshot ${await shot(`${key}-credential-no-outcome`)}; REST: ${answers.join(' | ')}): ${err.message}`);
      });
    const all = await outcome.jsonValue();
    const closed = all === '__closed__';
    const text = closed ? '' : (all.split('\n').find((l) => /tested successfully|couldn.t connect/i.test(l)) ?? '').trim();
    // the test's answer arrives before the dialog reacts; give a late response event a moment
    for (let i = 0; i < 20 && !testAnswer; i++) await sleep(100);
    await shot(`${key}-credential-tested`);
    const modal = await page.$('[data-test-id="editCredential-modal"]');
    const modalText = modal && !closed ? (await textOf(modal)).slice(0, 800) : '(closed)';
    return { text, closed, test: testAnswer, details: `dialog: ${modalText}; REST: ${answers.join(' | ')}` };
  } finally {
    page.off('response', listener);
  }
}

/** A passed test: n8n answered { status: 'OK' }, and the editor showed it (banner, or 2.41.1's closing). */
function assertTested(key, outcome, mockState) {
  const why = `(${outcome.details}; mock errors: ${JSON.stringify(mockState.errors)}; mock saw: ${JSON.stringify(mockState.requests.map((r) => `${r.method} ${r.path}`))})`;
  assert.equal(outcome.test?.status, 'OK', `${key}: n8n's credential test passes: ${JSON.stringify(outcome.test)} ${why}`);
  if (outcome.closed) assert.ok(!/couldn.t connect/i.test(outcome.text), `${key}: no error banner`);
  else assert.match(outcome.text, /tested successfully/i, `${key}: the dialog says the connection was tested successfully ${why}`);
}

/** Types values into the open credential dialog's fields (replacing what is there). */
async function fillCredential(values) {
  for (const [name, value] of Object.entries(values)) {
    const input = await waitForAny(`[data-test-id="editCredential-modal"] [data-test-id="parameter-input-${name}"] input`);
    await input.click({ count: 3 });
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    await input.type(value);
    // the field commits its value on blur (debounced): leave it
    await page.keyboard.press('Tab');
    await sleep(250);
  }
}

test('editor: the node panel finds the nodes by their marketplace names', { timeout: 60_000 }, async (t) => {
  if (skipReason) return t.skip(skipReason);
  await openWorkflow(workflowIds.mittwald);
  const search = async (term) => {
    const open = await page.$('[data-test-id="node-creator"]');
    if (!open || !(await open.evaluate((e) => e.getClientRects().length > 0))) {
      const plus = await waitForAny(['[data-test-id="node-creator-plus-button"]', '[data-test-id="canvas-plus-button"]']);
      await plus.evaluate((e) => e.click());
    }
    // 2.8.4 and 2.41.1: the <input> itself carries data-test-id="node-creator-search-bar"
    const input = await waitForAny(['input[data-test-id="node-creator-search-bar"]', '[data-test-id="node-creator-search-bar"] input', '[data-test-id="search-bar"] input']);
    await input.evaluate((e) => {
      e.focus();
      e.select();
    });
    await page.keyboard.press('Backspace');
    await page.keyboard.type(term);
    await sleep(800);
    await shot(`node-panel-${term}`);
    return page.evaluate(() =>
      [...document.querySelectorAll('[data-test-id="node-creator"] [data-test-id="node-creator-item-name"]')]
        .filter((e) => e.getClientRects().length > 0)
        .map((e) => e.innerText.replace(/\s+/g, ' ').trim()),
    );
  };
  const mstudio = await search('mStudio');
  assert.ok(mstudio.includes('mittwald'), `searching "mStudio" lists the mittwald node (lists: ${JSON.stringify(mstudio)})`);
  const appdirect = await search('AppDirect');
  assert.ok(appdirect.includes('AppDirect'), `searching "AppDirect" lists AppDirect (lists: ${JSON.stringify(appdirect)})`);
  // n8n folds a node and its trigger (same codex) into one entry: opening it lists the trigger under "Triggers"
  const entry = await waitForAny('[data-test-id="node-creator"] [data-test-id="item-iterator-item"]');
  await entry.evaluate((e) => e.click());
  await waitForAny('[data-test-id="node-creator"] [data-test-id="node-creator-category-item"]');
  await sleep(500);
  await shot('node-panel-AppDirect-opened');
  const opened = await textOf(await page.$('[data-test-id="node-creator"]'));
  const trigger = descriptions.get('appDirectTrigger').displayName.replace(/ Trigger$/, '');
  assert.match(opened, /Triggers \(1\)/, `the AppDirect entry lists one trigger (shows: "${opened.slice(0, 400)}")`);
  assert.ok(opened.includes(`On new ${trigger} event`) || opened.includes(`${trigger} Trigger`), `the AppDirect entry lists the AppDirect Trigger (shows: "${opened.slice(0, 400)}")`);
  assert.match(opened, /Actions \(\d+\)/, `the AppDirect entry lists its actions (shows: "${opened.slice(0, 400)}")`);
});
