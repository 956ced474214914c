// Pickers ("From List" of resource-locator fields): the plain `search()` API and the n8n node
// class's `methods.listSearch`, against the mock marketplace, page by page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useMockMarketplace, rejection } from '../support/harness.mjs';

const env = useMockMarketplace({ maxPageSize: 2 });

test('the seed fields are resource locators backed by a search method', () => {
  const mittwald = env.mp.nodes().find((n) => n.name === 'mittwald');
  const field = (operation, name) =>
    mittwald.properties.find((p) => p.name === name && p.displayOptions?.show?.operation?.includes(operation));
  const methods = [
    ['extension-order-extension', 'extensionId', 'searchExtensions'],
    ['extension-order-extension', 'customerId', 'searchCustomers'],
    ['extension-order-extension', 'projectId', 'searchProjects'],
    ['article-get-article', 'articleId', 'searchArticles'],
  ];
  for (const [operation, name, method] of methods) {
    const property = field(operation, name);
    assert.equal(property.type, 'resourceLocator', name);
    assert.deepEqual(property.default, { mode: 'list', value: '' });
    const list = property.modes.find((m) => m.name === 'list');
    assert.equal(list.typeOptions.searchListMethod, method);
    assert.ok(property.modes.some((m) => m.name === 'id'), `${name} can also be typed in`);
  }
});

test('search() pages through projects with the token it hands back, filtered by the vendor', async () => {
  const credentials = env.mock.credentials.mittwald;
  const first = await env.mp.search({ node: 'mittwald', method: 'searchProjects', credentials });
  assert.equal(first.results.length, 2);
  assert.equal(first.paginationToken, '2');
  const second = await env.mp.search({ node: 'mittwald', method: 'searchProjects', credentials, paginationToken: first.paginationToken });
  const all = [...first.results, ...second.results];
  const projects = env.mock.data.projects;
  if (projects.length > 4) assert.ok(second.paginationToken);
  const firstProject = projects.find((p) => p.id === all[0].value);
  assert.equal(all[0].name, `${firstProject.description} (${firstProject.shortId})`);
  const sent = env.mock.requests.filter((r) => r.path === '/v2/projects');
  assert.deepEqual(sent.map((r) => [r.query.limit, r.query.skip]), [['50', '0'], ['50', '2']]);
  assert.equal(sent[0].headers['x-access-token'], credentials.apiToken);

  env.mock.reset();
  const target = projects[projects.length - 1];
  const found = await env.mp.search({ node: 'mittwald', method: 'searchProjects', credentials, filter: target.shortId });
  assert.deepEqual(found.results.map((r) => r.value), [target.id]);
  assert.equal(env.mock.requests[0].query.searchTerm, target.shortId);
});

test('a picker of a public list works without a credential; an unknown picker is an error', async () => {
  const page = await env.mp.search({ node: 'mittwald', method: 'searchArticles', baseUrl: env.mock.url, filter: 'proSpace' });
  assert.ok(page.results.length > 0);
  for (const entry of page.results) assert.match(entry.name, /\(.+\)$/);
  assert.equal(env.mock.requests[0].query.name, 'proSpace');
  const err = await rejection(env.mp.search({ node: 'mittwald', method: 'searchNothing', baseUrl: env.mock.url }));
  assert.match(err.message, /has no list "searchNothing"/);
});

test('a picker of a list that needs a credential asks for one instead of calling the vendor', async () => {
  const before = env.mock.requests.length;
  const err = await rejection(env.mp.search({ node: 'mittwald', method: 'searchProjects', baseUrl: env.mock.url }));
  assert.equal(err.message, 'Choose a "mittwald API" credential to load this list');
  assert.equal(env.mock.requests.length, before);
});
