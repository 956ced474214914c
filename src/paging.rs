//! How a list operation hands out its pages, declared per operation (by hand, or by the generator from
//! the spec) and followed by the one paginator (`paginator`), for Return All and for pickers alike.

/// The query parameters a list pages by, and how the service says where it ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Strategy {
    /// `offset` counts the items already read, `limit` asks for a page; a `total_header`, when the
    /// service sends it, says how many there are in all.
    Offset { limit: &'static str, offset: &'static str, total_header: Option<&'static str> },
    /// `page` numbers pages from `first` (0 or 1), `size` asks for a page; `total_pages` (a JSON
    /// pointer into the answer) says how many there are.
    Page { page: &'static str, size: &'static str, first: u64, total_pages: Option<&'static str> },
    /// `cursor` carries the token found at `next` (a JSON pointer) of the answer before; `limit` asks
    /// for a page. No token: the list has ended.
    Cursor { cursor: &'static str, limit: &'static str, next: &'static str },
    /// One answer holds the whole list (a record's own list: an extension's scopes, a product's
    /// editions); nothing is sent to page it.
    Whole,
}

impl Strategy {
    /// Whether the paginator sets this query parameter itself.
    pub fn sends(&self, name: &str) -> bool {
        match *self {
            Strategy::Offset { limit, offset, .. } => name == limit || name == offset,
            Strategy::Page { page, size, .. } => name == page || name == size,
            Strategy::Cursor { cursor, limit, .. } => name == cursor || name == limit,
            Strategy::Whole => false,
        }
    }
}

/// A list endpoint's paging: its strategy, where the items are, how many to ask for at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pages {
    pub strategy: Strategy,
    /// JSON pointer to the array of items in the answer; `""`: the answer is the array.
    pub items_at: &'static str,
    pub page_size: u64,
}

impl Pages {
    pub const fn new(strategy: Strategy, page_size: u64) -> Self {
        Pages { strategy, items_at: "", page_size }
    }

    pub const fn items_at(mut self, pointer: &'static str) -> Self {
        self.items_at = pointer;
        self
    }
}

/// One list request's paging: how pages come, and how many items the user wants (`None`: all).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paging {
    pub pages: Pages,
    pub max_items: Option<u64>,
}
