// The generated n8n descriptors: node list, credential list, property integrity, displayOptions wiring.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadPackage } from '../support/harness.mjs';

let mp;
let nodes;
let creds;
before(async () => {
  mp = await loadPackage();
  nodes = await mp.nodes();
  creds = await mp.credentials();
});

const byName = (list, name) => list.find((x) => x.name === name);

/** All properties, recursing into collection / fixedCollection children. */
function walk(props, visit, path = []) {
  for (const p of props || []) {
    visit(p, path);
    if (Array.isArray(p.options)) {
      for (const o of p.options) {
        if (o && Array.isArray(o.values)) walk(o.values, visit, [...path, p.name, o.name]); // fixedCollection group
        else if (o && typeof o.type === 'string') walk([o], visit, [...path, p.name]); // collection child
      }
    }
  }
}

function choicesOf(prop) {
  return Array.isArray(prop && prop.options) ? prop.options.filter((o) => o && 'value' in o && !('type' in o)).map((o) => o.value) : [];
}

test('nodes(): lists the mittwald and Interworks Cloud nodes', () => {
  assert.ok(Array.isArray(nodes), 'nodes() should return an array');
  const names = nodes.map((n) => n.name);
  assert.ok(names.includes('mittwald'), `node names: ${names}`);
  assert.ok(names.includes('interworksCloud'), `node names: ${names}`);
  for (const n of nodes) {
    for (const k of ['displayName', 'name', 'version', 'description', 'defaults', 'inputs', 'outputs', 'properties']) {
      assert.ok(n[k] !== undefined, `node ${n.name} lacks ${k}`);
    }
    assert.ok(Array.isArray(n.properties) && n.properties.length > 0);
    assert.equal(new Set(names).size, names.length, 'node names are unique');
  }
});

test('credentials(): lists mittwaldApi and interworksCloudApi with their fields', () => {
  assert.ok(Array.isArray(creds));
  const mw = byName(creds, 'mittwaldApi');
  const iw = byName(creds, 'interworksCloudApi');
  assert.ok(mw, `credential names: ${creds.map((c) => c.name)}`);
  assert.ok(iw, `credential names: ${creds.map((c) => c.name)}`);
  for (const c of creds) {
    assert.ok(c.displayName, `${c.name} lacks displayName`);
    assert.ok(Array.isArray(c.properties));
  }
  const field = (c, n) => c.properties.find((p) => p.name === n);
  assert.ok(field(mw, 'apiToken'), 'mittwaldApi.apiToken');
  assert.equal(field(mw, 'apiToken').typeOptions?.password, true, 'apiToken is a password field');
  assert.ok(field(mw, 'baseUrl'), 'mittwaldApi.baseUrl');
  assert.equal(field(mw, 'baseUrl').default, 'https://api.mittwald.de');
  for (const n of ['baseUrl', 'applicationId', 'apiKey', 'apiKeyEncoding', 'addonCreatePath']) assert.ok(field(iw, n), `interworksCloudApi.${n}`);
  assert.equal(field(iw, 'apiKey').typeOptions?.password, true, 'apiKey is a password field');
  assert.deepEqual(choicesOf(field(iw, 'apiKeyEncoding')).sort(), ['base64', 'plain']);
  assert.equal(field(iw, 'addonCreatePath').default, 'Addon/Create');
});

test('nodes reference existing credentials', () => {
  const credNames = new Set(creds.map((c) => c.name));
  assert.deepEqual(byName(nodes, 'mittwald').credentials?.map((c) => c.name), ['mittwaldApi']);
  assert.deepEqual(byName(nodes, 'interworksCloud').credentials?.map((c) => c.name), ['interworksCloudApi']);
  for (const n of nodes) for (const c of n.credentials || []) assert.ok(credNames.has(c.name), `${n.name} → ${c.name}`);
});

test('every property (nested too) has name, displayName and type; options have name+value', () => {
  const types = new Set(['string', 'number', 'boolean', 'options', 'multiOptions', 'collection', 'fixedCollection', 'json', 'notice', 'dateTime', 'color', 'hidden', 'resourceLocator']);
  for (const n of [...nodes, ...creds]) {
    walk(n.properties, (p, path) => {
      const where = `${n.name}:${[...path, p.name].join('.')}`;
      assert.equal(typeof p.name, 'string', `${where} name`);
      assert.ok(p.name.length > 0, `${where} name`);
      assert.equal(typeof p.displayName, 'string', `${where} displayName`);
      assert.ok(types.has(p.type), `${where} type ${p.type}`);
      assert.ok('default' in p, `${where} default`);
      if (p.type === 'options' || p.type === 'multiOptions') {
        // A list loaded from a record chosen in the form (an extension's scopes) has no fixed options.
        if (p.typeOptions?.loadOptionsMethod) assert.ok(Array.isArray(p.typeOptions.loadOptionsDependsOn), `${where} depends on`);
        else assert.ok(Array.isArray(p.options) && p.options.length > 0, `${where} options`);
        for (const o of p.options ?? []) assert.ok(typeof o.name === 'string' && 'value' in o, `${where} option ${JSON.stringify(o)}`);
        const values = (p.options ?? []).map((o) => o.value);
        assert.equal(new Set(values).size, values.length, `${where} option values unique`);
      }
      if (p.type === 'fixedCollection') {
        for (const g of p.options) assert.ok(g.name && g.displayName && Array.isArray(g.values), `${where} group ${g.name}`);
      }
    });
  }
});

test('mittwald: resource and operation options', () => {
  const n = byName(nodes, 'mittwald');
  const resource = n.properties.find((p) => p.name === 'resource');
  assert.ok(resource, 'resource property');
  assert.equal(resource.type, 'options');
  // Every tag of the bundled spec is a resource (the exact set is checked against the spec in Rust).
  for (const tag of ['Article', 'Marketplace', 'Project', 'Customer', 'Domain']) assert.ok(choicesOf(resource).includes(tag), tag);
  const ops = n.properties.filter((p) => p.name === 'operation');
  const opFor = (res) => ops.find((p) => p.displayOptions?.show?.resource?.includes(res));
  assert.ok(opFor('Marketplace'), 'operation for Marketplace');
  assert.ok(opFor('Article'), 'operation for Article');
  assert.ok(choicesOf(opFor('Marketplace')).includes('extension-order-extension'));
  assert.deepEqual(choicesOf(opFor('Article')).sort(), ['article-get-article', 'article-list-articles']);
  for (const op of ops) for (const o of op.options) assert.ok(o.action, `operation ${o.value} has an action sentence`);
});

test('interworksCloud: resource and operation options', () => {
  const n = byName(nodes, 'interworksCloud');
  const resource = n.properties.find((p) => p.name === 'resource');
  assert.ok(choicesOf(resource).includes('addon'));
  const op = n.properties.find((p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes('addon'));
  assert.ok(op, 'operation for addon');
  assert.ok(choicesOf(op).includes('addonCreate'));
});

/** Properties visible for a resource/operation (top level only). */
function visible(node, resource, operation) {
  return node.properties.filter((p) => {
    const show = p.displayOptions?.show;
    if (!show) return true;
    if (show.resource && !show.resource.includes(resource)) return false;
    if (show.operation && !show.operation.includes(operation)) return false;
    return true;
  });
}

test('mittwald: each operation shows its parameters', () => {
  const n = byName(nodes, 'mittwald');
  const names = (r, o) => visible(n, r, o).map((p) => p.name);
  const order = names('Marketplace', 'extension-order-extension');
  for (const k of ['extensionId', 'orderFor', 'customerId', 'projectId', 'consentedScopes', 'variantKey']) assert.ok(order.includes(k), `order shows ${k}: ${order}`);
  const list = names('Article', 'article-list-articles');
  for (const k of ['returnAll', 'limit', 'filters']) assert.ok(list.includes(k), `list shows ${k}: ${list}`);
  assert.ok(!list.includes('extensionId'));
  const get = names('Article', 'article-get-article');
  assert.ok(get.includes('articleId'));
  assert.ok(!get.includes('returnAll'));

  const shownFor = (r, o) => (name) => visible(n, r, o).find((p) => p.name === name);
  const orderProp = shownFor('Marketplace', 'extension-order-extension');
  const listProp = shownFor('Article', 'article-list-articles');
  const getProp = shownFor('Article', 'article-get-article');
  const prop = (name) => orderProp(name) ?? listProp(name) ?? getProp(name);
  assert.deepEqual(choicesOf(prop('orderFor')).sort(), ['customer', 'project']);
  assert.deepEqual(prop('customerId').displayOptions.show.orderFor, ['customer']);
  assert.deepEqual(prop('projectId').displayOptions.show.orderFor, ['project']);
  assert.deepEqual(prop('limit').displayOptions.show.returnAll, [false]);
  assert.equal(prop('returnAll').type, 'boolean');
  assert.equal(prop('returnAll').default, false);
  assert.equal(prop('extensionId').required, true);
  assert.equal(prop('articleId').required, true);
  // consentedScopes must not default to junk like "[null]" (the generated node's bug)
  const cs = prop('consentedScopes');
  assert.ok(JSON.stringify(cs.default) !== '"[null]"' && JSON.stringify(cs.default) !== '[null]', `consentedScopes default ${JSON.stringify(cs.default)}`);
  // picked from the scopes the chosen extension asks for (always sent, [] when none)
  assert.equal(cs.type, 'multiOptions');
  assert.equal(cs.typeOptions.loadOptionsMethod, 'listExtensionScopes');
  assert.deepEqual(cs.typeOptions.loadOptionsDependsOn, ['extensionId']);
  assert.deepEqual(cs.default, []);
  // the variant key is optional and empty by default (never a pre-filled example)
  assert.equal(prop('variantKey').default, '');
  const filters = prop('filters');
  assert.equal(filters.type, 'collection');
  const fnames = filters.options.map((o) => o.name).sort();
  assert.deepEqual(fnames, ['articleIds', 'name', 'orderable', 'tags', 'templateNames']);
  const orderable = filters.options.find((o) => o.name === 'orderable');
  assert.deepEqual(choicesOf(orderable).sort(), ['beta_testing', 'deprecated', 'forbidden', 'full', 'internal']);
});

test('interworksCloud: addonCreate shows subscriptionId, addons, additionalFields', () => {
  const n = byName(nodes, 'interworksCloud');
  const names = visible(n, 'addon', 'addonCreate').map((p) => p.name);
  for (const k of ['subscriptionId', 'addons', 'additionalFields']) assert.ok(names.includes(k), `shows ${k}: ${names}`);
  const addons = n.properties.find((p) => p.name === 'addons');
  assert.equal(addons.type, 'fixedCollection');
  assert.equal(addons.typeOptions?.multipleValues, true);
  const group = addons.options.find((g) => g.name === 'addon');
  assert.ok(group, 'addons.addon group');
  const gnames = group.values.map((v) => v.name);
  for (const k of ['productId', 'name', 'quantity', 'attributes']) assert.ok(gnames.includes(k), `addon has ${k}: ${gnames}`);
  const attrs = group.values.find((v) => v.name === 'attributes');
  const attrGroup = attrs.options.find((g) => g.name === 'attribute');
  assert.ok(attrGroup, 'attributes.attribute group');
  const anames = attrGroup.values.map((v) => v.name).sort();
  for (const k of ['code', 'id', 'name', 'quantityLinked', 'value']) assert.ok(anames.includes(k), `attribute has ${k}: ${anames}`);
  const add = n.properties.find((p) => p.name === 'additionalFields');
  assert.equal(add.type, 'collection');
  const addNames = add.options.map((o) => o.name);
  for (const k of ['subscriptionName', 'productId', 'serviceType', 'platformSubscriptionId', 'quantity', 'account', 'billingCycleDuration', 'billingCycleDurationType', 'derivative', 'customFieldValues', 'isTrial']) {
    assert.ok(addNames.includes(k), `additionalFields has ${k}: ${addNames}`);
  }
  const derivative = add.options.find((o) => o.name === 'derivative');
  assert.deepEqual(choicesOf(derivative).map(Number).sort(), [0, 1, 2, 3, 4]);
});

test('displayOptions only reference existing properties and existing option values', () => {
  for (const n of nodes) {
    const top = new Map();
    for (const p of n.properties) {
      if (!top.has(p.name)) top.set(p.name, []);
      top.get(p.name).push(p);
    }
    for (const p of n.properties) {
      for (const kind of ['show', 'hide']) {
        const cond = p.displayOptions?.[kind];
        if (!cond) continue;
        for (const [rawKey, wanted] of Object.entries(cond)) {
          if (rawKey.startsWith('@')) continue;
          const key = rawKey.replace(/^\//, '');
          assert.ok(top.has(key), `${n.name}.${p.name}: displayOptions.${kind}.${rawKey} references no property`);
          assert.ok(Array.isArray(wanted), `${n.name}.${p.name}: displayOptions.${kind}.${rawKey} must be an array`);
          const targets = top.get(key);
          const allowed = new Set(targets.flatMap((t) => (t.type === 'boolean' ? [true, false] : choicesOf(t))));
          if (allowed.size === 0) continue; // free-form target
          for (const v of wanted) {
            if (v && typeof v === 'object') continue; // n8n condition objects ({_cnd: …})
            assert.ok(allowed.has(v), `${n.name}.${p.name}: displayOptions.${kind}.${rawKey} value ${JSON.stringify(v)} is not an option of ${key}`);
          }
        }
      }
    }
    // A polling trigger has no resources: its few fields are always shown.
    if (n.polling) {
      assert.deepEqual(n.inputs, [], `${n.name}: a trigger has no input`);
      continue;
    }
    // every operation value is reachable: some operation property lists it under a resource that exists
    const resources = choicesOf(n.properties.find((p) => p.name === 'resource'));
    for (const op of n.properties.filter((p) => p.name === 'operation')) {
      for (const r of op.displayOptions?.show?.resource || []) assert.ok(resources.includes(r), `${n.name}: operation shown for unknown resource ${r}`);
    }
    // every non-resource/operation top-level property is tied to an operation
    for (const p of n.properties) {
      if (p.name === 'resource' || p.name === 'operation' || p.type === 'notice') continue;
      // The one node-wide option: timeouts and size limits, for every operation alike.
      if (p.name === 'requestOptions') {
        assert.equal(p.type, 'collection');
        continue;
      }
      // A node with public operations: whether to sign with the credential, and the base URL without.
      if (p.name === 'authentication') {
        assert.deepEqual(choicesOf(p), ['credential', 'none']);
        assert.deepEqual(n.credentials[0].displayOptions, { hide: { authentication: ['none'] } });
        continue;
      }
      if (p.name === 'publicBaseUrl') {
        assert.deepEqual(p.displayOptions, { show: { authentication: ['none'] } });
        continue;
      }
      assert.ok(p.displayOptions?.show?.operation || p.displayOptions?.show?.resource, `${n.name}.${p.name} is shown for every operation`);
    }
  }
});

test('a node-wide field (shown for every operation) shares its name with no operation\'s field', () => {
  // n8n keeps one value per name: an operation's field of the same name would overwrite it.
  for (const n of nodes) {
    const nodeWide = n.properties.filter((p) => !p.displayOptions?.show?.operation && p.type !== 'notice' && p.name !== 'operation');
    for (const wide of nodeWide) {
      const clash = n.properties.find((p) => p !== wide && p.name === wide.name && p.name !== 'operation');
      assert.equal(clash, undefined, `${n.name}: "${wide.name}" is node-wide and also a field of ${JSON.stringify(clash?.displayOptions?.show?.operation)}`);
    }
  }
});

test('descriptors are plain JSON (round-trip) and usable as AI tools', () => {
  for (const n of nodes) {
    assert.deepEqual(JSON.parse(JSON.stringify(n)), n);
    // Actions are tools; n8n's rules say a trigger must not be one.
    if (n.polling) assert.equal(n.usableAsTool, undefined, `${n.name} is a trigger, not a tool`);
    else assert.equal(n.usableAsTool, true, `${n.name}.usableAsTool`);
  }
});

// The descriptors are printed by a native build and the module is built without help texts (feature
// `describe` off): both must still be the same registry, so every operation the forms offer runs.
test('the wasm module runs every operation the embedded descriptors offer', async () => {
  const { createServer } = await import('node:http');
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"message":"refused by the test"}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const node of nodes.filter((n) => !n.polling)) {
      const parameters = [];
      for (const resource of choicesOf(byName(node.properties, 'resource'))) {
        const picker = node.properties.find(
          (p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource),
        );
        for (const operation of choicesOf(picker)) parameters.push({ resource, operation });
      }
      assert.ok(parameters.length > 0, `${node.name} offers operations`);
      const credential = node.credentials?.[0]?.name;
      const fields = credential ? byName(creds, credential).properties : [];
      const credentials = Object.fromEntries(fields.map((f) => [f.name, f.name === 'baseUrl' ? baseUrl : 'x-test-value']));
      const out = await mp.execute({ node: node.name, parameters, credentials, baseUrl, continueOnFail: true });
      assert.equal(out.length, parameters.length, `${node.name}: one output per operation`);
      out.forEach((item, i) => {
        const message = item.json?.error?.message ?? item.json?.error ?? '';
        assert.doesNotMatch(String(message), /Unknown (operation|resource|node)/, `${node.name} ${JSON.stringify(parameters[i])}`);
      });
    }
    assert.ok(requests > 0, 'operations without required fields reached the server');
  } finally {
    server.close();
  }
});

/** GitHub's anchor of a README heading. */
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');

test('every node and credential links to its README section, in the repository package.json names', async () => {
  const { readFileSync } = await import('node:fs');
  const root = new URL('../../', import.meta.url);
  const homepage = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).homepage;
  const repository = homepage.replace(/#.*$/, '');
  const anchors = new Set(
    readFileSync(new URL('README.md', root), 'utf8').split('\n').filter((l) => /^#{2,4} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))),
  );
  const links = [
    ...nodes.map((n) => [n.name, n.codex?.resources?.primaryDocumentation?.[0]?.url]),
    ...creds.map((c) => [c.name, c.documentationUrl]),
  ];
  for (const [name, url] of links) {
    assert.ok(typeof url === 'string' && url.startsWith(`${repository}#`), `${name}: ${url} is a section of ${repository}`);
    assert.ok(anchors.has(url.slice(repository.length + 1)), `${name}: README.md has a section #${url.split('#')[1]}`);
  }
  for (const n of nodes) assert.ok(n.codex.alias.length > 0, `${n.name} has search aliases`);
  for (const c of creds) assert.ok(c.icon && c.icon.light && c.icon.dark, `${c.name} has light and dark icons`);
});
