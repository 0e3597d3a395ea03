//! A fault-injecting TCP proxy for HTTP/1.1 on loopback.
//!
//! The proxy listens on `127.0.0.1:0` and forwards to one upstream address. It follows the
//! request framing of the client-to-server stream (`Content-Length` and chunked bodies, several
//! requests per kept-alive connection), so that each request gets its own [`Fault`], chosen by a
//! [`Plan`]: explicit rules ("the first POST to `/releases/create` loses its response") and/or a
//! seeded random chooser. Everything it did is recorded in [`Stats`].
//!
//! It runs on its own thread and runtime, so blocking tests can use it as easily as async ones.
//! It is bounded and self-stopping: it stops when dropped, after its lifetime (10 minutes by
//! default) and accepts at most `max_connections` connections.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::rng::Rng;

/// What the proxy does to one request and its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward both ways untouched.
    Pass,
    /// Wait this long before forwarding the request (a slow network).
    Delay(Duration),
    /// Forward the request, then hold the first bytes of the response this long (a slow server).
    SlowResponse(Duration),
    /// Close the client's connection (FIN) without forwarding the request.
    Drop,
    /// Forward the first `n` bytes of the request (head and body), then reset both connections.
    ResetRequestAfter(u64),
    /// Forward the request and the first `n` bytes of the response, then reset the client.
    ResetResponseAfter(u64),
    /// Read the whole request but answer it with this status (and `Retry-After: seconds` when
    /// given) instead of forwarding it, then close the connection.
    Respond {
        /// HTTP status, e.g. 429, 502, 503.
        status: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Forward the request; when the server starts answering, reset the client's connection.
    /// The server committed the work; the client saw a connection reset.
    LoseResponse,
    /// Forward the request; when the server starts answering, send the client this status
    /// instead (with [`canned_response`]) and close. The server committed the work; the client
    /// saw an error status.
    ReplaceResponse {
        /// HTTP status, e.g. 502, 503, 504.
        status: u16,
    },
}

impl Fault {
    /// A short stable name for reports ("pass", "reset-request", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Pass => "pass",
            Fault::Delay(_) => "delay",
            Fault::SlowResponse(_) => "slow-response",
            Fault::Drop => "drop",
            Fault::ResetRequestAfter(_) => "reset-request",
            Fault::ResetResponseAfter(_) => "reset-response",
            Fault::Respond { .. } => "respond",
            Fault::LoseResponse => "lose-response",
            Fault::ReplaceResponse { .. } => "replace-response",
        }
    }
}

/// What the proxy saw of one request when it chose its fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    /// Connection number (0-based, in accept order).
    pub connection: u64,
    /// Request number over the proxy's life (0-based).
    pub index: u64,
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target, e.g. `/api/Spaces-1/packages/raw?overwriteMode=FailIfExists`.
    pub path: String,
    /// The `Content-Length`, when the body has one.
    pub content_length: Option<u64>,
    /// Whether the body is chunked.
    pub chunked: bool,
}

/// Which requests a rule applies to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Match {
    method: Option<String>,
    path_contains: Option<String>,
}

impl Match {
    /// Every request.
    pub fn any() -> Self {
        Match::default()
    }

    /// Requests with this method (case-insensitive) whose target contains `path_part`
    /// (case-insensitive).
    pub fn request(method: &str, path_part: &str) -> Self {
        Match {
            method: Some(method.to_ascii_uppercase()),
            path_contains: Some(path_part.to_ascii_lowercase()),
        }
    }

    /// Requests whose target contains `path_part` (case-insensitive), any method.
    pub fn path(path_part: &str) -> Self {
        Match { method: None, path_contains: Some(path_part.to_ascii_lowercase()) }
    }

    /// Whether `info` is matched.
    pub fn matches(&self, info: &RequestInfo) -> bool {
        self.method.as_ref().is_none_or(|m| info.method.eq_ignore_ascii_case(m))
            && self.path_contains.as_ref().is_none_or(|p| info.path.to_ascii_lowercase().contains(p))
    }
}

struct Rule {
    matcher: Match,
    fault: Fault,
    remaining: usize,
}

/// A function choosing a fault for a request from the plan's seeded generator.
pub type Chooser = Box<dyn FnMut(&mut Rng, &RequestInfo) -> Fault + Send>;

/// How the proxy chooses each request's fault: the first rule that matches and has firings left
/// wins; otherwise the seeded chooser decides; otherwise the request passes.
pub struct Plan {
    rules: Vec<Rule>,
    chooser: Option<Chooser>,
    rng: Rng,
    max_random_faults: Option<u64>,
    random_faults: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Plan::pass()
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("rules", &self.rules.len())
            .field("random", &self.chooser.is_some())
            .finish()
    }
}

impl Plan {
    /// Forward everything.
    pub fn pass() -> Self {
        Plan { rules: Vec::new(), chooser: None, rng: Rng::new(0), max_random_faults: None, random_faults: 0 }
    }

    /// Add a rule that fires once for the next request matching `matcher`.
    pub fn once(self, matcher: Match, fault: Fault) -> Self {
        self.times(matcher, fault, 1)
    }

    /// Add a rule that fires for the next `n` requests matching `matcher`.
    pub fn times(mut self, matcher: Match, fault: Fault, n: usize) -> Self {
        self.rules.push(Rule { matcher, fault, remaining: n });
        self
    }

    /// Let a seeded chooser decide for requests no rule took.
    pub fn seeded(
        mut self,
        seed: u64,
        chooser: impl FnMut(&mut Rng, &RequestInfo) -> Fault + Send + 'static,
    ) -> Self {
        self.rng = Rng::new(seed);
        self.chooser = Some(Box::new(chooser));
        self
    }

    /// Stop injecting random faults after `n` of them (so a retrying client can get through).
    pub fn max_random_faults(mut self, n: u64) -> Self {
        self.max_random_faults = Some(n);
        self
    }

    /// A general mix: each request matching `matcher` is faulted with probability `p`, the fault
    /// drawn from every kind (resets at random offsets up to the request's length, 429/502/503
    /// with and without `Retry-After`, lost responses, short delays).
    pub fn random(seed: u64, p: f64, matcher: Match) -> Self {
        Plan::pass().seeded(seed, move |rng, info| {
            if !matcher.matches(info) || !rng.chance(p) {
                return Fault::Pass;
            }
            random_fault(rng, info)
        })
    }

    fn decide(&mut self, info: &RequestInfo) -> Fault {
        for rule in &mut self.rules {
            if rule.remaining > 0 && rule.matcher.matches(info) {
                rule.remaining -= 1;
                return rule.fault.clone();
            }
        }
        if self.max_random_faults.is_some_and(|max| self.random_faults >= max) {
            return Fault::Pass;
        }
        let fault = match self.chooser.as_mut() {
            Some(chooser) => chooser(&mut self.rng, info),
            None => Fault::Pass,
        };
        if fault != Fault::Pass {
            self.random_faults += 1;
        }
        fault
    }
}

/// One fault of any kind, with offsets drawn within the request's size.
pub fn random_fault(rng: &mut Rng, info: &RequestInfo) -> Fault {
    let size = info.content_length.unwrap_or(4096).max(1) + 200;
    match rng.below(9) {
        0 => Fault::ResetRequestAfter(rng.below(size)),
        1 => Fault::ResetResponseAfter(rng.below(64)),
        2 => Fault::Respond { status: 503, retry_after: Some(rng.below(2)) },
        3 => Fault::Respond { status: 503, retry_after: None },
        4 => Fault::Respond { status: 429, retry_after: Some(1) },
        5 => Fault::Respond { status: 502, retry_after: None },
        6 => Fault::LoseResponse,
        7 => Fault::Drop,
        _ => Fault::Delay(Duration::from_millis(rng.range(10, 200))),
    }
}

/// What the proxy has done so far.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Connections accepted.
    pub connections: u64,
    /// Requests seen (heads parsed).
    pub requests: u64,
    /// Faults injected (anything but [`Fault::Pass`]).
    pub faults: u64,
    /// Faults that actually took effect on the wire (a reset offset beyond the end of a request
    /// does not, for example).
    pub faults_fired: u64,
    /// Bytes forwarded client to server.
    pub bytes_up: u64,
    /// Bytes forwarded server to client.
    pub bytes_down: u64,
    /// Every request and the fault chosen for it.
    pub log: Vec<(RequestInfo, Fault)>,
}

impl Stats {
    /// How many requests got a fault of this [`Fault::kind`].
    pub fn count(&self, kind: &str) -> usize {
        self.log.iter().filter(|(_, f)| f.kind() == kind).count()
    }

    /// How many requests matched by `matcher` were passed through untouched.
    pub fn passed(&self, matcher: &Match) -> usize {
        self.log.iter().filter(|(info, f)| *f == Fault::Pass && matcher.matches(info)).count()
    }
}

struct Shared {
    plan: Mutex<Plan>,
    stats: Mutex<Stats>,
}

impl Shared {
    fn decide(&self, mut info: RequestInfo) -> Fault {
        let mut stats = self.stats.lock().unwrap();
        info.index = stats.requests;
        stats.requests += 1;
        let fault = self.plan.lock().unwrap().decide(&info);
        if fault != Fault::Pass {
            stats.faults += 1;
        }
        stats.log.push((info, fault.clone()));
        fault
    }

    fn fired(&self) {
        self.stats.lock().unwrap().faults_fired += 1;
    }
}

/// Limits of a proxy.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The proxy stops by itself after this long.
    pub lifetime: Duration,
    /// Connections beyond this many are refused (closed at once).
    pub max_connections: u64,
}

impl Default for ProxyOptions {
    fn default() -> Self {
        ProxyOptions { lifetime: Duration::from_secs(600), max_connections: 100_000 }
    }
}

/// A running proxy. Dropping it stops it.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy").field("addr", &self.addr).finish()
    }
}

impl FaultProxy {
    /// Start a proxy to `upstream` with `plan` and default limits.
    pub fn start(upstream: SocketAddr, plan: Plan) -> io::Result<FaultProxy> {
        FaultProxy::start_with(upstream, plan, ProxyOptions::default())
    }

    /// Start a proxy to `upstream` with `plan` and these limits.
    pub fn start_with(upstream: SocketAddr, plan: Plan, options: ProxyOptions) -> io::Result<FaultProxy> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared { plan: Mutex::new(plan), stats: Mutex::new(Stats::default()) });
        let (stop_tx, stop_rx) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread_shared = shared.clone();
        let thread =
            std::thread::Builder::new().name(format!("fault-proxy-{}", addr.port())).spawn(move || {
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            accept_loop(listener, upstream, thread_shared, stop_rx, options).await
                        }
                        Err(error) => eprintln!("fault proxy: {error}"),
                    }
                });
            })?;
        Ok(FaultProxy { addr, shared, stop: Some(stop_tx), thread: Some(thread) })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replace the plan (for requests whose head arrives from now on).
    pub fn set_plan(&self, plan: Plan) {
        *self.shared.plan.lock().unwrap() = plan;
    }

    /// A copy of the statistics so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().unwrap().clone()
    }

    /// Stop accepting and close every connection.
    pub fn stop(mut self) -> Stats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shutdown();
    }
}

async fn accept_loop(
    listener: TcpListener,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
    options: ProxyOptions,
) {
    let deadline = tokio::time::sleep(options.lifetime);
    tokio::pin!(deadline);
    let mut connections = JoinSet::new();
    let mut accepted = 0u64;
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = &mut deadline => break,
            accepted_conn = listener.accept() => {
                let Ok((client, _)) = accepted_conn else { continue };
                if accepted >= options.max_connections {
                    drop(client);
                    continue;
                }
                let id = accepted;
                accepted += 1;
                shared.stats.lock().unwrap().connections += 1;
                connections.spawn(handle_connection(client, upstream, shared.clone(), id));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Close a socket with RST instead of FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

enum ResponseMode {
    Normal,
    Lose,
    Slow(Duration),
    ResetAfter(u64),
    Replace(u16),
}

async fn handle_connection(mut client: TcpStream, upstream_addr: SocketAddr, shared: Arc<Shared>, id: u64) {
    let _ = client.set_nodelay(true);
    let mut upstream: Option<TcpStream> = None;
    let mut framer = Framer::default();
    let mut pieces = Vec::new();
    let mut request_budget: Option<u64> = None;
    let mut swallow: Option<(u16, Option<u64>)> = None;
    let mut response = ResponseMode::Normal;
    let mut client_open = true;
    let mut client_buf = vec![0u8; 64 * 1024];
    let mut upstream_buf = vec![0u8; 64 * 1024];

    loop {
        tokio::select! {
            read = client.read(&mut client_buf), if client_open => {
                let n = match read {
                    Ok(0) | Err(_) => {
                        client_open = false;
                        match upstream.as_mut() {
                            Some(up) => { let _ = up.shutdown().await; continue; }
                            None => return,
                        }
                    }
                    Ok(n) => n,
                };
                pieces.clear();
                framer.feed(&client_buf[..n], &mut pieces);
                for piece in pieces.drain(..) {
                    let bytes = match piece {
                        Piece::Head(bytes, mut info) => {
                            info.connection = id;
                            request_budget = None;
                            response = ResponseMode::Normal;
                            match shared.decide(info) {
                                Fault::Pass => {}
                                Fault::Delay(d) => { shared.fired(); tokio::time::sleep(d).await; }
                                Fault::SlowResponse(d) => response = ResponseMode::Slow(d),
                                Fault::Drop => { shared.fired(); return; }
                                Fault::ResetRequestAfter(n) => request_budget = Some(n),
                                Fault::ResetResponseAfter(n) => response = ResponseMode::ResetAfter(n),
                                Fault::Respond { status, retry_after } => swallow = Some((status, retry_after)),
                                Fault::LoseResponse => response = ResponseMode::Lose,
                                Fault::ReplaceResponse { status } => response = ResponseMode::Replace(status),
                            }
                            bytes
                        }
                        Piece::Body(bytes) => bytes,
                        Piece::End => {
                            request_budget = None;
                            if let Some((status, retry_after)) = swallow.take() {
                                shared.fired();
                                let _ = client.write_all(&canned_response(status, retry_after)).await;
                                let _ = client.shutdown().await;
                                return;
                            }
                            continue;
                        }
                    };
                    if swallow.is_some() {
                        continue;
                    }
                    if upstream.is_none() {
                        match TcpStream::connect(upstream_addr).await {
                            Ok(up) => { let _ = up.set_nodelay(true); upstream = Some(up); }
                            Err(_) => {
                                let _ = client.write_all(&canned_response(502, None)).await;
                                return;
                            }
                        }
                    }
                    let Some(up) = upstream.as_mut() else { return };
                    let (send, cut) = match request_budget {
                        Some(budget) if (bytes.len() as u64) >= budget => (&bytes[..budget as usize], true),
                        Some(budget) => { request_budget = Some(budget - bytes.len() as u64); (&bytes[..], false) }
                        None => (&bytes[..], false),
                    };
                    if up.write_all(send).await.is_err() {
                        return;
                    }
                    shared.stats.lock().unwrap().bytes_up += send.len() as u64;
                    if cut {
                        shared.fired();
                        let _ = up.flush().await;
                        if let Some(up) = upstream.take() { reset(up); }
                        reset(client);
                        return;
                    }
                }
            }
            read = async { upstream.as_mut().unwrap().read(&mut upstream_buf).await }, if upstream.is_some() => {
                let n = match read {
                    Ok(0) | Err(_) => {
                        let _ = client.shutdown().await;
                        return;
                    }
                    Ok(n) => n,
                };
                let mut send = &upstream_buf[..n];
                match &mut response {
                    ResponseMode::Normal => {}
                    ResponseMode::Lose => {
                        shared.fired();
                        reset(client);
                        return;
                    }
                    ResponseMode::Replace(status) => {
                        shared.fired();
                        let _ = client.write_all(&canned_response(*status, None)).await;
                        let _ = client.shutdown().await;
                        return;
                    }
                    ResponseMode::Slow(d) => {
                        shared.fired();
                        let d = *d;
                        response = ResponseMode::Normal;
                        tokio::time::sleep(d).await;
                    }
                    ResponseMode::ResetAfter(budget) => {
                        if (n as u64) >= *budget {
                            send = &upstream_buf[..*budget as usize];
                            let _ = client.write_all(send).await;
                            let _ = client.flush().await;
                            shared.fired();
                            reset(client);
                            return;
                        }
                        *budget -= n as u64;
                    }
                }
                if client.write_all(send).await.is_err() {
                    return;
                }
                shared.stats.lock().unwrap().bytes_down += send.len() as u64;
            }
        }
    }
}

/// The JSON answer the proxy gives instead of forwarding (Octopus's error shape).
pub fn canned_response(status: u16, retry_after: Option<u64>) -> Vec<u8> {
    let reason = match status {
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Injected",
    };
    let body = format!(r#"{{"ErrorMessage":"injected {status} by the fault proxy","Errors":[]}}"#);
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(seconds) = retry_after {
        head.push_str(&format!("Retry-After: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&body);
    head.into_bytes()
}

/// A part of the client-to-server byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// A complete request head (its raw bytes) and what it says.
    Head(Vec<u8>, RequestInfo),
    /// Raw body bytes (including chunk framing) of the current request.
    Body(Vec<u8>),
    /// The current request is complete.
    End,
}

#[derive(Debug)]
enum FrameState {
    Head(Vec<u8>),
    Body(u64),
    ChunkSize(Vec<u8>),
    ChunkData(u64),
    ChunkCrlf(u64),
    Trailer(Vec<u8>),
    /// Something the framer does not understand (an upgrade, garbage): pass it on as body.
    Opaque,
}

/// Splits a client-to-server HTTP/1.1 byte stream into request heads, bodies and ends.
#[derive(Debug)]
struct Framer {
    state: FrameState,
}

impl Default for Framer {
    fn default() -> Self {
        Framer { state: FrameState::Head(Vec::new()) }
    }
}

const MAX_HEAD: usize = 64 * 1024;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> RequestInfo {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut content_length = None;
    let mut chunked = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value.parse().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            chunked = true;
        }
    }
    RequestInfo { connection: 0, index: 0, method, path, content_length, chunked }
}

impl Framer {
    fn feed(&mut self, mut data: &[u8], out: &mut Vec<Piece>) {
        while !data.is_empty() {
            match &mut self.state {
                FrameState::Head(buf) => {
                    let old = buf.len();
                    let search_from = old.saturating_sub(3);
                    buf.extend_from_slice(data);
                    if let Some(pos) = find(&buf[search_from..], b"\r\n\r\n") {
                        let end = search_from + pos + 4;
                        buf.truncate(end);
                        data = &data[end - old..];
                        let head = std::mem::take(buf);
                        let info = parse_head(&head);
                        let (chunked, length) = (info.chunked, info.content_length.unwrap_or(0));
                        out.push(Piece::Head(head, info));
                        if chunked {
                            self.state = FrameState::ChunkSize(Vec::new());
                        } else if length > 0 {
                            self.state = FrameState::Body(length);
                        } else {
                            out.push(Piece::End);
                            self.state = FrameState::Head(Vec::new());
                        }
                    } else if buf.len() > MAX_HEAD {
                        let all = std::mem::take(buf);
                        out.push(Piece::Body(all));
                        self.state = FrameState::Opaque;
                        data = &[];
                    } else {
                        data = &[];
                    }
                }
                FrameState::Body(remaining) => {
                    let take = (*remaining).min(data.len() as u64) as usize;
                    out.push(Piece::Body(data[..take].to_vec()));
                    *remaining -= take as u64;
                    data = &data[take..];
                    if *remaining == 0 {
                        out.push(Piece::End);
                        self.state = FrameState::Head(Vec::new());
                    }
                }
                FrameState::ChunkSize(line) | FrameState::Trailer(line) => {
                    let take = data.iter().position(|&b| b == b'\n').map_or(data.len(), |p| p + 1);
                    line.extend_from_slice(&data[..take]);
                    out.push(Piece::Body(data[..take].to_vec()));
                    data = &data[take..];
                    if line.last() != Some(&b'\n') {
                        if line.len() > MAX_HEAD {
                            self.state = FrameState::Opaque;
                        }
                        continue;
                    }
                    let complete = std::mem::take(line);
                    if matches!(self.state, FrameState::Trailer(_)) {
                        if complete == b"\r\n" || complete == b"\n" {
                            out.push(Piece::End);
                            self.state = FrameState::Head(Vec::new());
                        }
                        continue;
                    }
                    let text = String::from_utf8_lossy(&complete);
                    let size_text = text.trim().split(';').next().unwrap_or_default().trim().to_owned();
                    match u64::from_str_radix(&size_text, 16) {
                        Ok(0) => self.state = FrameState::Trailer(Vec::new()),
                        Ok(size) => self.state = FrameState::ChunkData(size),
                        Err(_) => self.state = FrameState::Opaque,
                    }
                }
                FrameState::ChunkData(remaining) | FrameState::ChunkCrlf(remaining) => {
                    let take = (*remaining).min(data.len() as u64) as usize;
                    out.push(Piece::Body(data[..take].to_vec()));
                    *remaining -= take as u64;
                    data = &data[take..];
                    if *remaining == 0 {
                        self.state = match self.state {
                            FrameState::ChunkData(_) => FrameState::ChunkCrlf(2),
                            _ => FrameState::ChunkSize(Vec::new()),
                        };
                    }
                }
                FrameState::Opaque => {
                    out.push(Piece::Body(data.to_vec()));
                    data = &[];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::time::Instant;

    /// Feed `stream` to a framer in pieces of `step` bytes; return (heads' paths, body bytes per
    /// request, ends).
    fn frame(stream: &[u8], step: usize) -> (Vec<String>, Vec<usize>, usize) {
        let mut framer = Framer::default();
        let mut out = Vec::new();
        for chunk in stream.chunks(step) {
            framer.feed(chunk, &mut out);
        }
        let mut paths = Vec::new();
        let mut bodies = Vec::new();
        let mut ends = 0;
        let mut total = 0;
        for piece in out {
            match piece {
                Piece::Head(bytes, info) => {
                    total += bytes.len();
                    paths.push(info.path);
                    bodies.push(0);
                }
                Piece::Body(bytes) => {
                    total += bytes.len();
                    if let Some(last) = bodies.last_mut() {
                        *last += bytes.len();
                    }
                }
                Piece::End => ends += 1,
            }
        }
        assert_eq!(total, stream.len(), "every byte is passed on exactly once");
        (paths, bodies, ends)
    }

    #[test]
    fn framer_splits_keep_alive_requests_at_any_boundary() {
        let mut stream = Vec::new();
        stream.extend_from_slice(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.extend_from_slice(b"POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        stream.extend_from_slice(b"POST /c HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\na;x=y\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n");
        stream.extend_from_slice(b"PUT /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        for step in [1, 2, 3, 7, 16, 1000] {
            let (paths, bodies, ends) = frame(&stream, step);
            assert_eq!(paths, ["/a", "/b", "/c", "/d"], "step {step}");
            assert_eq!(bodies[..2], [0, 5], "step {step}");
            assert_eq!(ends, 4, "step {step}");
        }
    }

    #[test]
    fn framer_passes_garbage_through() {
        let junk = vec![b'x'; MAX_HEAD + 10];
        let (paths, _, ends) = frame(&junk, 4096);
        assert!(paths.is_empty());
        assert_eq!(ends, 0);
    }

    /// A tiny keep-alive HTTP server: answers each request with `got METHOD PATH LEN`, and records
    /// every request it saw completely and every one it saw cut short.
    struct TestServer {
        addr: SocketAddr,
        seen: Arc<Mutex<Vec<String>>>,
    }

    fn test_server(response_delay: Duration) -> TestServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let seen = seen2.clone();
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut tmp = [0u8; 8192];
                    loop {
                        let Some(end) = find(&buf, b"\r\n\r\n") else {
                            match stream.read(&mut tmp) {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&tmp[..n]),
                            }
                            continue;
                        };
                        let info = parse_head(&buf[..end + 4]);
                        let close = String::from_utf8_lossy(&buf[..end])
                            .to_ascii_lowercase()
                            .contains("connection: close");
                        let want = info.content_length.unwrap_or(0) as usize;
                        while buf.len() < end + 4 + want {
                            match stream.read(&mut tmp) {
                                Ok(0) | Err(_) => {
                                    seen.lock().unwrap().push(format!("cut {} {}", info.method, info.path));
                                    return;
                                }
                                Ok(n) => buf.extend_from_slice(&tmp[..n]),
                            }
                        }
                        buf.drain(..end + 4 + want);
                        seen.lock().unwrap().push(format!("{} {}", info.method, info.path));
                        std::thread::sleep(response_delay);
                        let body = format!("got {} {} {}", info.method, info.path, want);
                        let reply =
                            format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}", body.len(), body);
                        if stream.write_all(reply.as_bytes()).is_err() || close {
                            return;
                        }
                    }
                });
            }
        });
        TestServer { addr, seen }
    }

    fn post(url: &str, path: &str, body: &[u8]) -> io::Result<crate::http::Response> {
        crate::http::request(url, "POST", path, &[], body)
    }

    #[test]
    fn pass_forwards_both_ways() {
        let server = test_server(Duration::ZERO);
        let proxy = FaultProxy::start(server.addr, Plan::pass()).unwrap();
        let response = post(&proxy.url(), "/x", b"12345").unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.text(), "got POST /x 5");
        let stats = proxy.stop();
        assert_eq!((stats.requests, stats.faults), (1, 0));
        assert!(stats.bytes_up > 5 && stats.bytes_down > 10);
    }

    #[test]
    fn respond_answers_without_forwarding() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass()
            .once(Match::request("POST", "/x"), Fault::Respond { status: 503, retry_after: Some(7) })
            .once(Match::any(), Fault::Respond { status: 429, retry_after: None });
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        let first = post(&proxy.url(), "/x", b"abc").unwrap();
        assert_eq!(first.status, 503);
        assert_eq!(first.header("retry-after"), Some("7"));
        assert!(first.text().contains("ErrorMessage"));
        let second = post(&proxy.url(), "/y", b"abc").unwrap();
        assert_eq!(second.status, 429);
        assert_eq!(second.header("retry-after"), None);
        assert_eq!(post(&proxy.url(), "/z", b"").unwrap().status, 200);
        assert_eq!(*server.seen.lock().unwrap(), ["POST /z"]);
        assert_eq!(proxy.stats().faults_fired, 2);
    }

    #[test]
    fn reset_request_cuts_the_upload_mid_stream() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass().once(Match::path("/upload"), Fault::ResetRequestAfter(5000));
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        let body = vec![7u8; 100_000];
        assert!(post(&proxy.url(), "/upload", &body).is_err(), "the client sees the connection fail");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(*server.seen.lock().unwrap(), ["cut POST /upload"], "the server saw a cut request");
        assert_eq!(post(&proxy.url(), "/upload", &body).unwrap().status, 200, "the rule fired once");
    }

    #[test]
    fn lose_response_lets_the_server_commit() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass().once(Match::request("POST", "/commit"), Fault::LoseResponse);
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        assert!(post(&proxy.url(), "/commit", b"x").is_err());
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(*server.seen.lock().unwrap(), ["POST /commit"], "the server did the work");
    }

    #[test]
    fn replace_response_lets_the_server_commit_and_answers_the_status() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass().once(Match::path("/commit"), Fault::ReplaceResponse { status: 504 });
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        assert_eq!(post(&proxy.url(), "/commit", b"x").unwrap().status, 504);
        assert_eq!(post(&proxy.url(), "/commit", b"y").unwrap().status, 200);
        assert_eq!(*server.seen.lock().unwrap(), ["POST /commit", "POST /commit"], "the server did the work");
        let stats = proxy.stats();
        assert_eq!(stats.count("replace-response"), 1);
        assert_eq!(stats.passed(&Match::path("/commit")), 1);
    }

    #[test]
    fn reset_response_truncates_the_answer() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass().once(Match::any(), Fault::ResetResponseAfter(10));
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        assert!(post(&proxy.url(), "/r", b"x").is_err());
    }

    #[test]
    fn drop_closes_without_forwarding() {
        let server = test_server(Duration::ZERO);
        let proxy = FaultProxy::start(server.addr, Plan::pass().once(Match::any(), Fault::Drop)).unwrap();
        assert!(post(&proxy.url(), "/d", b"x").is_err());
        assert!(server.seen.lock().unwrap().is_empty());
    }

    #[test]
    fn delays_and_slow_responses_take_time() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass()
            .once(Match::path("/delay"), Fault::Delay(Duration::from_millis(300)))
            .once(Match::path("/slow"), Fault::SlowResponse(Duration::from_millis(300)));
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        for path in ["/delay", "/slow"] {
            let started = Instant::now();
            assert_eq!(post(&proxy.url(), path, b"").unwrap().status, 200);
            assert!(started.elapsed() >= Duration::from_millis(290), "{path}");
        }
    }

    #[test]
    fn faults_target_one_request_on_a_kept_alive_connection() {
        let server = test_server(Duration::ZERO);
        let plan = Plan::pass()
            .once(Match::request("POST", "/second"), Fault::Respond { status: 502, retry_after: None });
        let proxy = FaultProxy::start(server.addr, plan).unwrap();
        let mut stream = std::net::TcpStream::connect(proxy.addr()).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(b"POST /first HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc").unwrap();
        let mut buf = [0u8; 4096];
        let n = stream.read(&mut buf).unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).ends_with("got POST /first 3"));
        stream
            .write_all(b"POST /second HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n")
            .unwrap();
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).unwrap();
        assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 502 "));
        assert_eq!(*server.seen.lock().unwrap(), ["POST /first"]);
    }

    #[test]
    fn seeded_plans_repeat_exactly() {
        let server = test_server(Duration::ZERO);
        let run = |seed| {
            let plan = Plan::random(seed, 0.5, Match::any()).max_random_faults(6);
            let proxy = FaultProxy::start(server.addr, plan).unwrap();
            for i in 0..12 {
                let _ = post(&proxy.url(), &format!("/p{i}"), &[1u8; 300]);
            }
            proxy.stop().log.into_iter().map(|(_, f)| f).collect::<Vec<_>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        assert!(a.iter().filter(|f| **f != Fault::Pass).count() <= 6);
    }

    #[test]
    fn the_proxy_stops_by_itself() {
        let server = test_server(Duration::ZERO);
        let options = ProxyOptions { lifetime: Duration::from_millis(200), max_connections: 1 };
        let proxy = FaultProxy::start_with(server.addr, Plan::pass(), options).unwrap();
        assert_eq!(post(&proxy.url(), "/1", b"").unwrap().status, 200);
        assert!(post(&proxy.url(), "/2", b"").is_err(), "beyond max_connections");
        std::thread::sleep(Duration::from_millis(400));
        assert!(std::net::TcpStream::connect(proxy.addr()).is_err(), "stopped after its lifetime");
    }
}
