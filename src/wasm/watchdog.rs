//! One timer for all host requests in flight: each waits for its own time, but only the earliest is
//! armed, so a request costs an entry in a map rather than a timer of its own (a timeout signal per
//! request was the largest cost of a fast request). The timer is the host's own `sleep` where it gives
//! one (n8n's), else (plain-JS builds) a timeout signal.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

thread_local! {
    /// `(due, id, waker)` of every request in flight: at most a run's concurrency, so a list will do.
    static WAITING: RefCell<Vec<(u64, u64, Option<Waker>)>> = const { RefCell::new(Vec::new()) };
    /// The time the armed timer goes off, if one is armed.
    static ARMED: Cell<Option<u64>> = const { Cell::new(None) };
    static IDS: Cell<u64> = const { Cell::new(0) };
    /// The host's `sleep` and the host it is a method of.
    static SLEEP: RefCell<Option<(JsValue, Function)>> = const { RefCell::new(None) };
}

/// Times the watchdog with the host's `sleep` from now on.
pub fn use_sleep(host: &JsValue, sleep: &Function) {
    SLEEP.with(|slot| *slot.borrow_mut() = Some((host.clone(), sleep.clone())));
}

/// Resolves after `ms`, on the host's sleep or, failing that, a timeout signal.
async fn timer(ms: u64) {
    let host_sleep = SLEEP.with(|slot| slot.borrow().clone());
    let promise = host_sleep.and_then(|(host, sleep)| sleep.call1(&host, &JsValue::from_f64(ms as f64)).ok());
    match promise {
        Some(promise) => drop(JsFuture::from(Promise::resolve(&promise)).await),
        #[cfg(feature = "fetch")]
        None => super::fetch::Timer::new(ms).elapsed().await,
        // Without fetch every host gives a sleep (`JsHost::from_js` makes sure).
        #[cfg(not(feature = "fetch"))]
        None => {}
    }
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// Ready once `ms` have passed.
pub struct Expiry {
    key: (u64, u64),
}

impl Expiry {
    pub fn after(ms: u64) -> Self {
        let id = IDS.with(|ids| {
            ids.set(ids.get() + 1);
            ids.get()
        });
        Expiry { key: (now().saturating_add(ms), id) }
    }
}

impl Future for Expiry {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if now() >= self.key.0 {
            return Poll::Ready(());
        }
        WAITING.with(|waiting| {
            let mut waiting = waiting.borrow_mut();
            let waker = Some(cx.waker().clone());
            match waiting.iter_mut().find(|(_, id, _)| *id == self.key.1) {
                Some(entry) => entry.2 = waker,
                None => waiting.push((self.key.0, self.key.1, waker)),
            }
        });
        arm(self.key.0);
        Poll::Pending
    }
}

impl Drop for Expiry {
    fn drop(&mut self) {
        WAITING.with(|waiting| waiting.borrow_mut().retain(|(_, id, _)| *id != self.key.1));
    }
}

/// The longest a timer is set for: a pending timer keeps this instance alive (and so its memory,
/// after a large answer), so it is re-armed in steps rather than set once for a minute.
const STEP_MS: u64 = 1_000;

/// Makes sure a timer goes off no later than `due`.
fn arm(due: u64) {
    let due = due.min(now().saturating_add(STEP_MS));
    if ARMED.with(Cell::get).is_some_and(|at| at <= due) {
        return;
    }
    ARMED.with(|armed| armed.set(Some(due)));
    wasm_bindgen_futures::spawn_local(async move {
        timer(due.saturating_sub(now())).await;
        went_off(due);
    });
}

/// Wakes every request whose time is up, and arms the timer for the next one.
fn went_off(due: u64) {
    if ARMED.with(Cell::get) == Some(due) {
        ARMED.with(|armed| armed.set(None));
    }
    let now = now();
    let (expired, next): (Vec<Waker>, Option<u64>) = WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        let expired = waiting.iter_mut().filter(|(due, _, _)| *due <= now).filter_map(|(_, _, w)| w.take()).collect();
        let next = waiting.iter().map(|(due, _, _)| *due).filter(|due| *due > now).min();
        (expired, next)
    });
    expired.into_iter().for_each(Waker::wake);
    if let Some(next) = next {
        arm(next);
    }
}
