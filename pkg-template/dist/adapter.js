'use strict';
// What both hosts (n8n.js, index.js) send to and read from the wasm module (docs/boundary.md), so the
// two cannot drift apart. Host-specific parts come in as arguments: how a file's bytes are read, what
// a downloaded file becomes, which error class is thrown. Loads nothing, so plain JS never needs n8n.

/** The values of `source` named in `names` that are given (not null/undefined), or undefined if none. */
function given(source, names) {
  const picked = {};
  for (const name of names) {
    if (source[name] !== undefined && source[name] !== null) picked[name] = source[name];
  }
  return Object.keys(picked).length > 0 ? picked : undefined;
}

/** An item's binary properties as the module sees them: described, without contents (read on send). */
function describeBinary(binary) {
  const described = {};
  for (const [name, file] of Object.entries(binary || {})) {
    if (!file || typeof file !== 'object') continue;
    described[name] = { mimeType: file.mimeType, fileName: file.fileName, fileSize: file.fileSize };
  }
  return described;
}

/**
 * The ExecuteRequest. `items` are `{ json, parameters, binary }` with the host's binary properties.
 * Optional fields are left out unless given: the module applies its defaults, and an older module
 * never sees a field it does not know.
 */
function executeRequest({ node, items, credentials, continueOnFail, baseUrl, retry, limits, pace }) {
  const request = {
    node,
    items: items.map((item) => ({ json: item.json, parameters: item.parameters, binary: describeBinary(item.binary) })),
    credentials: credentials ?? null,
    continueOnFail: Boolean(continueOnFail),
  };
  if (baseUrl !== undefined && baseUrl !== null) request.baseUrl = String(baseUrl);
  if (retry !== undefined && retry !== null) request.retry = retry;
  if (limits) request.limits = limits;
  if (pace) request.pace = pace;
  return request;
}

/**
 * The Host's `binary(itemIndex, property)`: the file's description comes from the request,
 * its bytes from `readFile(itemIndex, property)` — only when a request sends it.
 */
function binaryReader(request, readFile) {
  return async (itemIndex, property) => {
    const described = request.items[itemIndex]?.binary;
    if (!described || !Object.prototype.hasOwnProperty.call(described, property)) {
      throw new Error(`item ${itemIndex} has no binary property "${property}"`);
    }
    const { mimeType, fileName } = described[property];
    return { data: await readFile(itemIndex, property), mimeType, fileName };
  };
}

/**
 * The output items of an ExecuteResult. A file answer's bytes come beside the JSON (`files[binary.file]`);
 * `toBinary(bytes, { mimeType, fileName, fileSize })` makes the host's `binary` member of them.
 */
function outputItems(result, files, toBinary) {
  return Promise.all(
    result.items.map(async (item) => {
      if (!item.binary) return item;
      const { file, mimeType, fileName, fileSize } = item.binary;
      const binary = await toBinary(files[file], { mimeType, fileName, fileSize });
      return { json: item.json, binary, pairedItem: item.pairedItem };
    }),
  );
}

/** The search request of one picker page; `parameters` are the form's current values (dependent lists). */
function searchRequest({ node, method, filter, paginationToken, credentials, baseUrl, parameters }) {
  return {
    parameters: parameters ?? {},
    node,
    method,
    filter: filter ?? null,
    paginationToken: paginationToken ?? null,
    credentials: credentials ?? null,
    baseUrl: baseUrl ?? null,
  };
}

/** One page of a picker's list from the search result's JSON; an error becomes `toError(error)`, thrown. */
function searchPage(resultJson, toError) {
  const result = JSON.parse(resultJson);
  if (result.error) throw toError(result.error);
  return { results: result.results, paginationToken: result.paginationToken };
}

module.exports = { given, describeBinary, executeRequest, binaryReader, outputItems, searchRequest, searchPage };
