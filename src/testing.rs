//! A scripted host for native tests: records what is sent, answers from a queue; its clock moves only
//! when something sleeps.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use crate::host::{Failure, Host, LocalFuture, Outgoing};
use crate::http::{File, Response};

pub struct MockHost {
    replies: RefCell<VecDeque<Result<Response, Failure>>>,
    clock: std::cell::Cell<u64>,
    sent: RefCell<Vec<Outgoing>>,
    sleeps: RefCell<Vec<u64>>,
    /// Input items' binary contents: (item, property) → file.
    files: Vec<((usize, String), File)>,
    reads: RefCell<Vec<(usize, String)>>,
}

impl MockHost {
    pub fn new(replies: Vec<Result<Response, Failure>>) -> Self {
        MockHost {
            replies: RefCell::new(replies.into()),
            clock: std::cell::Cell::new(1_000_000),
            sent: RefCell::default(),
            sleeps: RefCell::default(),
            files: Vec::new(),
            reads: RefCell::default(),
        }
    }

    /// Gives input item `item` a binary property.
    pub fn with_file(mut self, item: usize, property: &str, file: File) -> Self {
        self.files.push(((item, property.to_string()), file));
        self
    }

    /// The binary properties read, in order.
    pub fn reads(&self) -> Vec<(usize, String)> {
        self.reads.borrow().clone()
    }

    pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, Failure> {
        Ok(Response {
            status,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    pub fn sent(&self) -> Vec<Outgoing> {
        self.sent.borrow().clone()
    }

    pub fn sleeps(&self) -> Vec<u64> {
        self.sleeps.borrow().clone()
    }
}

impl Host for MockHost {
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, Failure>> {
        self.sent.borrow_mut().push(request);
        let reply = self.replies.borrow_mut().pop_front().unwrap_or_else(|| Err("mock: no reply queued".into()));
        Box::pin(async move { reply })
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()> {
        self.sleeps.borrow_mut().push(ms);
        self.clock.set(self.clock.get().saturating_add(ms));
        Box::pin(async {})
    }

    fn now_ms(&self) -> u64 {
        self.clock.get()
    }

    fn binary(&self, item: usize, property: &str) -> LocalFuture<'_, Result<File, String>> {
        self.reads.borrow_mut().push((item, property.to_string()));
        let found = self.files.iter().find(|((i, p), _)| *i == item && p == property).map(|(_, f)| f.clone());
        Box::pin(async move { found.ok_or_else(|| "mock: no such binary property".to_string()) })
    }
}

/// Runs a future whose every step is ready at once, as everything here is.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

/// Prepares `operation` for one item with these parameters and credential values, as `run` would.
pub fn prepare(
    operation: &crate::node::Operation,
    item: usize,
    params: serde_json::Value,
    credentials: serde_json::Value,
) -> Result<crate::node::Plan, crate::error::NodeError> {
    let params = params.as_object().expect("params are an object").clone();
    let credentials = credentials.as_object().expect("credentials are an object").clone();
    let input = crate::node::Input {
        params: crate::params::Params::new(&params, item, &operation.properties),
        json: &serde_json::Value::Null,
        binary: &serde_json::Map::new(),
        credentials: &credentials,
        secrets: &std::cell::RefCell::new(Vec::new()),
        run: 7,
    };
    (operation.prepare)(&input)
}

/// A node named "demo" at `http://demo.test` for runtime tests; tests set what they exercise.
pub fn demo_node(credential: Option<&'static str>, resources: Vec<crate::node::Resource>) -> crate::node::Node {
    crate::node::Node {
        name: "demo",
        display_name: "Demo",
        description: "",
        icon: "demo.svg",
        icon_dark: None,
        credential,
        default_base_url: Some("http://demo.test"),
        resources,
        vendor_error: |_| crate::node::VendorError::default(),
        polling: None,
        docs_url: "",
        aliases: &[],
    }
}

/// A host on a simulated clock: each request takes the time its `answer` says, sleeps are timers, and
/// `run` moves the clock to the next timer whenever everything waits. For concurrency: it records
/// when each request started and ended, and the most that were in flight at once.
pub struct TimedHost {
    clock: std::cell::Cell<u64>,
    timers: RefCell<Vec<u64>>,
    answer: Box<Answerer>,
    log: RefCell<Vec<Timed>>,
    in_flight: std::cell::Cell<u64>,
    most_in_flight: std::cell::Cell<u64>,
}

/// `(request, its number, now)` → (latency in ms, reply).
type Answerer = dyn Fn(&Outgoing, usize, u64) -> (u64, Result<Response, Failure>);

/// One request as the timed host saw it.
#[derive(Debug, Clone)]
pub struct Timed {
    pub request: Outgoing,
    pub started: u64,
    pub status: u16,
}

impl TimedHost {
    pub fn new(answer: impl Fn(&Outgoing, usize, u64) -> (u64, Result<Response, Failure>) + 'static) -> Self {
        TimedHost {
            clock: std::cell::Cell::new(0),
            timers: RefCell::default(),
            answer: Box::new(answer),
            log: RefCell::default(),
            in_flight: std::cell::Cell::new(0),
            most_in_flight: std::cell::Cell::new(0),
        }
    }

    pub fn log(&self) -> Vec<Timed> {
        self.log.borrow().clone()
    }

    pub fn most_in_flight(&self) -> u64 {
        self.most_in_flight.get()
    }

    pub fn now(&self) -> u64 {
        self.clock.get()
    }

    fn timer(&self, ms: u64) -> impl Future<Output = ()> + '_ {
        let due = self.clock.get().saturating_add(ms);
        self.timers.borrow_mut().push(due);
        std::future::poll_fn(move |_| if self.clock.get() >= due { Poll::Ready(()) } else { Poll::Pending })
    }

    /// Runs `future` to its end, moving the clock whenever nothing can go on; panics on a deadlock.
    pub fn run<F: Future>(&self, future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        for _ in 0..10_000_000 {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
            let now = self.clock.get();
            let mut timers = self.timers.borrow_mut();
            if timers.iter().any(|due| *due <= now) {
                timers.retain(|due| *due > now);
                continue;
            }
            let next = timers.iter().copied().min().expect("deadlock: everything waits and no timer is set");
            self.clock.set(next);
        }
        panic!("the run did not end");
    }
}

impl Host for TimedHost {
    fn send(&self, request: Outgoing) -> LocalFuture<'_, Result<Response, Failure>> {
        let number = self.log.borrow().len();
        let (latency, reply) = (self.answer)(&request, number, self.clock.get());
        let status = reply.as_ref().map_or(0, |r| r.status);
        self.log.borrow_mut().push(Timed { request, started: self.clock.get(), status });
        let in_flight = self.in_flight.get() + 1;
        self.in_flight.set(in_flight);
        self.most_in_flight.set(self.most_in_flight.get().max(in_flight));
        Box::pin(async move {
            self.timer(latency).await;
            self.in_flight.set(self.in_flight.get() - 1);
            reply
        })
    }

    fn sleep(&self, ms: u64) -> LocalFuture<'_, ()> {
        Box::pin(self.timer(ms))
    }

    fn now_ms(&self) -> u64 {
        self.clock.get()
    }

    fn binary(&self, _item: usize, _property: &str) -> LocalFuture<'_, Result<File, String>> {
        Box::pin(async { Err("the timed host has no files".to_string()) })
    }
}
