//! Turns every vendor's OpenAPI spec into compact tables at build time (`<vendor>_openapi.bin` in
//! OUT_DIR, read by `src/openapi/tables.rs` into `src/openapi/spec.rs` types), so the shipped module
//! neither carries nor parses the spec. A vendor's spec is `nodes/<vendor>/openapi.json`, or every
//! `.json`/`.yml`/`.yaml` document in `nodes/<vendor>/openapi/` (one node from several files), with
//! the vendor's mends of them in `nodes/<vendor>/openapi-overrides.json` (JSON-pointer edits, each
//! with its reason). The tables are a DEFLATE-compressed stream of varints
//! and string-table indexes: a few dozen KB where Rust literals of the same tables took ~300 KB.
//!
//! Kept: current (non-deprecated) operations, their path/query/header parameters, JSON request bodies
//! (each `oneOf`/`anyOf` branch as a variant), the answer's kind, pagination, and every schema those
//! reach — flattened (`allOf` merged, `$ref` shared) to what validation and the n8n form need.
//!
//! Named here too, so the module carries names, not the rules that make them: each operation's name
//! (disambiguated among all of the node's), each resource's, each form field's label and each
//! option's, by the rules of `src/openapi/names.rs`, mended by the vendor's tables in
//! `nodes/<vendor>/names.rs` (plain `const` slices of string literals, which [`name_tables`] reads).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::{env, fs};

use serde_json::Value;

/// The naming rules (the crate's tests check them natively).
#[allow(dead_code)]
#[path = "src/openapi/names.rs"]
mod names;

/// The query parameters the paginator owns (`src/openapi/form.rs` leaves them out of the form).
const PAGING_PARAMS: [&str; 8] = ["limit", "count", "size", "pageSize", "skip", "offset", "start", "page"];
/// Names the form itself uses (`form.rs`, and node-wide: `node.rs`'s authentication choice and base URL,
/// `options.rs`'s request options); a spec field with one of these names is renamed.
const RESERVED: [&str; 9] = [
    "resource",
    "operation",
    "returnAll",
    "limit",
    "bodyVariant",
    "additionalFields",
    "authentication",
    "publicBaseUrl",
    "requestOptions",
];

/// In the order of `Method` in src/openapi/tables.rs.
const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "head"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=nodes");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut folders: Vec<PathBuf> = fs::read_dir("nodes")
        .expect("nodes/ exists")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let documents = documents(&folder);
        if documents.is_empty() {
            continue;
        }
        let name = folder.file_name().and_then(|n| n.to_str()).expect("folder name is UTF-8");
        // Without the `describe` feature (the package's wasm module) help texts stay out of the tables.
        let help = env::var_os("CARGO_FEATURE_DESCRIBE").is_some();
        let (overrides, hand_written) = name_tables(&folder);
        let tables = generate(&documents, help, &overrides, hand_written);
        let compressed = miniz_oxide::deflate::compress_to_vec(&tables, 10);
        fs::write(out_dir.join(format!("{name}_openapi.bin")), compressed).expect("OUT_DIR is writable");
    }
}

/// The folder's spec documents, by file name, with its overrides applied.
fn documents(folder: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = vec![folder.join("openapi.json")];
    if let Ok(entries) = fs::read_dir(folder.join("openapi")) {
        files.extend(entries.filter_map(|entry| Some(entry.ok()?.path())));
    }
    files.retain(|path| {
        path.is_file() && matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "yml" | "yaml"))
    });
    files.sort();
    let mut documents: Vec<(String, Value)> = files
        .iter()
        .map(|path| {
            println!("cargo:rerun-if-changed={}", path.display());
            let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let doc: Value = if path.extension().is_some_and(|e| e == "json") {
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            } else {
                serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            };
            (path.file_name().and_then(|n| n.to_str()).expect("UTF-8 file name").to_string(), doc)
        })
        .collect();
    let overrides = folder.join("openapi-overrides.json");
    if overrides.is_file() {
        println!("cargo:rerun-if-changed={}", overrides.display());
        let text = fs::read_to_string(&overrides).expect("overrides are readable");
        let edits: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", overrides.display()));
        for edit in edits["edits"].as_array().expect("overrides have an \"edits\" list") {
            apply(&mut documents, edit);
        }
    }
    documents
}

/// One override: `{file, op: "replace"|"add"|"remove", path: <JSON pointer>, value?, why}`. An edit
/// whose target is missing fails the build, so a changed spec cannot silently outgrow its mends.
fn apply(documents: &mut [(String, Value)], edit: &Value) {
    let field = |key: &str| edit[key].as_str().unwrap_or_else(|| panic!("override {edit} has no \"{key}\""));
    let (file, op, pointer) = (field("file"), field("op"), field("path"));
    field("why");
    let (_, doc) = documents
        .iter_mut()
        .find(|(name, _)| name == file)
        .unwrap_or_else(|| panic!("override names {file}, which is not a spec document"));
    let (parent, key) = pointer.rsplit_once('/').unwrap_or_else(|| panic!("override path {pointer}"));
    let key = key.replace("~1", "/").replace("~0", "~");
    let target = doc.pointer_mut(parent).unwrap_or_else(|| panic!("override: {file} has no {parent}"));
    let map = target.as_object_mut().unwrap_or_else(|| panic!("override: {file} {parent} is not an object"));
    match op {
        "remove" => {
            map.remove(&key).unwrap_or_else(|| panic!("override: {file} has no {pointer} to remove"));
        }
        "replace" => {
            let slot = map.get_mut(&key).unwrap_or_else(|| panic!("override: {file} has no {pointer} to replace"));
            *slot = edit["value"].clone();
        }
        "add" => {
            assert!(!map.contains_key(&key), "override: {file} already has {pointer}; use replace");
            map.insert(key, edit["value"].clone());
        }
        other => panic!("override op {other} (replace, add or remove)"),
    }
}

fn generate(
    documents: &[(String, Value)],
    help: bool,
    overrides: &names::Overrides,
    hand_written: &[(&str, &str)],
) -> Vec<u8> {
    let mut generator = Generator {
        doc: &documents[0].1,
        file: &documents[0].0,
        help,
        schemas: Vec::new(),
        by_ref: HashMap::new(),
        by_text: HashMap::new(),
    };
    let mut operations = Vec::new();
    for (file, doc) in documents {
        generator.doc = doc;
        generator.file = file;
        operations.extend(generator.operations());
    }
    // The form's order: resources alphabetically by tag, operations by summary within each (a
    // stable sort: equal summaries keep the spec's order); `openapi::resources` then orders each
    // resource's operations by the names it makes of the summaries.
    operations.sort_by(|a, b| (&a.tag, &a.summary).cmp(&(&b.tag, &b.summary)));
    name_operations(&mut operations, &generator.schemas, overrides, hand_written);
    // Layout (must match src/openapi/tables.rs): strings, schemas, operations.
    let mut strings = Strings::default();
    let mut body = Writer::default();
    body.uint(generator.schemas.len());
    for schema in &generator.schemas {
        schema.write(&mut body, &mut strings);
    }
    body.uint(operations.len());
    for operation in &operations {
        operation.write(&mut body, &mut strings);
    }
    let mut out = Writer::default();
    out.uint(strings.list.len());
    for text in &strings.list {
        out.uint(text.len());
        out.bytes.extend_from_slice(text.as_bytes());
    }
    out.bytes.extend_from_slice(&body.bytes);
    out.bytes
}

/// Unsigned LEB128 varints and raw bytes.
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn uint(&mut self, n: usize) {
        let mut n = n as u64;
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.bytes.push(low);
                return;
            }
            self.bytes.push(low | 0x80);
        }
    }

    fn flag(&mut self, b: bool) {
        self.bytes.push(b as u8);
    }

    /// `None` as 0, `Some(n)` as n + 1.
    fn option(&mut self, n: Option<usize>) {
        self.uint(n.map_or(0, |n| n + 1));
    }

    fn f64_option(&mut self, n: Option<f64>) {
        match n {
            Some(n) => {
                self.bytes.push(1);
                self.bytes.extend_from_slice(&n.to_le_bytes());
            }
            None => self.bytes.push(0),
        }
    }
}

/// Each distinct string once; the tables refer to it by index.
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Strings {
    fn put(&mut self, out: &mut Writer, text: &str) {
        let next = self.list.len();
        let index = *self.index.entry(text.to_string()).or_insert(next);
        if index == next {
            self.list.push(text.to_string());
        }
        out.uint(index);
    }

    fn put_all(&mut self, out: &mut Writer, texts: &[String]) {
        out.uint(texts.len());
        for text in texts {
            self.put(out, text);
        }
    }
}

struct Generator<'a> {
    doc: &'a Value,
    /// The document's file name: `$ref`s are per document.
    file: &'a str,
    /// Whether descriptions (help texts) are kept.
    help: bool,
    /// Schema records, indexed by SchemaId.
    schemas: Vec<SchemaRec>,
    by_ref: HashMap<String, usize>,
    /// Inline schemas with the same content share one id.
    by_text: HashMap<String, usize>,
}

#[derive(Debug, Default, Clone)]
struct SchemaRec {
    kind: u8,
    format: String,
    description: String,
    enumeration: Vec<String>,
    nullable: bool,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    min_items: Option<usize>,
    max_items: Option<usize>,
    items: Option<usize>,
    properties: Vec<(String, usize)>,
    required: Vec<String>,
    additional: Option<usize>,
    open: bool,
    one_of: Vec<usize>,
}

impl SchemaRec {
    fn write(&self, out: &mut Writer, strings: &mut Strings) {
        out.bytes.push(self.kind);
        strings.put(out, &self.format);
        strings.put(out, &self.description);
        strings.put_all(out, &self.enumeration);
        // What each value's option shows: a string's label, any other value's JSON text.
        let labels: Vec<String> = self
            .enumeration
            .iter()
            .map(|text| match serde_json::from_str::<Value>(text) {
                Ok(Value::String(value)) => names::label(&value),
                _ => text.clone(),
            })
            .collect();
        strings.put_all(out, &labels);
        out.flag(self.nullable);
        out.f64_option(self.minimum);
        out.f64_option(self.maximum);
        for limit in [self.min_length, self.max_length, self.min_items, self.max_items] {
            out.option(limit);
        }
        out.option(self.items);
        out.uint(self.properties.len());
        for (name, id) in &self.properties {
            strings.put(out, name);
            out.uint(*id);
        }
        // What each property shows as a field of a nested object's collection ("DNS Zone ID").
        let property_labels: Vec<String> = self.properties.iter().map(|(name, _)| names::label(name)).collect();
        strings.put_all(out, &property_labels);
        strings.put_all(out, &self.required);
        out.option(self.additional);
        out.flag(self.open);
        out.uint(self.one_of.len());
        for id in &self.one_of {
            out.uint(*id);
        }
    }
}

struct ParamRec {
    name: String,
    location: u8,
    required: bool,
    description: String,
    schema: usize,
}

struct BodyRec {
    content_type: String,
    required: bool,
    variants: Vec<VariantRec>,
}

struct VariantRec {
    /// The option's value, which saved workflows hold: never changes for a branch.
    label: String,
    /// What the option shows.
    title: String,
    schema: usize,
}

struct OperationRec {
    id: String,
    tag: String,
    summary: String,
    description: String,
    /// What the operation is called (see [`name_operations`]), and its resource.
    name: String,
    resource: String,
    /// The form's fields in its order: each one's name in the form and its label.
    fields: Vec<(String, String)>,
    method: u8,
    path: String,
    public: bool,
    params: Vec<ParamRec>,
    body: Option<BodyRec>,
    /// 0 object, 1 array, 2 empty, 3 binary (with `mime`), 4 the answer's headers (HEAD).
    answer: u8,
    mime: String,
    paging: PagingRec,
}

/// How a list operation pages (`paging::Strategy` in the runtime), as its parameters and answer show.
#[derive(Default)]
struct PagingRec {
    /// 0 none, 1 offset (size, position, total header), 2 numbered pages (size, page, first, total pages).
    kind: u8,
    size: String,
    position: String,
    total_header: String,
    first: usize,
    items_at: String,
    total_pages: String,
}

impl PagingRec {
    /// Whether the paginator sends this parameter: its own position and size, and any other common
    /// paging name (a second way to say the position, `page` beside `skip`, would only fight it).
    fn owns(&self, param: &ParamRec) -> bool {
        let name = param.name.as_str();
        self.kind != 0
            && param.location == 1
            && (PAGING_PARAMS.contains(&name) || name == self.position || name == self.size)
    }

    fn write(&self, out: &mut Writer, strings: &mut Strings) {
        out.bytes.push(self.kind);
        if self.kind == 0 {
            return;
        }
        for text in [&self.size, &self.position, &self.total_header, &self.items_at, &self.total_pages] {
            strings.put(out, text);
        }
        out.uint(self.first);
    }
}

impl OperationRec {
    fn write(&self, out: &mut Writer, strings: &mut Strings) {
        for text in [&self.id, &self.tag, &self.summary, &self.description, &self.name, &self.resource] {
            strings.put(out, text);
        }
        out.bytes.push(self.method);
        strings.put(out, &self.path);
        out.flag(self.public);
        out.uint(self.params.len());
        for param in &self.params {
            strings.put(out, &param.name);
            out.bytes.push(param.location);
            out.flag(param.required);
            strings.put(out, &param.description);
            out.uint(param.schema);
        }
        match &self.body {
            None => out.flag(false),
            Some(body) => {
                out.flag(true);
                strings.put(out, &body.content_type);
                out.flag(body.required);
                out.uint(body.variants.len());
                for variant in &body.variants {
                    strings.put(out, &variant.label);
                    strings.put(out, &variant.title);
                    out.uint(variant.schema);
                }
            }
        }
        out.uint(self.fields.len());
        for (name, label) in &self.fields {
            strings.put(out, name);
            strings.put(out, label);
        }
        out.bytes.push(self.answer);
        strings.put(out, &self.mime);
        self.paging.write(out, strings);
    }
}

impl<'a> Generator<'a> {
    fn help_text(&self, value: &Value) -> String {
        if self.help {
            text(value).to_string()
        } else {
            String::new()
        }
    }

    fn operations(&mut self) -> Vec<OperationRec> {
        let mut records = Vec::new();
        let paths = self.doc["paths"].as_object().expect("spec has paths");
        for (path, item) in paths {
            for (code, method) in METHODS.iter().enumerate() {
                let Some(operation) = item.get(*method) else { continue };
                if operation["deprecated"] == Value::Bool(true) {
                    continue;
                }
                records.push(self.operation(path, code as u8, item, operation));
            }
        }
        records
    }

    /// The path the spec's first server puts before every path (`/api` of `https://host/api`).
    fn base_path(&self) -> String {
        let url = self.doc["servers"][0]["url"].as_str().unwrap_or("");
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("", |at| &after_scheme[at..]);
        path.trim_end_matches('/').to_string()
    }

    fn operation(&mut self, path: &str, method: u8, item: &Value, operation: &Value) -> OperationRec {
        let id =
            operation["operationId"].as_str().unwrap_or_else(|| panic!("{path} has an operation without operationId"));
        let mut params = Vec::new();
        let declared = item["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(operation["parameters"].as_array().into_iter().flatten());
        for param in declared {
            let param = self.resolve(param);
            let location = match param["in"].as_str() {
                Some("path") => 0,
                Some("query") => 1,
                Some("header") => 2,
                _ => continue, // cookies cannot be set from a workflow
            };
            if param["deprecated"] == Value::Bool(true) {
                continue;
            }
            params.push(ParamRec {
                name: param["name"].as_str().expect("parameter has a name").to_string(),
                location,
                required: location == 0 || param["required"] == Value::Bool(true),
                description: self.help_text(&param["description"]),
                schema: self.schema(&param["schema"]),
            });
        }
        let body = self.body(operation);
        let (answer, mime, total_header) = if method == 5 { (4, String::new(), None) } else { self.answer(operation) };
        let paging = self.paging(operation, &params, answer, total_header);
        OperationRec {
            id: id.to_string(),
            tag: operation["tags"][0].as_str().unwrap_or("Misc").to_string(),
            summary: text(&operation["summary"]).trim_end_matches('.').to_string(),
            description: self.help_text(&operation["description"]),
            name: String::new(),
            resource: String::new(),
            fields: Vec::new(),
            method,
            // A `#fragment` only tells apart operations the vendor serves on one path (selected by the
            // body); it is never sent.
            path: format!("{}{}", self.base_path(), path.split('#').next().unwrap_or(path)),
            public: operation.get("security").and_then(Value::as_array).is_some_and(|s| s.is_empty()),
            params,
            body,
            answer,
            mime,
            paging,
        }
    }

    /// The paging style the spec shows, by the query parameters a list takes: a page size (`limit`,
    /// `count`, `size`, `pageSize`) with an item offset (`skip`, `offset`, `start`) over an array
    /// answer (or an object holding one array), or with a page number (`page`) over an object answer
    /// holding the items and, where it says, the page count (`{content: [...], page: {totalPages}}`).
    fn paging(&self, operation: &Value, params: &[ParamRec], answer: u8, total_header: Option<String>) -> PagingRec {
        let query = |names: &[&str]| {
            params.iter().find(|p| p.location == 1 && names.contains(&p.name.as_str())).map(|p| p.name.clone())
        };
        let Some(size) = query(&["limit", "count", "size", "pageSize"]) else { return PagingRec::default() };
        let shape = self.success_shape(operation);
        if let Some(position) = query(&["skip", "offset", "start"]) {
            let items_at = match answer {
                1 => Some(String::new()),
                0 => self.only_array_property(&shape).map(|name| format!("/{name}")),
                _ => None,
            };
            let Some(items_at) = items_at else { return PagingRec::default() };
            let total_header = total_header.unwrap_or_default();
            return PagingRec { kind: 1, size, position, total_header, items_at, ..PagingRec::default() };
        }
        let Some(items) = self.only_array_property(&shape).filter(|_| answer == 0) else { return PagingRec::default() };
        // `number` is the page index of Spring's page envelope (`{content, page: {number, …}}`); under
        // another answer it may number anything.
        let envelope = items == "content" && shape["properties"].get("page").is_some();
        let names: &[&str] = if envelope { &["page", "number"] } else { &["page"] };
        let Some(page) = query(names) else { return PagingRec::default() };
        let counts = &self.resolve(&shape["properties"]["page"])["properties"];
        let total_pages = if counts.get("totalPages").is_some() { "/page/totalPages" } else { "" };
        // Pages count from the smallest number the parameter allows (zero when it does not say).
        let declared = params.iter().find(|p| p.name == page).map(|p| p.schema);
        let first = declared.and_then(|id| self.schemas[id].minimum).map_or(0, |least| least.max(0.0) as usize);
        PagingRec {
            kind: 2,
            size,
            position: page,
            first,
            items_at: format!("/{items}"),
            total_pages: total_pages.into(),
            ..PagingRec::default()
        }
    }

    /// Where an object answer holds its items: `content` (Spring's page envelope, beside `links`), or
    /// its one array property (`{orders: [...], total}`).
    fn only_array_property(&self, shape: &Value) -> Option<String> {
        let properties = shape["properties"].as_object()?;
        if properties.get("content").is_some_and(|c| self.resolve(c)["type"] == "array") {
            return Some("content".into());
        }
        let mut arrays = properties.iter().filter(|(_, p)| self.resolve(p)["type"] == "array");
        match (arrays.next(), arrays.next()) {
            (Some((name, _)), None) => Some(name.clone()),
            _ => None,
        }
    }

    /// The shape of the first 2xx JSON answer: its schema (`allOf` merged), or, where the spec gives
    /// only an example, a schema read off the example. `null` if neither.
    fn success_shape(&self, operation: &Value) -> Value {
        let responses = operation["responses"].as_object().expect("operation has responses");
        let Some((_, response)) = responses.iter().find(|(code, _)| code.starts_with('2')) else { return Value::Null };
        self.media_shape(&self.resolve(response)["content"]["application/json"])
    }

    fn media_shape(&self, media: &Value) -> Value {
        let schema = media.get("schema").map(|schema| self.merge_all_of(self.resolve(schema)));
        // A schema that says no more than `object` shows less than its example.
        if let Some(schema) = schema.filter(|s| s.get("properties").is_some() || s.get("items").is_some()) {
            return schema;
        }
        let example = media.get("example").or_else(|| {
            media["examples"].as_object().and_then(|all| all.values().next()).map(|e| &self.resolve(e)["value"])
        });
        example.map_or(Value::Null, shape_of_example)
    }

    fn body(&mut self, operation: &Value) -> Option<BodyRec> {
        let body = self.resolve(operation.get("requestBody")?);
        let content = body["content"].as_object()?;
        let (content_type, media) = content.get_key_value("application/json").or_else(|| content.iter().next())?;
        let schema = &media["schema"];
        let resolved = self.resolve(schema);
        let variants = match resolved.get("oneOf").or_else(|| resolved.get("anyOf")).and_then(Value::as_array) {
            Some(branches) => {
                let resolved: Vec<&Value> = branches.iter().map(|b| self.resolve(b)).collect();
                let labels = variant_labels(resolved.clone(), branches);
                let titles = variant_titles(&resolved, branches);
                branches
                    .iter()
                    .zip(labels.into_iter().zip(titles))
                    .map(|(branch, (label, title))| VariantRec { label, title, schema: self.schema(branch) })
                    .collect()
            }
            None => vec![VariantRec { label: String::new(), title: String::new(), schema: self.schema(schema) }],
        };
        Some(BodyRec { content_type: content_type.clone(), required: body["required"] == Value::Bool(true), variants })
    }

    /// The kind of the first 2xx answer (and its media type if binary), and the header that carries the
    /// list's total count, if it declares one (`X-Pagination-TotalCount`, `X-Total-Count`, …).
    fn answer(&self, operation: &Value) -> (u8, String, Option<String>) {
        let responses = operation["responses"].as_object().expect("operation has responses");
        let Some((_, response)) = responses.iter().find(|(code, _)| code.starts_with('2')) else {
            return (2, String::new(), None);
        };
        let response = self.resolve(response);
        let total = response["headers"]
            .as_object()
            .and_then(|h| h.keys().find(|k| k.to_ascii_lowercase().contains("total")).map(|k| k.to_ascii_lowercase()));
        let (kind, mime) = match response["content"].as_object() {
            None => (2, String::new()),
            Some(content) if content.is_empty() => (2, String::new()),
            Some(content) => match content.get("application/json") {
                Some(media) if self.media_shape(media)["type"] == "array" => (1, String::new()),
                Some(_) => (0, String::new()),
                None => (3, content.keys().next().expect("content is not empty").clone()),
            },
        };
        (kind, mime, total)
    }

    /// Follows `$ref`s within the document.
    fn resolve<'v>(&self, value: &'v Value) -> &'v Value
    where
        'a: 'v,
    {
        let mut value = value;
        while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("external $ref {reference}"));
            value = self.doc.pointer(pointer).unwrap_or_else(|| panic!("dangling $ref {reference}"));
        }
        value
    }

    /// The id of `schema` in the table, recording it (and what it reaches) on first sight.
    fn schema(&mut self, schema: &Value) -> usize {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let key = format!("{}{reference}", self.file);
            if let Some(id) = self.by_ref.get(&key) {
                return *id;
            }
            // Reserve the id first: schemas may reach themselves.
            let id = self.schemas.len();
            self.schemas.push(SchemaRec::default());
            self.by_ref.insert(key, id);
            self.schemas[id] = self.record(self.resolve(schema));
            return id;
        }
        let record = self.record(schema);
        let key = format!("{record:?}");
        if let Some(id) = self.by_text.get(&key) {
            return *id;
        }
        let id = self.schemas.len();
        self.schemas.push(record);
        self.by_text.insert(key, id);
        id
    }

    fn record(&mut self, schema: &Value) -> SchemaRec {
        let merged = self.merge_all_of(schema);
        let s = &merged;
        // Must match `Kind` in src/openapi/tables.rs.
        let kind = match s["type"].as_str() {
            Some("string") => 1,
            Some("integer") => 2,
            Some("number") => 3,
            Some("boolean") => 4,
            Some("array") => 5,
            Some("object") => 6,
            _ if s.get("properties").is_some() => 6,
            _ if s.get("items").is_some() => 5,
            _ => match s["enum"].get(0) {
                Some(Value::String(_)) => 1,
                Some(Value::Number(_)) => 3,
                _ => 0,
            },
        };
        let (additional, open) = match s.get("additionalProperties") {
            Some(Value::Bool(allowed)) => (None, *allowed),
            Some(schema @ Value::Object(_)) => (Some(self.schema(schema)), true),
            _ => (None, true),
        };
        let usize_of = |key: &str| s[key].as_u64().map(|n| n as usize);
        SchemaRec {
            kind,
            format: s["format"].as_str().unwrap_or("").to_string(),
            description: self.help_text(&s["description"]),
            enumeration: s["enum"].as_array().into_iter().flatten().map(Value::to_string).collect(),
            nullable: s["nullable"] == Value::Bool(true),
            minimum: s["minimum"].as_f64(),
            maximum: s["maximum"].as_f64(),
            min_length: usize_of("minLength"),
            max_length: usize_of("maxLength"),
            min_items: usize_of("minItems"),
            max_items: usize_of("maxItems"),
            items: s.get("items").map(|items| self.schema(items)),
            properties: s
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, property)| (name.clone(), self.schema(property)))
                .collect(),
            required: s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            additional,
            open,
            one_of: s
                .get("oneOf")
                .or_else(|| s.get("anyOf"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|branch| self.schema(branch))
                .collect(),
        }
    }

    /// `allOf` parts merged into one schema: their properties and required lists joined.
    fn merge_all_of(&self, schema: &Value) -> Value {
        let Some(parts) = schema.get("allOf").and_then(Value::as_array) else { return schema.clone() };
        let mut merged = schema.as_object().cloned().unwrap_or_default();
        merged.remove("allOf");
        let mut properties = merged.remove("properties").and_then(|p| p.as_object().cloned()).unwrap_or_default();
        let mut required: Vec<Value> =
            merged.remove("required").and_then(|r| r.as_array().cloned()).unwrap_or_default();
        for part in parts {
            let part = self.merge_all_of(self.resolve(part));
            if let Some(more) = part.get("properties").and_then(Value::as_object) {
                properties.extend(more.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            required.extend(part.get("required").and_then(Value::as_array).cloned().unwrap_or_default());
            for (key, value) in part.as_object().into_iter().flatten() {
                if !matches!(key.as_str(), "properties" | "required") {
                    merged.entry(key.clone()).or_insert_with(|| value.clone());
                }
            }
        }
        if !properties.is_empty() {
            merged.insert("properties".into(), Value::Object(properties));
            merged.entry("type").or_insert_with(|| "object".into());
        }
        if !required.is_empty() {
            merged.insert("required".into(), Value::Array(required));
        }
        Value::Object(merged)
    }
}

/// The stored value of each body branch: its title, else the required fields only it has, else its
/// `$ref` name, in the words of [`stored_words`]. Frozen: saved workflows hold these values, so a
/// better name goes to [`variant_titles`], never here.
fn variant_labels(branches: Vec<&Value>, raw: &[Value]) -> Vec<String> {
    let required = |b: &Value| -> Vec<String> {
        b["required"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
    };
    branches
        .iter()
        .zip(raw)
        .enumerate()
        .map(|(i, (branch, raw))| {
            if let Some(title) = branch["title"].as_str() {
                return title.to_string();
            }
            let own: Vec<String> = required(branch)
                .into_iter()
                .filter(|field| branches.iter().filter(|other| required(other).contains(field)).count() == 1)
                .map(|field| stored_words(&field))
                .collect();
            if !own.is_empty() {
                return own.join(" + ");
            }
            match raw.get("$ref").and_then(Value::as_str) {
                Some(reference) => stored_words(reference.rsplit(['/', '.']).next().unwrap_or(reference)),
                None => format!("Variant {}", i + 1),
            }
        })
        .collect()
}

/// The schema an example shows: its types, objects' properties, an array's first element.
fn shape_of_example(example: &Value) -> Value {
    match example {
        Value::Object(map) => {
            let properties: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), shape_of_example(v))).collect();
            serde_json::json!({ "type": "object", "properties": properties })
        }
        Value::Array(items) => match items.first() {
            Some(first) => serde_json::json!({ "type": "array", "items": shape_of_example(first) }),
            None => serde_json::json!({ "type": "array" }),
        },
        Value::String(_) => serde_json::json!({ "type": "string" }),
        Value::Number(_) => serde_json::json!({ "type": "number" }),
        Value::Bool(_) => serde_json::json!({ "type": "boolean" }),
        Value::Null => Value::Null,
    }
}

/// What each body branch's option shows: its title, else the required fields only it has, labelled
/// ("Certificate and Private Key", "Project ID and Certificate"), else the words of its `$ref` name
/// its siblings' names do not share ("CertificateRequestCreateWithDNSRequest" beside
/// "CertificateRequestCreateRequest" → "With DNS"), else "Variant N".
fn variant_titles(branches: &[&Value], raw: &[Value]) -> Vec<String> {
    let required = |b: &Value| -> Vec<String> {
        b["required"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
    };
    let ref_words: Vec<Option<Vec<String>>> = raw
        .iter()
        .map(|r| {
            let reference = r.get("$ref").and_then(Value::as_str)?;
            Some(names::words(reference.rsplit(['/', '.']).next().unwrap_or(reference)))
        })
        .collect();
    // The words every sibling's name starts or ends with say nothing about the branch.
    let all: Vec<&Vec<String>> = ref_words.iter().flatten().collect();
    let (mut prefix, mut suffix) = (0, 0);
    if all.len() == raw.len() && all.len() > 1 {
        let shortest = all.iter().map(|w| w.len()).min().unwrap_or(0);
        while prefix < shortest && all.iter().all(|w| w[prefix] == all[0][prefix]) {
            prefix += 1;
        }
        while suffix < shortest - prefix
            && all.iter().all(|w| w[w.len() - 1 - suffix] == all[0][all[0].len() - 1 - suffix])
        {
            suffix += 1;
        }
    }
    branches
        .iter()
        .zip(&ref_words)
        .enumerate()
        .map(|(i, (branch, words))| {
            if let Some(title) = branch["title"].as_str() {
                return title.to_string();
            }
            let own: Vec<String> = required(branch)
                .into_iter()
                .filter(|field| branches.iter().filter(|other| required(other).contains(field)).count() == 1)
                .map(|field| names::label(&field))
                .collect();
            if !own.is_empty() {
                return own.join(" and ");
            }
            match words {
                Some(words) if words.len() > prefix + suffix => {
                    names::label(&words[prefix..words.len() - suffix].join(" "))
                }
                Some(words) => names::label(&words.join(" ")),
                None => format!("Variant {}", i + 1),
            }
        })
        .collect()
}

/// The words of the stored variant values (`customerId` → `Customer Id`). Frozen with them.
fn stored_words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.push(c);
        } else if c == '_' || c == '-' {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("").trim()
}

/// The vendor's naming tables, `nodes/<vendor>/names.rs` (none if it has no such file): `WORDS`,
/// `OPERATIONS`, `RESOURCES` and `VARIANTS` as [`names::Overrides`] holds them, and `HAND_WRITTEN`,
/// the (operationId, name) of each operation the node writes by hand in place of the generated one.
/// Read as text: each is a `const NAME: … = &[…];` of string literals or tuples of them (the rest
/// of the file, its tests, is skipped).
fn name_tables(folder: &Path) -> (names::Overrides, &'static [(&'static str, &'static str)]) {
    let path = folder.join("names.rs");
    if !path.is_file() {
        return (names::Overrides::NONE, &[]);
    }
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let consts = rust_consts(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table = |name: &str, arity: usize| -> Vec<Vec<&'static str>> {
        let rows = consts.iter().find(|(key, _)| key == name).map_or(&[][..], |(_, rows)| rows);
        rows.iter()
            .map(|row| {
                assert_eq!(row.len(), arity, "{}: {name} has an entry of {} strings", path.display(), row.len());
                row.iter().map(|s| &*Box::leak(s.clone().into_boxed_str())).collect()
            })
            .collect()
    };
    let leak = |rows: Vec<Vec<&'static str>>, make: fn(&[&'static str]) -> (&'static str, &'static str)| {
        &*Box::leak(rows.iter().map(|row| make(row)).collect::<Vec<_>>().into_boxed_slice())
    };
    let pair = |row: &[&'static str]| (row[0], row[1]);
    let overrides = names::Overrides {
        words: Box::leak(table("WORDS", 1).into_iter().map(|row| row[0]).collect::<Vec<_>>().into_boxed_slice()),
        operations: leak(table("OPERATIONS", 2), pair),
        resources: leak(table("RESOURCES", 2), pair),
        variants: Box::leak(
            table("VARIANTS", 3).into_iter().map(|row| (row[0], row[1], row[2])).collect::<Vec<_>>().into_boxed_slice(),
        ),
    };
    (overrides, leak(table("HAND_WRITTEN", 2), pair))
}

/// A table's rows: a bare string is a row of one.
type Rows = Vec<Vec<String>>;

/// The `const` items of a Rust file whose values are `&[…]` of string literals or of tuples of them:
/// each one's name and rows.
fn rust_consts(text: &str) -> Result<Vec<(String, Rows)>, String> {
    #[derive(Debug, PartialEq)]
    enum Token {
        Word(String),
        Text(String),
        Punct(char),
    }
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {}
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                let mut value = String::new();
                loop {
                    match chars.next().ok_or("an unterminated string")? {
                        '"' => break,
                        '\\' => match chars.next().ok_or("an unterminated string")? {
                            '"' => value.push('"'),
                            '\\' => value.push('\\'),
                            '\'' => value.push('\''),
                            'n' => value.push('\n'),
                            other => return Err(format!("the string escape \\{other} (only \\\" \\\\ \\' \\n)")),
                        },
                        c => value.push(c),
                    }
                }
                tokens.push(Token::Text(value));
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = c.to_string();
                while let Some(&c) = chars.peek().filter(|c| c.is_alphanumeric() || **c == '_') {
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            c => tokens.push(Token::Punct(c)),
        }
    }
    // Only the file's own items: a `const` inside braces (its tests) is not a table.
    let mut consts = Vec::new();
    let (mut at, mut depth) = (0, 0usize);
    while at < tokens.len() {
        match &tokens[at] {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => depth = depth.checked_sub(1).ok_or("unbalanced braces")?,
            _ => {}
        }
        if depth > 0 || tokens[at] != Token::Word("const".into()) {
            at += 1;
            continue;
        }
        let Some(Token::Word(name)) = tokens.get(at + 1) else { return Err("a const without a name".into()) };
        let start = at + tokens[at..].iter().position(|t| *t == Token::Punct('=')).ok_or("a const without =")?;
        let mut rows = Vec::new();
        let mut row: Option<Vec<String>> = None;
        at = start + 1;
        for expected in ['&', '['] {
            if tokens.get(at) != Some(&Token::Punct(expected)) {
                return Err(format!("const {name}: not a &[…] of string literals"));
            }
            at += 1;
        }
        loop {
            match (tokens.get(at), row.as_mut()) {
                (Some(Token::Text(text)), Some(row)) => row.push(text.clone()),
                (Some(Token::Text(text)), None) => rows.push(vec![text.clone()]),
                (Some(Token::Punct('(')), None) => row = Some(Vec::new()),
                (Some(Token::Punct(')')), Some(_)) => rows.extend(row.take()),
                (Some(Token::Punct(',')), _) => {}
                (Some(Token::Punct(']')), None) => break,
                (other, _) => return Err(format!("const {name}: {other:?} in a table of string literals")),
            }
            at += 1;
        }
        consts.push((name.clone(), rows));
        at += 1;
    }
    Ok(consts)
}

/// Names every operation as `openapi::resources` shows it, from its summary by the rules of
/// [`names`], or as the vendor's overrides or its hand-written operation say; tells apart the
/// names the node's operations still share; names the resources (from the tags), the body variants'
/// options and the form's fields.
fn name_operations(
    operations: &mut [OperationRec],
    schemas: &[SchemaRec],
    overrides: &names::Overrides,
    hand_written: &[(&str, &str)],
) {
    let mut fixed = Vec::with_capacity(operations.len());
    for operation in operations.iter_mut() {
        let given = hand_written
            .iter()
            .find(|(id, _)| *id == operation.id)
            .map(|(_, name)| *name)
            .or_else(|| overrides.operation(&operation.id));
        operation.name = given.map_or_else(|| names::operation_name(&operation.summary, overrides.words), String::from);
        fixed.push(given.is_some());
        operation.resource = overrides
            .resource(&operation.tag)
            .map_or_else(|| names::resource_name(&operation.tag, overrides.words), String::from);
        for variant in operation.body.iter_mut().flat_map(|body| &mut body.variants) {
            if let Some(shown) = overrides.variant(&operation.id, &variant.label) {
                assert_ne!(
                    variant.title, shown,
                    "variant override for {}/{}: the rules make it already",
                    operation.id, variant.label
                );
                variant.title = shown.to_string();
            }
            if variant.title.is_empty() {
                variant.title = variant.label.clone();
            }
        }
        operation.fields =
            form_fields(operation, schemas).into_iter().map(|name| (name.clone(), names::label(&name))).collect();
    }
    let mut named: Vec<names::Named> = operations
        .iter()
        .zip(&fixed)
        .map(|(operation, fixed)| names::Named {
            id: &operation.id,
            path: &operation.path,
            public: operation.public,
            name: operation.name.clone(),
            fixed: *fixed,
        })
        .collect();
    names::disambiguate(&mut named);
    let unique: Vec<String> = named.into_iter().map(|named| named.name).collect();
    for (operation, name) in operations.iter_mut().zip(unique) {
        operation.name = name;
    }
}

/// Where a form field goes, as `src/openapi/form.rs` has it: a parameter (0 path, 1 query, 2 header),
/// or a field of body variant `n`.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Param(u8),
    Body(usize),
}

/// The names of the operation's form fields, in the order `src/openapi/form.rs` builds its fields
/// (which reads them from the tables in this order): the parameters but those the paginator owns,
/// then each body variant's top-level fields (or `body`, a whole body that is no object), a name
/// that clashes with the form's own or another field's at the same level prefixed with its place.
fn form_fields(operation: &OperationRec, schemas: &[SchemaRec]) -> Vec<String> {
    let mut fields: Vec<(String, Place, bool)> = Vec::new();
    for param in &operation.params {
        if operation.paging.owns(param) {
            continue;
        }
        fields.push((param.name.clone(), Place::Param(param.location), param.required));
    }
    if let Some(body) = &operation.body {
        for (index, variant) in body.variants.iter().enumerate() {
            let schema = &schemas[variant.schema];
            if schema.kind != 6 || schema.properties.is_empty() {
                fields.push(("body".into(), Place::Body(index), body.required));
                continue;
            }
            for (name, _) in &schema.properties {
                fields.push((name.clone(), Place::Body(index), schema.required.contains(name)));
            }
        }
    }
    let variant_of = |place: Place| match place {
        Place::Body(v) => Some(v),
        Place::Param(_) => None,
    };
    for i in 0..fields.len() {
        let (name, place, required) = &fields[i];
        let taken = RESERVED.contains(&name.as_str())
            || fields[..i].iter().any(|(other, other_place, other_required)| {
                other == name
                    && other_required == required
                    && (variant_of(*other_place) == variant_of(*place)
                        || variant_of(*other_place).is_none()
                        || variant_of(*place).is_none())
            });
        if taken {
            let prefix = match place {
                Place::Param(0) => "path",
                Place::Param(1) => "query",
                Place::Param(_) => "header",
                Place::Body(_) => "body",
            };
            let mut chars = name.chars();
            let capitalized: String = chars
                .next()
                .map(|c| std::iter::once(c.to_ascii_uppercase()).chain(chars).collect())
                .unwrap_or_default();
            fields[i].0 = format!("{prefix}{capitalized}");
        }
    }
    fields.into_iter().map(|(name, _, _)| name).collect()
}
