//! The one paginator: follows a list's pages by its `paging::Strategy`, for Return All / Limit and for
//! one page of a picker.

use serde_json::Value;

use crate::error::snippet;
use crate::error::NodeError;
use crate::http::{Request, Response};
use crate::paging::{Pages, Paging, Strategy};
use crate::params::grouped;
use crate::session::{Budget, Session};

/// One page: its items, where the next one starts (a picker's pagination token), whether the service
/// said more follow (`None`: it did not say; the page's size has to tell), and how many pages it said
/// are left after this one.
pub(crate) struct Page {
    pub items: Vec<Value>,
    pub next: String,
    pub more: Option<bool>,
    pub left: Option<u64>,
}

/// Where the first page starts.
pub(crate) fn start(pages: &Pages) -> String {
    match pages.strategy {
        Strategy::Offset { .. } => "0".into(),
        Strategy::Page { first, .. } => first.to_string(),
        Strategy::Cursor { .. } | Strategy::Whole => String::new(),
    }
}

/// Reads the page starting `at`, asking for `wanted` items.
pub(crate) async fn page(
    session: &Session<'_>,
    request: &Request,
    pages: &Pages,
    at: &str,
    wanted: u64,
    budget: &Budget,
) -> Result<Page, NodeError> {
    let mut request = request.clone();
    let number = |text: &str| text.parse::<u64>().unwrap_or(0);
    match pages.strategy {
        Strategy::Offset { limit, offset, .. } => {
            request.set_query(limit, wanted.to_string());
            request.set_query(offset, number(at).to_string());
        }
        Strategy::Page { page, size, .. } => {
            request.set_query(size, wanted.to_string());
            request.set_query(page, number(at).to_string());
        }
        Strategy::Cursor { cursor, limit, .. } => {
            request.set_query(limit, wanted.to_string());
            if !at.is_empty() {
                request.set_query(cursor, at);
            }
        }
        Strategy::Whole => {}
    }
    let response = session.send(&request, budget).await?;
    read(response, pages, at)
}

fn read(response: Response, pages: &Pages, at: &str) -> Result<Page, NodeError> {
    let at_number = at.parse::<u64>().unwrap_or(0);
    let header_total = match pages.strategy {
        Strategy::Offset { total_header: Some(name), .. } => {
            response.header(name).and_then(|t| t.trim().parse::<u64>().ok())
        }
        _ => None,
    };
    let mut answer = response.json()?;
    let mut left = None;
    let (next, more) = match pages.strategy {
        Strategy::Offset { .. } => (None, None),
        Strategy::Page { first, total_pages, .. } => {
            let count = total_pages.and_then(|p| answer.pointer(p)).and_then(Value::as_u64);
            let next = at_number.saturating_add(1);
            left = count.map(|count| first.saturating_add(count).saturating_sub(next));
            (Some(next.to_string()), count.map(|count| next < first.saturating_add(count)))
        }
        Strategy::Cursor { next, .. } => {
            let token = match answer.pointer(next) {
                Some(Value::String(token)) => token.clone(),
                Some(Value::Number(token)) => token.to_string(),
                _ => String::new(),
            };
            // A cursor that does not move would read the same page for ever.
            let more = !token.is_empty() && token != at;
            (Some(token), Some(more))
        }
        Strategy::Whole => (Some(String::new()), Some(false)),
    };
    let items = items_of(&mut answer, pages.items_at)?;
    let (next, more) = match next {
        Some(next) => (next, more),
        None => {
            let next = at_number.saturating_add(items.len() as u64);
            left = header_total.map(|total| total.saturating_sub(next).div_ceil(pages.page_size.max(1)));
            (next.to_string(), header_total.map(|total| next < total))
        }
    };
    Ok(Page { items, next, more, left })
}

/// Takes the array at `pointer` out of a list answer (`""`: the answer itself; `null`: an empty list).
pub(crate) fn items_of(answer: &mut Value, pointer: &str) -> Result<Vec<Value>, NodeError> {
    match answer.pointer_mut(pointer) {
        Some(Value::Array(items)) => Ok(std::mem::take(items)),
        Some(Value::Null) => Ok(Vec::new()),
        _ => Err(NodeError::api("Expected a list from the service, got something else")
            .with_description(snippet(&answer.to_string()))),
    }
}

/// How many pages Return All reads at once once it knows where they start.
const AHEAD: u64 = 4;

/// Follows pages until the list ends: an empty page, the service saying so (a total, a last page, no
/// cursor), a page repeating the one before (a server ignoring the position), or a short page once the
/// server's page size is known. Positions advance by what arrived, so a server capping the page size
/// below the one asked works; a list that never ends stops at the item's page and item caps, with an
/// error. Once two full pages have come and the service has said how many are left, the next few are
/// read at once (their positions are known), still kept in page order.
pub(crate) async fn collect(
    session: &Session<'_>,
    request: &Request,
    paging: &Paging,
    budget: &Budget,
) -> Result<Vec<Value>, NodeError> {
    let limits = budget.limits;
    let pages = &paging.pages;
    let mut collected: Vec<Value> = Vec::new();
    let mut at = start(pages);
    let (mut count, mut previous, mut largest) = (0u64, 0usize, 0u64);
    // Pages whose positions are known before reading them (the service said how many are left).
    let mut predictable = 0u64;
    loop {
        if count >= limits.max_pages {
            let at = format!("after {} pages", grouped(count));
            return Err(unfinished(at, collected.len(), "Max Pages", "maxPages"));
        }
        // Numbered pages must keep their size, or page n would not start after page n-1.
        let wanted = match (pages.strategy, paging.max_items) {
            (Strategy::Page { .. }, _) | (_, None) => pages.page_size,
            (_, Some(max)) => (max - collected.len() as u64).min(pages.page_size),
        };
        let ahead = match paging.max_items {
            None => predictable.clamp(1, AHEAD).min(limits.max_pages - count),
            Some(_) => 1,
        };
        let window: Vec<_> = (0..ahead)
            .filter_map(|k| ahead_of(pages, &at, k))
            .map(|position| Box::pin(async move { page(session, request, pages, &position, wanted, budget).await }))
            .collect();
        for page in join_all(window).await {
            let page = page?;
            count += 1;
            let received = page.items.len() as u64;
            let repeated = previous == page.items.len()
                && collected.get(collected.len().saturating_sub(previous)..) == Some(&page.items[..]);
            if received == 0 || repeated {
                return Ok(collected);
            }
            previous = page.items.len();
            collected.extend(page.items);
            if let Some(max) = paging.max_items {
                collected.truncate(max as usize);
                if collected.len() as u64 >= max {
                    return Ok(collected);
                }
            }
            if collected.len() as u64 > limits.max_items {
                let at = format!("at {} items", grouped(limits.max_items));
                return Err(unfinished(at, collected.len(), "Max Items", "maxItems"));
            }
            let more = page.more.unwrap_or(received >= wanted || received >= largest);
            largest = largest.max(received);
            if !more {
                return Ok(collected);
            }
            // Only after two distinct full pages: a server ignoring the position is caught first.
            predictable = if received == wanted && count >= 2 { page.left.unwrap_or(0) } else { 0 };
            at = page.next;
            if predictable == 0 {
                break; // the rest of this window was read at positions that no longer hold
            }
        }
    }
}

/// Where the page `k` pages after the one at `at` starts, when that can be known before reading.
fn ahead_of(pages: &Pages, at: &str, k: u64) -> Option<String> {
    if k == 0 {
        return Some(at.to_string());
    }
    let at = at.parse::<u64>().ok()?;
    match pages.strategy {
        Strategy::Offset { .. } => Some(at.saturating_add(k.saturating_mul(pages.page_size)).to_string()),
        Strategy::Page { .. } => Some(at.saturating_add(k).to_string()),
        Strategy::Cursor { .. } | Strategy::Whole => None,
    }
}

/// Every future's output, in their order, run together.
async fn join_all<T>(futures: Vec<std::pin::Pin<Box<impl std::future::Future<Output = T>>>>) -> Vec<T> {
    let mut futures: Vec<_> = futures.into_iter().map(Some).collect();
    let mut outputs: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if let Some(running) = future {
                if let std::task::Poll::Ready(value) = running.as_mut().poll(cx) {
                    *output = Some(value);
                    *future = None;
                }
            }
        }
        if futures.iter().all(Option::is_none) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Return All stopped before the list ended: say how far it got and what to change.
fn unfinished(at: String, collected: usize, option: &str, js_option: &str) -> NodeError {
    NodeError::api(format!(
        "Return All stopped {at} with {} items collected, before the service said the list had ended",
        grouped(collected as u64)
    ))
    .with_description(format!(
        "The service kept sending pages. Raise {option} (Request Options), or {js_option} in plain JS, or use Limit \
         to take fewer."
    ))
}
