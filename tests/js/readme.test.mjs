// The README's node list is generated from the descriptors; this fails when it was not regenerated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { renderReadme } from '../../scripts/readme.mjs';

const mp = createRequire(import.meta.url)('../../pkg');
const readmePath = new URL('../../README.md', import.meta.url);

test('README lists exactly the operations the descriptors offer', () => {
  const current = readFileSync(readmePath, 'utf8');
  assert.equal(current, renderReadme(current, mp), 'run `node scripts/readme.mjs` after changing a node');
  for (const node of mp.nodes()) assert.match(current, new RegExp(`\\(\`${node.name}\``));
});
