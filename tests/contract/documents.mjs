// A node's OpenAPI documents as build.rs reads them, and what a Prism per document needs:
//
//   - `loadDocuments(folder)` mirrors build.rs `documents()`/`apply()`: `<folder>/openapi.json` and every
//     `.json`/`.yml`/`.yaml` file of `<folder>/openapi/`, sorted by path, parsed, then the JSON-pointer
//     edits of `<folder>/openapi-overrides.json` applied ({file, op: replace|add|remove, path, value?,
//     why}; an edit whose target is missing, or an `add` over an existing key, fails as it fails the build).
//     YAML is read with js-yaml's CORE schema (YAML 1.2 core, like serde_yaml_ng: no timestamps, no
//     yes/no booleans).
//   - `mockDocument(doc)`: the copy Prism serves. `servers` removed (Prism then serves each path at its
//     key, and the proxy strips the `/api` the runtime puts before it), and path keys with a `#fragment`
//     (several operations the vendor serves on one path, told apart by the body) merged into the plain
//     key: one operation whose body is `oneOf` the operations' bodies. The fragments are returned, with
//     the body values (single-value enums) that tell each operation apart, for the route table.
//   - `RouteTable`: method + path template → { target, operationId, query (the declared query
//     parameters) }, most specific template first (a literal segment beats a `{parameter}` at the first
//     position they differ), as Prism routes.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ensurePrism } from './prism.mjs';
import { SpecInputs } from './inputs.mjs';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];

/** The folder's documents as [{ name, doc }], overrides applied (build.rs `documents()`). */
export async function loadDocuments(folder) {
  await ensurePrism(); // js-yaml is installed with Prism (tests/contract/package.json)
  const yaml = createRequire(import.meta.url)('js-yaml');
  const files = [path.join(folder, 'openapi.json')];
  const sub = path.join(folder, 'openapi');
  if (fs.existsSync(sub)) files.push(...fs.readdirSync(sub).map((f) => path.join(sub, f)));
  const kept = files.filter((f) => fs.existsSync(f) && fs.statSync(f).isFile() && /\.(json|ya?ml)$/.test(f)).sort();
  const documents = kept.map((file) => {
    const text = fs.readFileSync(file, 'utf8');
    const doc = file.endsWith('.json') ? JSON.parse(text) : yaml.safeLoad(text, { schema: yaml.CORE_SCHEMA, filename: file });
    return { name: path.basename(file), doc };
  });
  const overrides = path.join(folder, 'openapi-overrides.json');
  if (fs.existsSync(overrides)) {
    const { edits } = JSON.parse(fs.readFileSync(overrides, 'utf8'));
    if (!Array.isArray(edits)) throw new Error(`${overrides} has no "edits" list`);
    for (const edit of edits) applyEdit(documents, edit);
  }
  return documents;
}

const unescape = (token) => token.replace(/~1/g, '/').replace(/~0/g, '~');

/** One override (build.rs `apply()`): the pointer's parent must exist and be an object. */
export function applyEdit(documents, edit) {
  for (const key of ['file', 'op', 'path', 'why']) if (typeof edit[key] !== 'string') throw new Error(`override ${JSON.stringify(edit)} has no "${key}"`);
  const { file, op, path: pointer } = edit;
  const entry = documents.find((d) => d.name === file);
  if (!entry) throw new Error(`override names ${file}, which is not a spec document`);
  const at = pointer.lastIndexOf('/');
  if (at < 0) throw new Error(`override path ${pointer}`);
  const parent = pointer.slice(0, at);
  const key = unescape(pointer.slice(at + 1));
  let target = entry.doc;
  if (parent !== '') {
    if (!parent.startsWith('/')) throw new Error(`override: ${file} has no ${parent}`);
    for (const token of parent.slice(1).split('/').map(unescape)) {
      target = target !== null && typeof target === 'object' && Object.hasOwn(target, token) ? target[token] : undefined;
      if (target === undefined) throw new Error(`override: ${file} has no ${parent}`);
    }
  }
  if (target === null || typeof target !== 'object' || Array.isArray(target)) throw new Error(`override: ${file} ${parent} is not an object`);
  switch (op) {
    case 'remove':
      if (!Object.hasOwn(target, key)) throw new Error(`override: ${file} has no ${pointer} to remove`);
      delete target[key];
      break;
    case 'replace':
      if (!Object.hasOwn(target, key)) throw new Error(`override: ${file} has no ${pointer} to replace`);
      target[key] = structuredClone(edit.value);
      break;
    case 'add':
      if (Object.hasOwn(target, key)) throw new Error(`override: ${file} already has ${pointer}; use replace`);
      target[key] = structuredClone(edit.value);
      break;
    default:
      throw new Error(`override op ${op} (replace, add or remove)`);
  }
}

/**
 * The document Prism serves (see the header), and its fragment operations:
 * { doc, fragments: [{ method, path (plain), operations: [{ id, key (the fragment path key), tells: {field: value} }] }] }.
 */
export function mockDocument(source) {
  const doc = structuredClone(source);
  delete doc.servers;
  const inputs = new SpecInputs(doc);
  const groups = new Map();
  for (const [key, item] of Object.entries(doc.paths ?? {})) {
    if (!key.includes('#')) continue;
    const plain = key.slice(0, key.indexOf('#'));
    for (const method of METHODS) {
      if (!item[method]) continue;
      const group = groups.get(`${method} ${plain}`) ?? { method, path: plain, members: [] };
      group.members.push({ key, item, op: item[method] });
      groups.set(`${method} ${plain}`, group);
    }
  }
  const fragments = [];
  for (const { method, path: plain, members } of groups.values()) {
    if (doc.paths[plain]?.[method]) throw new Error(`${method.toUpperCase()} ${plain} is both a plain path key and a fragment's`);
    const parameters = new Map();
    for (const { item, op } of members) {
      for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
        const param = inputs.resolve(p);
        const id = `${param.in}:${param.name}`;
        if (parameters.has(id) && JSON.stringify(parameters.get(id)) !== JSON.stringify(param)) {
          throw new Error(`${plain}: fragments declare ${id} differently; merge by hand`);
        }
        parameters.set(id, param);
      }
    }
    const bodies = members.map(({ op }) => (op.requestBody ? inputs.resolve(op.requestBody) : null));
    const merged = {
      operationId: members.map(({ op }) => op.operationId).join('+'),
      tags: members[0].op.tags,
      summary: `${members.length} operations told apart by the body: ${members.map(({ op }) => op.operationId).join(', ')}`,
      parameters: [...parameters.values()],
      responses: {},
    };
    if (bodies.some(Boolean)) {
      const types = [...new Set(bodies.flatMap((b) => Object.keys(b?.content ?? {})))];
      merged.requestBody = {
        required: bodies.every((b) => b?.required === true),
        content: Object.fromEntries(
          types.map((type) => {
            const schemas = bodies.map((b) => b?.content?.[type]?.schema).filter(Boolean);
            return [type, { schema: schemas.length === 1 ? schemas[0] : { oneOf: schemas } }];
          }),
        ),
      };
    }
    for (const { op } of members) for (const [code, answer] of Object.entries(op.responses ?? {})) merged.responses[code] ??= answer;
    doc.paths[plain] = { ...(doc.paths[plain] ?? {}), [method]: merged };
    fragments.push({
      method: method.toUpperCase(),
      path: plain,
      operations: members.map(({ key, op }, i) => ({ id: op.operationId, key, tells: tellsOf(inputs, bodies[i]) })),
    });
  }
  for (const key of Object.keys(doc.paths ?? {})) if (key.includes('#')) delete doc.paths[key];
  return { doc, fragments };
}

/** The body fields whose schema allows one value only (a one-entry enum or a const), and that value. */
function tellsOf(inputs, body) {
  const schema = body?.content?.['application/json']?.schema;
  if (!schema) return {};
  const flat = inputs.flatten(schema);
  const tells = {};
  for (const [name, prop] of Object.entries(flat.properties ?? {})) {
    const p = inputs.flatten(prop);
    if ('const' in p) tells[name] = p.const;
    else if (Array.isArray(p.enum) && p.enum.length === 1) tells[name] = p.enum[0];
  }
  return tells;
}

/** Method + path template → where a request goes. */
export class RouteTable {
  constructor() {
    this.routes = [];
  }

  /** `fragment`: for a path shared by several operations, [{ id, tells }] to pick one by the body. */
  add({ method, path: template, target, operationId, fragment, file, query = [] }) {
    const segments = template.split('/').slice(1);
    const clash = this.routes.find((r) => r.method === method && r.segments.length === segments.length && r.segments.every((s, i) => (isParam(s) && isParam(segments[i])) || s === segments[i]));
    if (clash) throw new Error(`${method} ${template} (${file}) is also ${clash.method} ${clash.template} (${clash.file}); one route, two documents`);
    this.routes.push({ method, template, segments, target, operationId, fragment, file, query: new Set(query) });
  }

  /** The route of `method` `pathname` (no query), or null. Literal segments win over parameters, leftmost first. */
  match(method, pathname) {
    const parts = pathname.split('/').slice(1);
    const fits = this.routes.filter(
      (r) => r.method === method && r.segments.length === parts.length && r.segments.every((s, i) => (isParam(s) ? parts[i] !== '' : s === parts[i])),
    );
    fits.sort((a, b) => {
      for (let i = 0; i < a.segments.length; i++) {
        const d = Number(isParam(a.segments[i])) - Number(isParam(b.segments[i]));
        if (d) return d;
      }
      return 0;
    });
    return fits[0] ?? null;
  }

  /** The operation a request to `route` is for: its id, the fragment's whose `tells` the JSON body has, or null. */
  static operationOf(route, bodyText) {
    if (!route.fragment) return route.operationId;
    let body;
    try {
      body = JSON.parse(bodyText);
    } catch {
      return null;
    }
    const fits = route.fragment.filter(({ tells }) => Object.entries(tells).every(([k, v]) => body?.[k] === v));
    return fits.length === 1 ? fits[0].id : null;
  }
}

const isParam = (segment) => /^\{[^}]+\}$/.test(segment);

/** Every operation of `doc` (a mock document), by method and path, with its declared query parameters, for the route table. */
export function routesOf(doc) {
  const inputs = new SpecInputs(doc);
  const list = [];
  for (const [key, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const query = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => inputs.resolve(p)).filter((p) => p.in === 'query').map((p) => p.name);
      list.push({ method: method.toUpperCase(), path: key, operationId: op.operationId, query });
    }
  }
  return list;
}
