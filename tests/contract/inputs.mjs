// Minimal valid inputs, built from the OpenAPI document itself (not from the code under test), and
// shaped for the node's n8n form as the built package describes it.
//
// Values: uuid → a fixed uuid, enum → its first value, numbers → minimum (else 1, kept ≤ maximum),
// strings → a fixed value per format, else one that matches `pattern` and min/maxLength, arrays →
// minItems entries, objects → their required (non-readOnly) properties, recursively; oneOf/anyOf →
// the first branch. Only what the spec requires: path parameters, required query/header parameters
// and the required fields of the (first variant of the) request body.
//
// `SpecInputs` reads one document (its `$ref`s resolve in it); `SpecSet` does the same for a node whose
// operations come from several documents (AppDirect), each operation's inputs from its own document.

/** The methods build.rs generates operations for, in its order. */
const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'];

export const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

const FORMAT_VALUES = {
  uuid: UUID,
  'date-time': '2026-01-31T12:00:00Z',
  date: '2026-01-31',
  time: '12:00:00Z',
  email: 'contract@example.com',
  'idn-email': 'contract@example.com',
  uri: 'https://example.com/contract',
  url: 'https://example.com/contract',
  'uri-reference': 'https://example.com/contract',
  hostname: 'example.com',
  'idn-hostname': 'example.com',
  'idn-dnsname': 'example.com',
  'naked-domain': 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
  byte: 'Y29udHJhY3Q=',
  base64: 'Y29udHJhY3Q=',
  'docker-network-port': '80/tcp',
};

export class SpecInputs {
  /** `file`: the document's name, kept on each operation (`op.file`). */
  constructor(doc, { file } = {}) {
    this.doc = doc;
    this.file = file;
  }

  resolve(value) {
    let v = value;
    const seen = new Set();
    while (v && typeof v === 'object' && typeof v.$ref === 'string') {
      if (seen.has(v.$ref)) throw new Error(`$ref cycle at ${v.$ref}`);
      seen.add(v.$ref);
      const ref = v.$ref;
      if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
      v = ref
        .slice(2)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((node, key) => node?.[key], this.doc);
      if (v === undefined) throw new Error(`dangling $ref ${ref}`);
    }
    return v;
  }

  /** `$ref`s followed and `allOf` parts merged (properties joined, required lists joined). */
  flatten(schema) {
    const s = this.resolve(schema) ?? {};
    if (!Array.isArray(s.allOf)) return s;
    const merged = { ...s };
    delete merged.allOf;
    const properties = { ...(s.properties ?? {}) };
    const required = [...(s.required ?? [])];
    for (const part of s.allOf) {
      const p = this.flatten(part);
      Object.assign(properties, p.properties ?? {});
      required.push(...(p.required ?? []));
      for (const [k, v] of Object.entries(p)) if (!['properties', 'required'].includes(k) && !(k in merged)) merged[k] = v;
    }
    if (Object.keys(properties).length) {
      merged.properties = properties;
      merged.type ??= 'object';
    }
    if (required.length) merged.required = [...new Set(required)];
    return merged;
  }

  /** The schema with its first oneOf/anyOf branch chosen (merged with what the parent says besides). */
  firstBranch(schema) {
    let s = this.flatten(schema);
    for (let depth = 0; depth < 10; depth++) {
      const branches = s.oneOf ?? s.anyOf;
      if (!Array.isArray(branches) || branches.length === 0) return s;
      const parent = { ...s };
      delete parent.oneOf;
      delete parent.anyOf;
      delete parent.discriminator;
      const branch = this.flatten(branches[0]);
      s = {
        ...parent,
        ...branch,
        properties: { ...(parent.properties ?? {}), ...(branch.properties ?? {}) },
        required: [...new Set([...(parent.required ?? []), ...(branch.required ?? [])])],
      };
      if (!Object.keys(s.properties).length) delete s.properties;
      if (!s.required.length) delete s.required;
    }
    return s;
  }

  /** The minimal valid value of `schema`. */
  minimal(schema, where = '', depth = 0) {
    if (depth > 30) throw new Error(`schema nesting too deep at ${where}`);
    const s = this.firstBranch(schema);
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    switch (typeOf(s)) {
      case 'string':
        return minimalString(s, where);
      case 'integer':
      case 'number':
        return minimalNumber(s);
      case 'boolean':
        return false;
      case 'array': {
        const n = s.minItems ?? 0;
        const items = [];
        for (let i = 0; i < n; i++) items.push(this.minimal(s.items ?? {}, `${where}[${i}]`, depth + 1));
        if (s.uniqueItems && n > 1 && new Set(items.map((x) => JSON.stringify(x))).size < n) {
          throw new Error(`cannot build ${n} distinct items at ${where}`);
        }
        return items;
      }
      case 'object': {
        const out = {};
        for (const name of this.requiredProperties(s)) {
          out[name] = this.minimal(s.properties?.[name] ?? {}, `${where}.${name}`, depth + 1);
        }
        return out;
      }
      default:
        return {};
    }
  }

  /** Required property names a client sends (readOnly ones are the server's). */
  requiredProperties(schema) {
    const s = this.flatten(schema);
    return (s.required ?? []).filter((name) => !this.flatten(s.properties?.[name] ?? {}).readOnly);
  }

  /** Every current operation: { id, tag, method, path, params, body, security, file } as the spec states it. */
  operations() {
    const list = [];
    for (const [route, item] of Object.entries(this.doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op || op.deprecated === true) continue;
        const params = new Map();
        for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])]) {
          const param = this.resolve(p);
          params.set(`${param.in}:${param.name}`, param);
        }
        let body = null;
        if (op.requestBody) {
          const rb = this.resolve(op.requestBody);
          const types = Object.keys(rb.content ?? {});
          const type = types.includes('application/json') ? 'application/json' : types[0];
          if (type) body = { required: rb.required === true, contentType: type, schema: rb.content[type].schema ?? {} };
        }
        list.push({
          id: op.operationId,
          tag: op.tags?.[0] ?? 'Misc',
          method: method.toUpperCase(),
          path: route,
          params: [...params.values()],
          body,
          security: op.security ?? this.doc.security ?? [],
          file: this.file,
        });
      }
    }
    return list;
  }

  /**
   * What the spec requires of a request to `op`, as { place, name, value }:
   * place ∈ path | query | header | body (a top-level body field) | wholeBody.
   */
  requiredInputs(op, { paginated }) {
    const inputs = [];
    for (const p of op.params) {
      if (p.in === 'cookie') continue;
      const required = p.in === 'path' || p.required === true;
      if (!required) continue;
      if (paginated && ['limit', 'skip', 'page'].includes(p.name)) continue;
      inputs.push({ place: p.in, name: p.name, value: this.minimal(p.schema ?? {}, `${p.in} ${p.name}`), deprecated: p.deprecated === true });
    }
    if (op.body) {
      const raw = this.flatten(op.body.schema);
      const variant = this.firstBranch(raw);
      if (typeOf(variant) === 'object' && variant.properties && Object.keys(variant.properties).length) {
        for (const name of this.requiredProperties(variant)) {
          inputs.push({ place: 'body', name, value: this.minimal(variant.properties[name], `body.${name}`) });
        }
      } else if (op.body.required) {
        inputs.push({ place: 'wholeBody', name: 'body', value: this.minimal(variant, 'body') });
      }
    }
    return inputs;
  }
}

/** Several documents read as one node's spec: `documents` is [{ name, doc }]; operation ids must be unique across them. */
export class SpecSet {
  constructor(documents) {
    this.byFile = new Map(documents.map(({ name, doc }) => [name, new SpecInputs(doc, { file: name })]));
  }

  /** The document of `op` (from `operations()`). */
  inputsOf(op) {
    const spec = this.byFile.get(op.file);
    if (!spec) throw new Error(`operation ${op.id} names no document of the set (${op.file})`);
    return spec;
  }

  operations() {
    const list = [...this.byFile.values()].flatMap((spec) => spec.operations());
    const seen = new Map();
    for (const op of list) {
      if (seen.has(op.id)) throw new Error(`operationId ${op.id} is in both ${seen.get(op.id)} and ${op.file}`);
      seen.set(op.id, op.file);
    }
    return list;
  }

  requiredInputs(op, options) {
    return this.inputsOf(op).requiredInputs(op, options);
  }
}

function typeOf(s) {
  if (typeof s.type === 'string') return s.type;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  if (typeof s.format === 'string' && FORMAT_VALUES[s.format]) return 'string';
  return undefined;
}

function minimalNumber(s) {
  let n;
  if (typeof s.minimum === 'number') n = s.exclusiveMinimum === true ? s.minimum + 1 : s.minimum;
  else if (typeof s.exclusiveMinimum === 'number') n = s.exclusiveMinimum + 1;
  else n = 1;
  if (typeof s.maximum === 'number' && n > s.maximum) n = s.maximum;
  if (typeof s.multipleOf === 'number' && n % s.multipleOf !== 0) n = Math.ceil(n / s.multipleOf) * s.multipleOf;
  if (s.type === 'integer') n = Math.ceil(n);
  return n;
}

function minimalString(s, where) {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Infinity;
  const fits = (text) => {
    const length = [...text].length;
    return length >= min && length <= max && (!s.pattern || new RegExp(s.pattern, 'u').test(text));
  };
  const candidates = [];
  if (FORMAT_VALUES[s.format]) candidates.push(FORMAT_VALUES[s.format]);
  else {
    candidates.push('contract');
    if (s.pattern) candidates.push(...fromPattern(s.pattern, min));
    candidates.push('a'.repeat(Math.max(min, 1)));
  }
  for (const c of candidates) {
    if (fits(c)) return c;
    const padded = c.length < min ? c + 'a'.repeat(min - [...c].length) : c;
    if (fits(padded)) return padded;
    if (max < Infinity && fits(c.slice(0, max))) return c.slice(0, max);
  }
  throw new Error(`cannot build a string for ${where} (${JSON.stringify(s)})`);
}

// ---------------------------------------------------------------------------------------------------
// A shortest-string generator for the simple regular expressions OpenAPI documents use: anchors,
// literals, escapes (\d \w \s \. …), [classes] with ranges, groups, alternation, ? * + {m,n}.
// Returns a few candidates (each alternative's shortest string, plus one stretched to minLength).

function fromPattern(pattern, minLength) {
  try {
    const ast = parseAlt(new Cursor(pattern));
    return [build(ast, 0), build(ast, minLength)].filter((x, i, all) => all.indexOf(x) === i);
  } catch {
    return [];
  }
}

class Cursor {
  constructor(text) {
    this.chars = [...text];
    this.i = 0;
  }
  peek() {
    return this.chars[this.i];
  }
  next() {
    return this.chars[this.i++];
  }
  done() {
    return this.i >= this.chars.length;
  }
}

function parseAlt(c) {
  const branches = [parseSeq(c)];
  while (c.peek() === '|') {
    c.next();
    branches.push(parseSeq(c));
  }
  return { alt: branches };
}

function parseSeq(c) {
  const seq = [];
  while (!c.done() && c.peek() !== '|' && c.peek() !== ')') {
    let atom = parseAtom(c);
    if (atom === null) continue;
    let min = 1;
    let max = 1;
    const q = c.peek();
    if (q === '?') [min, max] = [0, 1];
    else if (q === '*') [min, max] = [0, Infinity];
    else if (q === '+') [min, max] = [1, Infinity];
    if (q === '?' || q === '*' || q === '+') c.next();
    else if (q === '{') {
      const save = c.i;
      c.next();
      let spec = '';
      while (!c.done() && c.peek() !== '}') spec += c.next();
      c.next();
      const m = /^(\d+)(,(\d*))?$/.exec(spec);
      if (m) {
        min = Number(m[1]);
        max = m[2] ? (m[3] ? Number(m[3]) : Infinity) : min;
      } else {
        c.i = save;
        atom = { lit: c.next() };
      }
    }
    if (c.peek() === '?') c.next(); // lazy
    seq.push({ atom, min, max });
  }
  return { seq };
}

function parseAtom(c) {
  const ch = c.next();
  if (ch === '^' || ch === '$') return null;
  if (ch === '(') {
    if (c.peek() === '?') {
      c.next();
      c.next(); // ?: (other group kinds are not expected in a schema pattern)
    }
    const inner = parseAlt(c);
    if (c.next() !== ')') throw new Error('unbalanced group');
    return inner;
  }
  if (ch === '[') return parseClass(c);
  if (ch === '.') return { lit: 'a' };
  if (ch === '\\') return { lit: escapeChar(c.next()) };
  return { lit: ch };
}

function escapeChar(e) {
  return { d: '0', w: 'a', s: ' ', D: 'a', W: '-', S: 'a', n: '\n', t: '\t' }[e] ?? e;
}

function parseClass(c) {
  let negated = false;
  if (c.peek() === '^') {
    negated = true;
    c.next();
  }
  const members = [];
  let first = true;
  while (!c.done() && (c.peek() !== ']' || first)) {
    first = false;
    let ch = c.next();
    if (ch === '\\') ch = escapeChar(c.next());
    if (c.peek() === '-' && c.chars[c.i + 1] !== ']' && c.chars[c.i + 1] !== undefined) {
      c.next();
      let to = c.next();
      if (to === '\\') to = escapeChar(c.next());
      members.push([ch, to]);
    } else members.push([ch, ch]);
  }
  c.next(); // ]
  if (negated) {
    for (const candidate of ['a', '0', 'x', 'Z']) {
      if (!members.some(([a, b]) => candidate >= a && candidate <= b)) return { lit: candidate };
    }
    throw new Error('negated class excludes every candidate');
  }
  // Prefer a letter or digit member (stays clear of separators), else the first member.
  for (const pick of ['a', 'A', '0']) {
    if (members.some(([a, b]) => pick >= a && pick <= b)) return { lit: pick };
  }
  return { lit: members[0][0] };
}

/** The shortest string of `node`, stretched (through the first open-ended repetition) to `atLeast` characters. */
function build(node, atLeast) {
  let out = shortest(node);
  if ([...out].length >= atLeast) return out;
  // Grow by repeating open-ended atoms until long enough.
  return stretch(node, atLeast);
}

function shortest(node) {
  if (node.alt) {
    const options = node.alt.map(shortest);
    // The shortest non-empty alternative, else the empty one.
    const nonEmpty = options.filter((o) => o.length);
    return nonEmpty.length ? nonEmpty.sort((a, b) => a.length - b.length)[0] : '';
  }
  if (node.seq) return node.seq.map(({ atom, min }) => shortest(atom).repeat(min)).join('');
  return node.lit;
}

function stretch(node, atLeast) {
  if (node.alt) {
    const nonEmpty = node.alt.filter((b) => shortest(b).length);
    return stretch(nonEmpty[0] ?? node.alt[0], atLeast);
  }
  if (!node.seq) return node.lit;
  const parts = node.seq.map(({ atom, min }) => shortest(atom).repeat(min));
  let total = parts.join('').length;
  node.seq.forEach(({ atom, min, max }, i) => {
    const unit = shortest(atom);
    while (total < atLeast && unit.length && parts[i].length / unit.length < max) {
      parts[i] += unit;
      total += unit.length;
    }
  });
  return parts.join('');
}
