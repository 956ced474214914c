// The contract harness shared by the per-node contract tests (contract.test.mjs: mittwald,
// appdirect.test.mjs: AppDirect): each operation the node offers is executed once, through the
// built package's plain-JS `execute`, with a minimal valid input built from the node's OpenAPI
// document(s) (./inputs.mjs) placed into the node's form, against a recording proxy in front of
// Prism (./prism.mjs). Each operation is classified (CLASSES) from what the proxy recorded, and a
// Markdown report is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { CONTRACT_DIR, REPO_ROOT } from './prism.mjs';

const PER_OPERATION_TIMEOUT_MS = 15_000;
/** Marks a form note that means a required spec input could not be given at all. */
const MISSING = 'MISSING';

/** Failure classes, in report order. */
export const CLASSES = {
  pass: 'passed',
  allowed: 'a known, explained exception (the allow-list in the test file gives the reason); not a failure',
  'request-violation': 'Prism reported request violations (the request does not satisfy the spec)',
  'route-not-matched': 'Prism matched no route/method (wrong path or method)',
  misrouted: "the request reached a route, but one of another operation (the proxy's route table)",
  'not-acceptable': "the request's Accept header asks for a media type the operation does not answer with (Prism 406)",
  'no-request': 'execute sent no request',
  'input-error': 'execute rejected the minimal valid input (kind "input")',
  'answer-not-taken': 'Prism accepted the request and answered 2xx, but execute failed on that answer',
  'mock-error': 'Prism accepted the request but answered non-2xx (a mock limitation, not a request violation)',
  'form-mismatch': 'the node does not offer the operation, or its form has no field for an input the spec requires',
  'harness-error': 'the harness could not build an input or run the operation',
};

/**
 * The classes an allow-list entry may excuse: the request was sent and routed to its operation, and
 * what went wrong is explained. Never an unrouted or unsent request, an input error or a form gap.
 */
const ALLOWABLE = new Set(['request-violation', 'not-acceptable', 'answer-not-taken', 'mock-error']);

export function loadPackage() {
  const require = createRequire(import.meta.url);
  try {
    return require('../../pkg');
  } catch (err) {
    throw new Error(`the package is not built; run "node scripts/build.mjs" first (${err.message})`);
  }
}

const cap = (name) => name.charAt(0).toUpperCase() + name.slice(1);

/** The resource that offers each operation (from the `operation` pickers' displayOptions). */
export function resourcesOf(description) {
  const map = new Map();
  for (const picker of description.properties.filter((p) => p.name === 'operation')) {
    for (const option of picker.options) map.set(option.value, picker.displayOptions?.show?.resource?.[0]);
  }
  return map;
}

/** The form of one operation: its top-level properties (those whose displayOptions name it). */
function formOf(description, operationId) {
  return description.properties.filter((p) => (p.displayOptions?.show?.operation ?? []).includes(operationId));
}

/** Whether `prop` is shown for `params` (resource/operation already match; other conditions checked). */
function shown(prop, params, form) {
  const show = prop.displayOptions?.show ?? {};
  for (const [key, allowed] of Object.entries(show)) {
    if (key === 'resource' || key === 'operation') continue;
    const current = key in params ? params[key] : form.find((p) => p.name === key)?.default;
    if (!allowed.includes(current)) return false;
  }
  const hide = prop.displayOptions?.hide ?? {};
  for (const [key, denied] of Object.entries(hide)) {
    const current = key in params ? params[key] : form.find((p) => p.name === key)?.default;
    if (denied.includes(current)) return false;
  }
  return true;
}

/** A spec value in the shape the n8n property takes. */
function shaped(value, prop) {
  switch (prop.type) {
    case 'json':
      return JSON.stringify(value);
    case 'collection': {
      // An object the form offers field by field: each of the value's properties into its field.
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
      const fields = Object.entries(value).flatMap(([key, v]) => {
        const field = prop.options?.find((o) => o.name === key);
        return field ? [[key, shaped(v, field)]] : [];
      });
      return Object.fromEntries(fields);
    }
    case 'fixedCollection': {
      // A list of objects the form offers as entries: each element an entry, its required fields
      // in the entry and the rest in the entry's Additional Fields, as n8n stores them.
      if (!Array.isArray(value)) return value;
      const [group] = prop.options;
      const entries = value.map((element) => {
        if (!element || typeof element !== 'object' || Array.isArray(element)) return element;
        const entry = {};
        const optional = group.values.find((v) => v.name === 'additionalFields' && v.type === 'collection');
        for (const [key, v] of Object.entries(element)) {
          const direct = group.values.find((f) => f.name === key);
          const inner = optional?.options?.find((f) => f.name === key);
          if (direct) entry[key] = shaped(v, direct);
          else if (inner) entry.additionalFields = { ...(entry.additionalFields ?? {}), [key]: shaped(v, inner) };
        }
        return entry;
      });
      return { [group.name]: entries };
    }
    case 'multiOptions':
      return Array.isArray(value) ? value : [value];
    case 'number':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'resourceLocator': {
      // As n8n stores it: the "ID" mode with the id typed in.
      const mode = prop.modes?.find((m) => m.name === 'id') ?? prop.modes?.find((m) => m.type !== 'list') ?? prop.modes?.[0];
      return { __rl: true, mode: mode?.name ?? 'id', value: typeof value === 'string' ? value : JSON.stringify(value) };
    }
    case 'string':
      if (prop.typeOptions?.multipleValues) return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      return typeof value === 'string' ? value : JSON.stringify(value);
    default:
      return value;
  }
}

/** The parameters for `op` (from the spec) placed into its form; `notes` lists form mismatches. */
function parametersFor(op, resource, form, spec) {
  const notes = [];
  const binary = {};
  const params = { resource, operation: op.id };
  const variant = form.find((p) => p.name === 'bodyVariant');
  if (variant) params.bodyVariant = variant.options[0].value;
  const paginated = form.some((p) => p.name === 'returnAll');
  const active = () => form.filter((p) => shown(p, params, form));
  const used = new Set(['resource', 'operation', 'bodyVariant', 'returnAll', 'limit']);
  const inputs = spec.requiredInputs(op, { paginated });
  for (const input of inputs) {
    const names = input.place === 'wholeBody' ? ['body'] : [input.name, `${input.place}${cap(input.name)}`];
    const where = input.place === 'wholeBody' ? 'the whole body' : `${input.place} "${input.name}"`;
    const formOwn = (p) => p.name === 'additionalFields' || p.name === 'requestOptions';
    const top = active().find((p) => names.includes(p.name) && !formOwn(p) && !used.has(p.name));
    if (top && /\(Input Binary Field\)$/.test(top.displayName)) {
      // A file part: the field names a binary property of the input item, which carries the bytes.
      params[top.name] = `file_${top.name}`;
      binary[`file_${top.name}`] = { data: CONTRACT_FILE, mimeType: 'application/octet-stream', fileName: 'contract.bin' };
      used.add(top.name);
      continue;
    }
    if (top) {
      params[top.name] = shaped(input.value, top);
      used.add(top.name);
      if (!top.required) notes.push(`required ${where} is the top-level field "${top.name}" but that field is not marked required`);
      continue;
    }
    const collection = active().find((p) => p.name === 'additionalFields');
    const inner = collection?.options?.find((o) => names.includes(o.name));
    if (inner) {
      params.additionalFields = { ...(params.additionalFields ?? {}), [inner.name]: shaped(input.value, inner) };
      notes.push(`required ${where} is offered only under Additional Fields ("${inner.name}")`);
      continue;
    }
    notes.push(`${MISSING}: required ${where} has no field in the form (looked for ${names.map((n) => `"${n}"`).join(' / ')})`);
  }
  for (const p of active()) {
    if (p.required && !used.has(p.name)) {
      notes.push(`the form requires "${p.name}", which the spec does not require (sent its default)`);
      params[p.name] = p.default;
    }
  }
  return { params, notes, inputs, binary };
}

/** The bytes every file part sends: not UTF-8, so a body that treats files as text would be caught. */
const CONTRACT_FILE = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0xff, 0xfe, 0x00, 0x0a]);

/** The exchanges of the operation itself (not an auxiliary one such as an OAuth2 token request). */
const own = (exchanges) => exchanges.filter((x) => !x.auxiliary);

const requestViolationsOf = (exchanges) => exchanges.flatMap((x) => (x.violations ?? []).filter((v) => v.location?.[0] === 'request'));

/** Exchanges the route table sent to something other than `op` (only where the proxy has one). */
const misroutedOf = (op, exchanges) => own(exchanges).filter((x) => x.routedTo !== undefined && x.routedTo !== op.id);

function classify(op, outcome, exchanges, notes) {
  const requestViolations = requestViolationsOf(exchanges);
  const unrouted = exchanges.filter((x) => /NO_(PATH|METHOD)_MATCHED|NO_SERVER_MATCHED/.test(x.answer ?? '') || x.status === 0);
  if (requestViolations.length) return 'request-violation';
  if (unrouted.length) return 'route-not-matched';
  if (misroutedOf(op, exchanges).length) return 'misrouted';
  if (exchanges.some((x) => /NOT_ACCEPTABLE/.test(x.answer ?? ''))) return 'not-acceptable';
  const missing = notes.some((n) => n.startsWith(MISSING));
  if (outcome.error?.kind === 'input') return missing ? 'form-mismatch' : 'input-error';
  if (outcome.error?.harness) return 'harness-error';
  if (!own(exchanges).length) return outcome.error ? 'harness-error' : 'no-request';
  const non2xx = exchanges.filter((x) => x.status < 200 || x.status > 299);
  if (non2xx.length) return 'mock-error';
  if (outcome.error) return 'answer-not-taken';
  if (missing) return 'form-mismatch';
  return 'pass';
}

/** What kinds of input an operation's request exercised (for the report's coverage line). */
function coverageOf(op, inputs, parameters) {
  const label = { path: 'path params', query: 'required query params', header: 'required header params', body: 'required body fields', wholeBody: 'non-object body' };
  const kinds = new Set(inputs.map((i) => label[i.place]));
  if (op.body) kinds.add(op.body.contentType === 'application/json' ? 'json body' : `${op.body.contentType} body`);
  if (parameters?.bodyVariant) kinds.add('oneOf body (first variant)');
  if (inputs.some((i) => i.place === 'body' && i.value && typeof i.value === 'object')) kinds.add('nested body value');
  if (Object.values(parameters ?? {}).some((v) => v && typeof v === 'object' && v.__rl)) kinds.add('resource locator');
  if ('returnAll' in (parameters ?? {}) || op.params.some((p) => p.name === 'skip')) kinds.add('paginated (limit/skip)');
  if (op.security.length === 0) kinds.add('public (no security)');
  return [...kinds];
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no result within ${ms} ms`), { kind: 'timeout' })), ms);
    }),
  ]);
}

const SECRET_HEADERS = new Set(['x-access-token', 'authorization']);

function describeExchange(x) {
  const lines = [`${x.auxiliary ? `(${x.auxiliary}) ` : ''}${x.method} ${x.url} → ${x.status}${x.routedTo !== undefined && x.routedTo !== null ? ` [${x.routedTo}]` : ''}`];
  const headers = Object.entries(x.headers)
    .filter(([k]) => !['host', 'connection', 'content-length', 'accept-encoding', 'user-agent', 'sec-fetch-mode', 'accept-language'].includes(k))
    .map(([k, v]) => `${k}: ${SECRET_HEADERS.has(k) ? '(token)' : v}`);
  if (headers.length) lines.push(`  headers: ${headers.join('; ')}`);
  if (x.body && !x.auxiliary) lines.push(`  body: ${x.body.slice(0, 600)}`);
  for (const v of x.violations ?? []) lines.push(`  ${v.location?.[0] === 'request' ? 'VIOLATION' : 'response note'} [${v.severity}] ${(v.location ?? []).join('.')}: ${v.message}`);
  if (x.status >= 300 && !(x.violations ?? []).length) lines.push(`  answer: ${(x.answer ?? '').slice(0, 300)}`);
  return lines;
}

function mdEscape(text) {
  return String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Runs every operation of `spec` (a SpecInputs or SpecSet) through `execute` of node `node`.
 *
 * @param {object} o
 * @param {object} o.mp              the built package
 * @param {string} o.node            the node's name
 * @param {object} o.spec            SpecInputs / SpecSet: operations() and requiredInputs(op)
 * @param {object[]} [o.operations]  default spec.operations()
 * @param {object} o.proxy           the recording proxy (take())
 * @param {object} o.credentials     the credential values execute gets
 * @param {Record<string, string>} [o.handWritten]  operations the node offers that no document generates, with why they are not run
 * @param {Record<string, {result: string, match: RegExp, reason: string}>} [o.allow]
 *        known exceptions: operation id → the class it falls in, a pattern its reason must match, and why
 * @param {(op: object, o: {form: object[], parameters: object}) => string[]} [o.moreCoverage]
 *        further coverage labels of an operation, beside the shared ones
 * @returns {{ results: object[], missing: string[], runMs: number, staleAllows: string[] }}
 */
export async function runOperations({ mp, node, spec, operations = spec.operations(), proxy, credentials, handWritten = {}, allow = {}, moreCoverage }) {
  const description = mp.nodes().find((n) => n.name === node);
  assert.ok(description, `the package has no "${node}" node`);
  for (const [id, entry] of Object.entries(allow)) assert.ok(ALLOWABLE.has(entry.result), `allow-list entry ${id}: class ${entry.result} cannot be excused`);
  const resources = resourcesOf(description);
  const offered = [...resources.keys()];
  const specIds = new Set(operations.map((o) => o.id));
  const missing = operations.filter((o) => !offered.includes(o.id)).map((o) => o.id);
  const extra = offered.filter((id) => !specIds.has(id) && !(id in handWritten));
  const usedAllows = new Set();

  const started = Date.now();
  const results = [];
  for (const op of operations) {
    const form = formOf(description, op.id);
    const row = { id: op.id, file: op.file, method: op.method, path: op.path, details: [], requests: 0 };
    let parameters;
    let notes = [];
    let inputs = [];
    let binary = {};
    const outcome = {};
    if (!resources.has(op.id)) {
      row.result = 'form-mismatch';
      row.reason = 'the node does not offer this operation';
      results.push(row);
      continue;
    }
    try {
      ({ params: parameters, notes, inputs, binary } = parametersFor(op, resources.get(op.id), form, spec));
    } catch (err) {
      outcome.error = { harness: true, message: err.message };
    }
    proxy.take();
    if (!outcome.error) {
      try {
        const items = await withTimeout(
          mp.execute({
            node,
            parameters,
            items: [{ json: {}, binary }],
            credentials,
            continueOnFail: false,
            retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
          }),
          PER_OPERATION_TIMEOUT_MS,
        );
        outcome.items = items;
      } catch (err) {
        outcome.error = { kind: err.kind ?? 'thrown', message: err.message, httpCode: err.httpCode, description: err.description };
      }
    }
    const exchanges = proxy.take();
    row.requests = own(exchanges).length;
    row.result = classify(op, outcome, exchanges, notes);
    row.details.push(`parameters: ${JSON.stringify(parameters)}`);
    for (const n of notes) row.details.push(`form: ${n}`);
    for (const x of exchanges) row.details.push(...describeExchange(x));
    if (outcome.error) row.details.push(`execute threw (${outcome.error.kind}${outcome.error.httpCode ? `, HTTP ${outcome.error.httpCode}` : ''}): ${outcome.error.message}${outcome.error.description ? ` — ${String(outcome.error.description).slice(0, 300)}` : ''}`);
    const responseNotes = exchanges.flatMap((x) => (x.violations ?? []).filter((v) => v.location?.[0] !== 'request'));
    if (responseNotes.length) row.responseNotes = responseNotes.map((v) => `${(v.location ?? []).join('.')}: ${v.message}`).join('; ');
    const requestViolations = requestViolationsOf(exchanges);
    row.reason = {
      pass: '',
      'request-violation': requestViolations.map((v) => `${(v.location ?? []).join('.')}: ${v.message}`).join('; '),
      'route-not-matched': exchanges.map((x) => `${x.method} ${x.url} → ${x.status}`).join('; '),
      misrouted: misroutedOf(op, exchanges).map((x) => `${x.method} ${x.url} → ${x.routedTo ?? 'several operations'}`).join('; '),
      'not-acceptable': exchanges.map((x) => `accept: ${x.headers.accept} → ${x.status}`).join('; '),
      'no-request': 'execute resolved without sending anything',
      'input-error': outcome.error?.message,
      'answer-not-taken': `${outcome.error?.message} (Prism answered ${exchanges.map((x) => `${x.status} ${x.answerType}`).join(', ')})`,
      'mock-error': exchanges.map((x) => `${x.status}: ${(x.answer ?? '').slice(0, 200)}`).join('; '),
      'form-mismatch': notes.join('; ') + (outcome.error ? ` — execute: ${outcome.error.message}` : ''),
      'harness-error': outcome.error?.message ?? 'no request and no error',
    }[row.result];
    const allowed = allow[op.id];
    if (allowed && allowed.result === row.result && allowed.match.test(row.reason)) {
      usedAllows.add(op.id);
      row.details.unshift(`${row.result} (allowed): ${row.reason}`);
      row.allowedAs = row.result;
      row.result = 'allowed';
      row.reason = `${row.allowedAs} — ${allowed.reason}`;
    }
    row.summary = exchanges.map((x) => `${x.method} ${x.url} → ${x.status}`).join('; ') + (outcome.items ? ` → ${outcome.items.length} item(s)` : '');
    if (notes.length) row.formNotes = notes;
    row.coverage = coverageOf(op, inputs, parameters);
    if (moreCoverage) row.coverage.push(...moreCoverage(op, { form, parameters }));
    results.push(row);
  }
  for (const id of extra) results.push({ id, method: '', path: '', result: 'form-mismatch', reason: 'offered by the node but not a current operation of the spec', details: [], requests: 0 });
  for (const [id, why] of Object.entries(handWritten)) {
    if (offered.includes(id)) continue;
    results.push({ id, method: '', path: '', result: 'form-mismatch', reason: `listed as hand-written (${why}) but the node does not offer it`, details: [], requests: 0 });
  }
  const staleAllows = Object.keys(allow).filter((id) => !usedAllows.has(id));
  return { results, missing, runMs: Date.now() - started, staleAllows };
}

/** The Prism version installed in tests/contract. */
export function prismVersion() {
  return JSON.parse(fs.readFileSync(path.join(CONTRACT_DIR, 'node_modules', '@stoplight', 'prism-cli', 'package.json'), 'utf8')).version;
}

/**
 * Writes the Markdown report. `meta`: { title, intro: string[] (the lines under the title),
 * coverage, extraSections?: string[] (lines after the summary table) }.
 */
export function writeReport(reportPath, results, meta) {
  const counts = {};
  for (const r of results) counts[r.result] = (counts[r.result] ?? 0) + 1;
  const lines = [
    `# ${meta.title}`,
    '',
    ...meta.intro,
    '',
    '## Summary',
    '',
    `Inputs exercised (operations): ${Object.entries(meta.coverage).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '| Result | Operations |',
    '|---|---|',
    ...Object.keys(CLASSES)
      .filter((c) => counts[c])
      .map((c) => `| ${c === 'pass' ? 'pass' : `**${c}** — ${CLASSES[c]}`} | ${counts[c]} |`),
    '',
    ...(meta.extraSections ?? []),
  ];
  const failing = results.filter((r) => r.result !== 'pass' && r.result !== 'allowed');
  if (failing.length) {
    lines.push('## Failures', '');
    for (const cls of Object.keys(CLASSES).filter((c) => c !== 'pass' && c !== 'allowed')) {
      const group = failing.filter((r) => r.result === cls);
      if (!group.length) continue;
      lines.push(`### ${cls} (${group.length})`, '', CLASSES[cls], '');
      for (const r of group) {
        lines.push(`- \`${r.id}\` — ${r.method} ${r.path}: ${r.reason}`);
        lines.push('  ```', ...r.details.map((d) => `  ${d}`), '  ```');
      }
      lines.push('');
    }
  }
  const allowed = results.filter((r) => r.result === 'allowed');
  if (allowed.length) {
    lines.push('## Known exceptions (allow-listed, not failures)', '');
    for (const r of allowed) {
      lines.push(`- \`${r.id}\` — ${r.method} ${r.path}: ${r.reason}`);
      lines.push('  ```', ...r.details.map((d) => `  ${d}`), '  ```');
    }
    lines.push('');
  }
  const formNotes = results.filter((r) => r.formNotes && r.result === 'pass');
  if (formNotes.length) {
    lines.push(
      '## Form notes on passing operations (not failures)',
      '',
      'The request satisfied the spec, but the form places a required input differently from the',
      'conventions (required inputs are top-level fields marked required; optional ones sit in Additional Fields).',
      '',
      ...formNotes.map((r) => `- \`${r.id}\`: ${mdEscape(r.formNotes.join('; '))}`),
      '',
    );
  }
  const notes = results.filter((r) => r.responseNotes);
  if (notes.length) {
    lines.push(
      '## Prism notes on its own mock answers (not failures)',
      '',
      'Prism checks the answer it generates from the spec\'s examples against the response schema; these',
      'operations\' examples disagree with their schemas. Nothing the client sent is at fault.',
      '',
      ...notes.map((r) => `- \`${r.id}\`: ${mdEscape(r.responseNotes)}`),
      '',
    );
  }
  const withFile = results.some((r) => r.file);
  lines.push(
    '## All operations',
    '',
    `| # | operationId |${withFile ? ' Document |' : ''} Method | Path | Result | Requests | Detail |`,
    `|---|---|${withFile ? '---|' : ''}---|---|---|---|---|`,
  );
  results.forEach((r, i) => {
    const detail = r.result === 'pass' ? r.summary : r.reason;
    lines.push(`| ${i + 1} | \`${r.id}\` |${withFile ? ` ${r.file ?? ''} |` : ''} ${r.method} | \`${r.path}\` | ${r.result === 'pass' ? 'pass' : `**${r.result}**`} | ${r.requests} | ${mdEscape(detail)} |`);
  });
  fs.writeFileSync(reportPath, `${lines.join('\n')}\n`);
  return counts;
}

/** The coverage line's counts over `results`. */
export function coverageOfResults(results) {
  const coverage = {};
  for (const r of results) for (const k of r.coverage ?? []) coverage[k] = (coverage[k] ?? 0) + 1;
  return coverage;
}

/** Prints the one-line summary and fails on what `runOperations` found. */
export function assertContract({ label, results, counts, runMs, reportPath, missing, staleAllows = [] }) {
  const failing = results.filter((r) => r.result !== 'pass' && r.result !== 'allowed');
  const summary = Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  console.log(`${label}: ${results.length} operations, ${summary} (${(runMs / 1000).toFixed(1)} s) — report: ${path.relative(REPO_ROOT, reportPath)}`);
  assert.deepEqual(missing, [], 'every current spec operation is offered by the node');
  assert.equal(
    failing.length,
    0,
    `${failing.length} of ${results.length} operations failed the contract (see ${path.relative(REPO_ROOT, reportPath)}):\n` +
      failing
        .slice(0, 40)
        .map((r) => `  ${r.result}: ${r.id} — ${String(r.reason).slice(0, 200)}`)
        .join('\n'),
  );
  assert.deepEqual(staleAllows, [], 'every allow-list entry still matches a failure (remove the ones that no longer do)');
}
