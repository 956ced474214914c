/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** An n8n node description (`INodeTypeDescription`), as JSON. */
export interface NodeDescription {
  name: string;
  displayName: string;
  description?: string;
  icon?: string | { light: string; dark: string };
  version: number | number[];
  credentials?: Array<{ name: string; required?: boolean; [key: string]: unknown }>;
  properties: Array<{ name: string; displayName: string; type: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** An n8n credential type description (`ICredentialType`), as JSON, without `authenticate`. */
export interface CredentialDescription {
  name: string;
  displayName: string;
  documentationUrl?: string;
  properties: Array<{ name: string; displayName: string; type: string; [key: string]: unknown }>;
  test?: unknown;
  extends?: string[];
  [key: string]: unknown;
}

/** An input item; a plain object without `json` is taken as the item's json. */
export interface InputItem {
  json: JsonObject;
  /**
   * Files the item carries, by binary property name, as in n8n: `{ data: { data: bytes, mimeType, fileName } }`.
   * A file field of an operation (e.g. `file` of "Create File") names the property to send; it is read
   * only if sent. A file output item's own `binary` may be passed as it is (it becomes property `data`).
   */
  binary?: Record<string, InputFile> | BinaryFile;
}

/** A file to send. */
export interface InputFile {
  /** The bytes, or Base64 text of them. */
  data: Uint8Array | ArrayBuffer | string;
  /** Default `"application/octet-stream"`. */
  mimeType?: string;
  /** Default: the binary property's name. */
  fileName?: string;
}

/** A file the service answered with (any answer that is not JSON: a PDF, an image, plain text, …). */
export interface BinaryFile {
  /** The bytes as received. */
  data: Uint8Array;
  /** From the answer's Content-Type (parameters dropped), e.g. `"application/pdf"`; `"application/octet-stream"` if none. */
  mimeType: string;
  /** From the answer's Content-Disposition when it names one, else `<operation>.<extension>`. */
  fileName: string;
  /** `data.byteLength`. */
  fileSize: number;
}

/**
 * An output item. With `continueOnFail`, a failed item's json is `{ error, description, httpCode }`.
 * An answer without a body gives `{ success: true }`; a file answer gives json
 * `{ fileName, mimeType, fileSize }` and the file itself in `binary`.
 */
export interface OutputItem {
  json: JsonObject;
  /** Present only for file answers. */
  binary?: BinaryFile;
  pairedItem: { item: number };
}

export interface RetryOptions {
  /** How often a 429 (any method) or 503 and lost answers (idempotent methods) are retried. 0–10, default 3. */
  maxRetries?: number;
  /** First back-off delay in milliseconds (doubling each time). 0–60000, default 1000. */
  baseDelayMs?: number;
  /** The longest single wait; a Retry-After asking for more is reported instead. 0–600000, default 30000. */
  maxDelayMs?: number;
}

export interface ExecuteOptions {
  /** Node name, e.g. `"mittwald"` (see `nodes()`). */
  node: string;
  /**
   * Node parameters: one object used for every item, or an array with one object per item.
   * Default `{}`.
   */
  parameters?: JsonObject | JsonObject[];
  /**
   * Input items. Default: `[{ json: {} }]`, or one empty item per entry when `parameters` is an array.
   */
  items?: Array<InputItem | JsonObject>;
  /** Credential values (fields of the node's credential type), or null for none. */
  credentials?: JsonObject | null;
  /** Overrides the API base URL (e.g. a mock server). */
  baseUrl?: string;
  /** Turn failed items into error items instead of rejecting. Default false. */
  continueOnFail?: boolean;
  retry?: RetryOptions;
  /** Milliseconds one request may take, answer included. 1–3600000, default 60000. */
  timeout?: number;
  /** Milliseconds one item may take in all (requests, retries, waits). Default 600000. */
  itemTimeout?: number;
  /** The largest answer accepted, in bytes. Default 67108864 (64 MiB). */
  maxResponseBytes?: number;
  /** Return All stops with an error after this many pages. Default 1000. */
  maxPages?: number;
  /** Return All stops with an error after this many results. Default 100000. */
  maxItems?: number;
  /**
   * Most items in progress at once for the whole run. 1–100, default 32. Requests in flight follow an
   * adaptive limit up to this, which shrinks on 429/503; output order is input order whatever it is.
   */
  concurrency?: number;
  /** Items per batch: a batch starts only after the one before has finished. 0–100000, default 0 (no batches). */
  batchSize?: number;
  /** Milliseconds to wait after a batch has finished before the next one starts. 0–3600000, default 0. */
  batchInterval?: number;
}

/** An item whose side effect completed before the run stopped: its index and its output json. */
export interface CarriedOutItem {
  item: number;
  json: JsonObject;
}

/** Thrown by `execute` when an item (or the vendor API) fails and `continueOnFail` is off. */
export declare class NodeExecutionError extends Error {
  name: 'NodeExecutionError';
  /** `input`: invalid parameters; `api`: the vendor answered with an error; `internal`: anything else. */
  kind: 'input' | 'api' | 'internal';
  /** Index of the failing item. */
  itemIndex: number | null;
  /** HTTP status of the vendor answer, as a string (e.g. `"429"`). */
  httpCode: string | null;
  description: string | null;
  /** Why no usable answer came, when that is known. */
  reason: 'redirect' | 'timeout' | 'refused' | 'reset' | 'dns' | 'unreachable' | 'tls' | 'bad-url' | 'too-large' | 'network' | null;
  /** The request may have reached the service and been carried out: check before sending it again. */
  possiblyCarriedOut: boolean;
  /** What a side effect of this item (an order, a create) answered before a later step failed: it happened. */
  created: JsonValue | null;
  /**
   * Other items whose side effects (an order, a create) completed before the run stopped: they
   * happened, so do not run those items again. `null` when there were none.
   */
  carriedOut: CarriedOutItem[] | null;
}

/** Descriptions of all nodes (a fresh copy on every call). */
export declare function nodes(): NodeDescription[];

/** Descriptions of all credential types (a fresh copy on every call). */
export declare function credentials(): CredentialDescription[];

/** The HTTP headers that authenticate a request with these credentials. Throws if a field is missing. */
export declare function credentialHeaders(credentialType: string, credentials: JsonObject): Record<string, string>;

/** Runs a node on items and resolves to its output items. Uses the global `fetch`. */
export declare function execute(options: ExecuteOptions): Promise<OutputItem[]>;


export interface SearchOptions {
  /** Node name, e.g. `"mittwald"`. */
  node: string;
  /** The picker's list method (a resource-locator mode's `typeOptions.searchListMethod`), e.g. `"searchProjects"`. */
  method: string;
  /** Text to narrow the list by. */
  filter?: string;
  /** The token of the previous page, to get the next one. */
  paginationToken?: string;
  credentials?: JsonObject | null;
  baseUrl?: string;
  /**
   * The form's other values, for a list that belongs to a record chosen there: a product's editions
   * (`{ applicationId }`), an extension's scopes (`{ extensionId }`, method `listExtensionScopes`).
   */
  parameters?: JsonObject;
}

export interface SearchEntry {
  name: string;
  value: string;
  url?: string;
}

/** One page of a picker's list; `paginationToken` is set while more pages exist. */
export declare function search(
  options: SearchOptions,
): Promise<{ results: SearchEntry[]; paginationToken?: string }>;

export interface PollOptions {
  /** A polling trigger's node name (its description has `polling: true`), e.g. `"appDirectTrigger"`. */
  node: string;
  /** The trigger's parameters (e.g. `{ eventTypes: ['SUBSCRIPTION_ORDER'], includePastEvents: false }`). Default `{}`. */
  parameters?: JsonObject;
  /**
   * Credential values of the node's credential type. For OAuth2 client credentials (AppDirect:
   * `{ marketplaceUrl, clientId, clientSecret, scope }`) the module fetches and caches the token itself.
   */
  credentials?: JsonObject | null;
  /** Overrides the API base URL (e.g. a mock server). */
  baseUrl?: string;
  /**
   * The `state` the previous poll returned; leave it out (or null) on the first poll, which then emits
   * nothing (unless `includePastEvents`) and only marks the newest event there is.
   */
  state?: JsonValue;
  /** The wall clock, epoch milliseconds. Default `Date.now()`. */
  now?: number;
  /** A test run: returns the newest events (at most 10) and the state unchanged. Default false. */
  manual?: boolean;
}

export interface PollResult {
  /** The new events, oldest first, each once (the service's event objects). */
  items: JsonObject[];
  /** Keep this and pass it as `state` to the next poll (plain JSON: store it as it is). */
  state: JsonValue;
}

/**
 * One poll of a polling trigger: the events since `state`, oldest first, and the state to pass to the
 * next poll. Rejects with a `NodeExecutionError`; then keep the state you passed.
 */
export declare function poll(options: PollOptions): Promise<PollResult>;
