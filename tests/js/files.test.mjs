// Files going out: a multipart file part (mittwald "Create File") takes its bytes from the input item's
// binary data. A loopback server parses each multipart body and checks the part's name, file name,
// media type and exact bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { loadPackage } from '../support/harness.mjs';
import { multipartParts } from '../support/mock-marketplace.mjs';

const TOKEN = '5b0f1c1e-9c2b-4d1a-8f7e-2a3b4c5d6e7f';
// Not valid UTF-8, and with a CR LF inside: a body built as text would mangle it.
const BYTES = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0xff, 0xfe, 0x0d, 0x0a, 0x00, 0x80]);

let mp;
let server;
let baseUrl;
const received = [];

/** The parts of a multipart/form-data body, by the boundary its content type names. */
const parts = (body, contentType) => multipartParts(body, /boundary=([^;]+)/.exec(contentType)[1]);

before(async () => {
  mp = await loadPackage();
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      if (req.url === '/v2/files' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `file-${received.length}` }));
      } else if (req.url === '/v2/files/file-9') {
        res.writeHead(200, { 'content-type': 'image/png', 'content-disposition': 'attachment; filename="logo.png"' });
        res.end(Buffer.from(BYTES));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"message":"not here"}');
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${server.address().port}`;
});

after(() => server.close());

const upload = (fileParam) => ({
  resource: 'File',
  operation: 'file-create-file',
  Token: TOKEN,
  ...(fileParam === undefined ? {} : { file: fileParam }),
});
const run = (options) =>
  mp.execute({ node: 'mittwald', credentials: { apiToken: 'tok-files-secret', baseUrl }, ...options });

test('a file part carries the named binary property: its bytes, file name and media type', async () => {
  received.length = 0;
  const out = await run({
    parameters: upload('scan'),
    items: [{ json: {}, binary: { scan: { data: BYTES, mimeType: 'application/pdf', fileName: 'scan.pdf' } } }],
  });
  assert.equal(out[0].json.id, 'file-1');
  assert.equal(received.length, 1);
  const { headers, body } = received[0];
  assert.equal(headers.token, TOKEN);
  assert.match(headers['content-type'], /^multipart\/form-data; boundary=/);
  const [part, ...rest] = parts(body, headers['content-type']);
  assert.equal(rest.length, 0);
  assert.match(part.head, /^Content-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application\/pdf$/);
  assert.deepEqual(new Uint8Array(part.data), BYTES);
});

test('the file field defaults to the binary property "data"; Base64 text and ArrayBuffers are bytes too', async () => {
  received.length = 0;
  const base64 = Buffer.from(BYTES).toString('base64');
  await run({
    parameters: [upload(undefined), upload('raw')],
    items: [
      { json: {}, binary: { data: { data: base64, fileName: 'a.bin' } } },
      { json: {}, binary: { raw: { data: BYTES.buffer.slice(0) } } },
    ],
  });
  assert.equal(received.length, 2);
  const [first] = parts(received[0].body, received[0].headers['content-type']);
  assert.match(first.head, /filename="a.bin"\r\nContent-Type: application\/octet-stream$/);
  assert.deepEqual(new Uint8Array(first.data), BYTES);
  const [second] = parts(received[1].body, received[1].headers['content-type']);
  assert.match(second.head, /filename="raw"/, 'no file name: the property name');
  assert.deepEqual(new Uint8Array(second.data), BYTES);
});

test('a downloaded file item can be sent on as it is', async () => {
  received.length = 0;
  const [downloaded] = await run({ parameters: { resource: 'File', operation: 'file-get-file', fileId: 'file-9' } });
  assert.equal(downloaded.binary.fileName, 'logo.png');
  await run({ parameters: upload(undefined), items: [downloaded] });
  const [part] = parts(received[1].body, received[1].headers['content-type']);
  assert.match(part.head, /filename="logo.png"\r\nContent-Type: image\/png$/);
  assert.deepEqual(new Uint8Array(part.data), BYTES);
});

test('a missing binary property is named with the field and item, and nothing is sent', async () => {
  received.length = 0;
  await assert.rejects(
    run({
      parameters: [upload('scan'), upload('scan')],
      items: [{ json: {}, binary: { scan: { data: BYTES } } }, { json: {}, binary: { other: { data: BYTES } } }],
    }),
    (error) => {
      assert.equal(error.kind, 'input');
      assert.equal(error.itemIndex, 1);
      assert.match(error.message, /"File \(Input Binary Field\)" of item 1/);
      assert.match(error.message, /"scan", which the input item lacks \(it has: other\)/);
      return true;
    },
  );
  assert.equal(received.length, 0);
});

test('binary data that is not bytes is refused before anything runs', async () => {
  await assert.rejects(
    run({ parameters: upload('scan'), items: [{ json: {}, binary: { scan: { data: 42 } } }] }),
    /items\[0\]\.binary\.scan\.data must be a Uint8Array, an ArrayBuffer or Base64 text/,
  );
});
