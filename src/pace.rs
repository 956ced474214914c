//! How fast one run may go: how many requests are in flight at once, adapted to what the service
//! answers, and when the whole run must wait.
//!
//! The limit starts low and grows while answers are fine (by one per answer until the first sign of
//! pressure, then by one per `limit` answers); a 429 or 503 halves it at once. A `Retry-After`, or a
//! rate-limit header saying nothing is left before a reset, holds every item of the run, not only the
//! one that was told: the others would only be refused too. Items that already waited (a retry) go
//! first when a slot frees, so nobody is starved.
//!
//! A service that refuses by rate (a leaky bucket) is also met by spacing: from two refusals and the
//! answers accepted between them the run learns how many requests per second get through, and starts
//! requests no faster than that, creeping faster by a little per accepted answer to find out whether
//! more is allowed.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::host::Host;
use crate::limits::PaceSettings;

/// Where the limit starts: low enough that a strict service sees no burst, and doubling per round
/// of answers, so a permissive one reaches the maximum within a few dozen requests.
const START: u64 = 4;

/// A place in the queue: `(not a retry, arrival)`, so retries sort first.
type Ticket = (bool, u64);

/// The gate every request of a run passes. One per run; items share it.
pub struct Pace<'h> {
    host: &'h dyn Host,
    max: u64,
    limit: Cell<u64>,
    /// Successes since the limit last grew (after the first sign of pressure).
    credit: Cell<u64>,
    pressed: Cell<bool>,
    in_flight: Cell<u64>,
    /// Nothing is sent before this time (a `Retry-After`).
    paused_until: Cell<u64>,
    /// Who waits for a slot, in the order they are let in: retries first, then by arrival. At most
    /// the run's concurrency wait, so a sorted list will do.
    queue: RefCell<Vec<(Ticket, Option<Waker>)>>,
    tickets: Cell<u64>,
    most_in_flight: Cell<u64>,
    /// Least time between two request starts, learnt from refusals (0: none learnt).
    spacing_ms: Cell<f64>,
    last_start: Cell<u64>,
    /// When the last 429 came, and how many answers were accepted since.
    refused_at: Cell<Option<u64>>,
    accepted_since: Cell<u64>,
}

impl<'h> Pace<'h> {
    pub fn new(host: &'h dyn Host, settings: &PaceSettings) -> Self {
        let max = settings.concurrency.max(1);
        Pace {
            host,
            max,
            limit: Cell::new(START.min(max)),
            credit: Cell::new(0),
            pressed: Cell::new(false),
            in_flight: Cell::new(0),
            paused_until: Cell::new(0),
            queue: RefCell::new(Vec::new()),
            tickets: Cell::new(0),
            most_in_flight: Cell::new(0),
            spacing_ms: Cell::new(0.0),
            last_start: Cell::new(0),
            refused_at: Cell::new(None),
            accepted_since: Cell::new(0),
        }
    }

    /// Waits for a slot; `retry`: this request already waited once, so it goes before new ones.
    pub async fn slot(&self, retry: bool) -> Slot<'_, 'h> {
        let ticket = self.tickets.get();
        self.tickets.set(ticket + 1);
        let key = (!retry, ticket);
        {
            let mut queue = self.queue.borrow_mut();
            let at = queue.partition_point(|(k, _)| *k < key);
            queue.insert(at, (key, None));
        }
        let mut waiting = Waiting { pace: self, key, done: false };
        // The first in line sleeps out a pause; everyone behind it waits for their turn.
        while !(&mut waiting).await {
            let pause = self.ready_at().saturating_sub(self.host.now_ms());
            self.host.sleep(pause).await;
        }
        Slot { pace: self }
    }

    /// When the next request may start: after any pause, and a learnt spacing after the last start.
    fn ready_at(&self) -> u64 {
        let spaced = self.last_start.get().saturating_add(self.spacing_ms.get() as u64);
        self.paused_until.get().max(if self.spacing_ms.get() > 0.0 { spaced } else { 0 })
    }

    /// Whether the run is paused for at least `ms` from now.
    pub fn holds_for(&self, ms: u64) -> bool {
        self.paused_until.get() >= self.host.now_ms().saturating_add(ms)
    }

    fn paused(&self) -> bool {
        self.ready_at() > self.host.now_ms()
    }

    fn pause_for(&self, ms: u64) {
        let until = self.host.now_ms().saturating_add(ms);
        self.paused_until.set(self.paused_until.get().max(until));
    }

    /// What an answer says about the service's load: 429/503 shrink the limit; `retry_after_ms` (or,
    /// for a 429 without one, `fallback_ms`) pauses the run, and so does `exhausted_ms`, the time until
    /// a rate limit that says nothing is left resets.
    pub fn observe(&self, status: u16, retry_after_ms: Option<u64>, fallback_ms: u64, exhausted_ms: Option<u64>) {
        let now = self.host.now_ms();
        match status {
            429 | 503 => {
                self.pressed.set(true);
                self.credit.set(0);
                self.limit.set((self.limit.get() / 2).max(1));
                if let Some(ms) = retry_after_ms.or((status == 429).then_some(fallback_ms)) {
                    self.pause_for(ms);
                }
                if status == 429 {
                    self.learn_rate(now);
                }
            }
            200..=399 => {
                self.accepted_since.set(self.accepted_since.get() + 1);
                // Creep faster, to find out whether the service allows more than it did.
                self.spacing_ms.set(self.spacing_ms.get() * 0.98);
                if self.pressed.get() {
                    let credit = self.credit.get() + 1;
                    if credit >= self.limit.get() {
                        self.credit.set(0);
                        self.grow();
                    } else {
                        self.credit.set(credit);
                    }
                } else {
                    self.grow();
                }
            }
            _ => {}
        }
        if let Some(ms) = exhausted_ms {
            self.pause_for(ms);
        }
    }

    /// Between this refusal and the one before, `accepted_since` answers got through: that is the rate
    /// the service allows.
    fn learn_rate(&self, now: u64) {
        if let (Some(before), accepted) = (self.refused_at.get(), self.accepted_since.get()) {
            if accepted > 0 && now > before {
                self.spacing_ms.set(((now - before) as f64 / accepted as f64).min(60_000.0));
            }
        }
        self.refused_at.set(Some(now));
        self.accepted_since.set(0);
    }

    fn grow(&self) {
        if self.limit.get() < self.max {
            self.limit.set(self.limit.get() + 1);
            self.wake_first();
        }
    }

    /// The most requests that were in flight at once in this run.
    pub fn most_in_flight(&self) -> u64 {
        self.most_in_flight.get()
    }

    fn wake_first(&self) {
        let first = self.queue.borrow_mut().first_mut().and_then(|(_, waker)| waker.take());
        if let Some(waker) = first {
            waker.wake();
        }
    }
}

/// A request's place in flight; dropping it lets the next one in.
pub struct Slot<'p, 'h> {
    pace: &'p Pace<'h>,
}

impl Drop for Slot<'_, '_> {
    fn drop(&mut self) {
        self.pace.in_flight.set(self.pace.in_flight.get().saturating_sub(1));
        self.pace.wake_first();
    }
}

/// `true` once this ticket is first in line and a slot is free; `false` when it is first but the run
/// is paused (the caller sleeps, keeping its place).
struct Waiting<'p, 'h> {
    pace: &'p Pace<'h>,
    key: Ticket,
    done: bool,
}

impl Future for Waiting<'_, '_> {
    type Output = bool;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let pace = self.pace;
        let mut queue = pace.queue.borrow_mut();
        if queue.first().map(|(key, _)| key) == Some(&self.key) {
            if pace.paused() {
                return Poll::Ready(false);
            }
            if pace.in_flight.get() < pace.limit.get() {
                queue.remove(0);
                drop(queue);
                self.done = true;
                let in_flight = pace.in_flight.get() + 1;
                pace.in_flight.set(in_flight);
                pace.last_start.set(pace.host.now_ms());
                pace.most_in_flight.set(pace.most_in_flight.get().max(in_flight));
                // The next in line may fit too.
                pace.wake_first();
                return Poll::Ready(true);
            }
        }
        if let Some((_, waker)) = queue.iter_mut().find(|(key, _)| *key == self.key) {
            *waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Waiting<'_, '_> {
    fn drop(&mut self) {
        if !self.done {
            self.pace.queue.borrow_mut().retain(|(key, _)| *key != self.key);
            self.pace.wake_first();
        }
    }
}
