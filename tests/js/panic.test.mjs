// A panic inside the wasm module must never poison later calls: the instance is dropped and the next
// call gets a fresh one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startMockMarketplace } from '../support/mock-marketplace.mjs';

const mp = createRequire(import.meta.url)('../../pkg');

test('a panic is reported as an internal error and the next calls run on a fresh instance', async () => {
  const names = mp.nodes().map((n) => n.name);
  assert.throws(() => mp._internal.__panicForTests(), /internal error in the wasm runtime: [^]*deliberate panic/);
  const panicked = mp._internal.instancesCreated();
  assert.deepEqual(mp.nodes().map((n) => n.name), names);

  const mock = await startMockMarketplace();
  try {
    const articleId = mock.data.articles[0].articleId;
    const out = await mp.execute({
      node: 'mittwald',
      parameters: { resource: 'Article', operation: 'article-get-article', articleId },
      credentials: mock.credentials.mittwald,
    });
    assert.equal(out[0].json.articleId, articleId);
    assert.equal(mock.requests.length, 1);
    assert.equal(mp._internal.instancesCreated(), panicked + 1, 'the dead instance was replaced, once');
  } finally {
    await mock.close();
  }
});
