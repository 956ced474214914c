//! Reads the compact tables `build.rs` writes (layout documented there) into `spec` types.
//! Runs once per process; the tables then live as long as the module.

use super::spec::{Answer, BodySpec, Kind, Location, OpSpec, ParamSpec, Schema, SchemaId, Variant};
use crate::http::Method;
use crate::paging::{Pages, Strategy};

pub struct Tables {
    pub operations: &'static [OpSpec],
    pub schemas: &'static [Schema],
}

/// Decodes `compressed`, the bytes of `<vendor>_openapi.bin`. Panics on bytes `build.rs` did not
/// write: they are compiled into the module, so that is a build bug, not an input error.
pub fn decode(compressed: &[u8]) -> Tables {
    let bytes = leak(miniz_oxide::inflate::decompress_to_vec(compressed).expect("spec tables inflate"));
    let mut reader = Reader { bytes, at: 0, strings: &[] };
    let strings = (0..reader.uint()).map(|_| reader.raw_str()).collect();
    reader.strings = leak(strings);
    let schemas = (0..reader.uint()).map(|_| reader.schema()).collect();
    let operations = (0..reader.uint()).map(|_| reader.operation()).collect();
    assert_eq!(reader.at, bytes.len(), "spec tables fully read");
    Tables { operations: leak(operations), schemas: leak(schemas) }
}

fn leak<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

struct Reader {
    bytes: &'static [u8],
    at: usize,
    strings: &'static [&'static str],
}

impl Reader {
    fn byte(&mut self) -> u8 {
        self.at += 1;
        self.bytes[self.at - 1]
    }

    fn uint(&mut self) -> usize {
        let mut value = 0usize;
        let mut shift = 0;
        loop {
            let byte = self.byte();
            value |= ((byte & 0x7f) as usize) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }

    fn flag(&mut self) -> bool {
        self.byte() != 0
    }

    fn id(&mut self) -> SchemaId {
        SchemaId::try_from(self.uint()).expect("schema ids fit")
    }

    fn option(&mut self) -> Option<usize> {
        self.uint().checked_sub(1)
    }

    fn f64_option(&mut self) -> Option<f64> {
        self.flag().then(|| {
            let raw: [u8; 8] = self.bytes[self.at..self.at + 8].try_into().expect("eight bytes");
            self.at += 8;
            f64::from_le_bytes(raw)
        })
    }

    fn raw_str(&mut self) -> &'static str {
        let len = self.uint();
        self.at += len;
        std::str::from_utf8(&self.bytes[self.at - len..self.at]).expect("spec strings are UTF-8")
    }

    fn str(&mut self) -> &'static str {
        self.strings[self.uint()]
    }

    fn strs(&mut self) -> &'static [&'static str] {
        let items = (0..self.uint()).map(|_| self.str()).collect();
        leak(items)
    }

    fn schema(&mut self) -> Schema {
        let kind = match self.byte() {
            1 => Kind::String,
            2 => Kind::Integer,
            3 => Kind::Number,
            4 => Kind::Boolean,
            5 => Kind::Array,
            6 => Kind::Object,
            _ => Kind::Any,
        };
        let format = self.str();
        let description = self.str();
        let enumeration = self.strs();
        let labels = self.strs();
        let nullable = self.flag();
        let minimum = self.f64_option();
        let maximum = self.f64_option();
        let mut limit = || self.option().map(|n| n as u32);
        let (min_length, max_length, min_items, max_items) = (limit(), limit(), limit(), limit());
        let items = self.option().map(|n| n as SchemaId);
        let properties = (0..self.uint()).map(|_| (self.str(), self.id())).collect();
        let property_labels = self.strs();
        let required = self.strs();
        let additional = self.option().map(|n| n as SchemaId);
        let open = self.flag();
        let one_of = (0..self.uint()).map(|_| self.id()).collect();
        Schema {
            kind,
            format,
            description,
            enumeration,
            labels,
            nullable,
            minimum,
            maximum,
            min_length,
            max_length,
            min_items,
            max_items,
            items,
            properties: leak(properties),
            property_labels,
            required,
            additional,
            open,
            one_of: leak(one_of),
        }
    }

    fn operation(&mut self) -> OpSpec {
        let (id, tag, summary, description) = (self.str(), self.str(), self.str(), self.str());
        let (name, resource) = (self.str(), self.str());
        let method =
            [Method::Get, Method::Post, Method::Put, Method::Patch, Method::Delete, Method::Head][self.byte() as usize];
        let path = self.str();
        let public = self.flag();
        let params = (0..self.uint())
            .map(|_| ParamSpec {
                name: self.str(),
                location: [Location::Path, Location::Query, Location::Header][self.byte() as usize],
                required: self.flag(),
                description: self.str(),
                schema: self.id(),
            })
            .collect();
        let body = self.flag().then(|| BodySpec {
            content_type: self.str(),
            required: self.flag(),
            variants: leak(
                (0..self.uint()).map(|_| Variant { label: self.str(), title: self.str(), schema: self.id() }).collect(),
            ),
        });
        let fields = (0..self.uint()).map(|_| (self.str(), self.str())).collect();
        let kind = self.byte();
        let mime = self.str();
        let answer = match kind {
            0 => Answer::Object,
            1 => Answer::Array,
            3 => Answer::Binary(mime),
            4 => Answer::Headers,
            _ => Answer::Empty,
        };
        let paging = self.paging();
        OpSpec {
            id,
            tag,
            summary,
            description,
            name,
            resource,
            method,
            path,
            public,
            params: leak(params),
            body,
            fields: leak(fields),
            answer,
            paging,
        }
    }

    fn paging(&mut self) -> Option<Pages> {
        let kind = self.byte();
        if kind == 0 {
            return None;
        }
        let (size, position, total_header, items_at, total_pages) =
            (self.str(), self.str(), self.str(), self.str(), self.str());
        let first = self.uint() as u64;
        let optional = |text: &'static str| (!text.is_empty()).then_some(text);
        let strategy = match kind {
            1 => Strategy::Offset { limit: size, offset: position, total_header: optional(total_header) },
            _ => Strategy::Page { page: position, size, first, total_pages: optional(total_pages) },
        };
        Some(Pages::new(strategy, 0).items_at(items_at))
    }
}
