//! A bounded load generator for the service: `concurrency` clients, each
//! on one HTTP/1.1 keep-alive connection, send `POST /v1/decisions` from a
//! mix of samples until `requests` are sent or `time_cap` has passed.
//!
//! The client is written by hand over a tokio `TcpStream` (no HTTP client
//! dependency): it writes a prepared request, reads the head up to the
//! blank line, then `Content-Length` bytes of body. That is all the
//! service's replies need; anything else (chunked bodies, a malformed head)
//! counts as an error and the connection is replaced.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::api::DecisionRequest;

/// Largest response head accepted, in bytes.
const MAX_HEAD: usize = 16 << 10;
/// Largest response body accepted, in bytes.
const MAX_BODY: usize = 1 << 20;

/// How much load to send.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Requests to send in all.
    pub requests: usize,
    /// Clients, each with its own connection, sending one request at a time.
    pub concurrency: usize,
    /// Stop sending after this long, even if fewer requests went out.
    pub time_cap: Duration,
    /// Give up on one request after this long (counted as an error).
    pub request_timeout: Duration,
}

/// One request of the mix: the bytes to send and the decision expected.
#[derive(Clone, Debug)]
pub struct Shot {
    request: Vec<u8>,
    expect: Vec<u8>,
}

impl Shot {
    /// `POST /v1/decisions` with `request` as its body, expecting `decision`.
    pub fn decision(request: &DecisionRequest, decision: &str) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(request)?;
        let mut bytes = format!(
            "POST /v1/decisions HTTP/1.1\r\nhost: approval-service\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        bytes.extend_from_slice(&body);
        Ok(Self { request: bytes, expect: format!("\"decision\":\"{decision}\"").into_bytes() })
    }
}

/// What a load run measured.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Requests that got a 200 with the expected decision.
    pub ok: usize,
    /// Requests that failed: I/O, timeout, a status other than 200, or a
    /// decision other than the expected one.
    pub errors: usize,
    /// The first error seen, to say what went wrong.
    pub first_error: Option<String>,
    /// From the first request to the last reply.
    pub elapsed: Duration,
    /// Latency of each successful request, sorted.
    pub latencies: Vec<Duration>,
}

impl Report {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at percentile `p` (0 to 100, nearest rank), zero if
    /// nothing succeeded.
    pub fn percentile(&self, p: f64) -> Duration {
        let n = self.latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * n as f64).ceil() as usize;
        self.latencies[rank.clamp(1, n) - 1]
    }
}

/// Sends `load` to the service at `addr`, cycling through `shots`.
pub async fn run(addr: SocketAddr, shots: Vec<Shot>, load: Load) -> Report {
    if shots.is_empty() {
        return Report { first_error: Some("no requests to send".into()), ..Report::default() };
    }
    let shots = Arc::new(shots);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + load.time_cap;
    let clients: Vec<_> = (0..load.concurrency.max(1))
        .map(|_| tokio::spawn(client(addr, Arc::clone(&shots), Arc::clone(&next), deadline, load)))
        .collect();
    let mut report = Report::default();
    for c in clients {
        match c.await {
            Ok(part) => {
                report.ok += part.ok;
                report.errors += part.errors;
                report.first_error = report.first_error.or(part.first_error);
                report.latencies.extend(part.latencies);
            }
            Err(e) => {
                report.errors += 1;
                report.first_error.get_or_insert_with(|| format!("a client task failed: {e}"));
            }
        }
    }
    report.elapsed = started.elapsed();
    report.latencies.sort_unstable();
    report
}

async fn client(
    addr: SocketAddr,
    shots: Arc<Vec<Shot>>,
    next: Arc<AtomicUsize>,
    deadline: Instant,
    load: Load,
) -> Report {
    let mut report = Report::default();
    let mut conn: Option<Conn> = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= load.requests || Instant::now() >= deadline {
            return report;
        }
        let shot = &shots[i % shots.len()];
        let sent = Instant::now();
        let exchange = async {
            let c = match conn.as_mut() {
                Some(c) => c,
                None => conn.insert(Conn::open(addr).await?),
            };
            c.exchange(&shot.request).await
        };
        let outcome = tokio::time::timeout(load.request_timeout, exchange).await;
        let reply = match outcome {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => {
                conn = None;
                fail(&mut report, format!("request {i}: {e}"));
                continue;
            }
            Err(_) => {
                conn = None;
                fail(&mut report, format!("request {i}: no reply within {:?}", load.request_timeout));
                continue;
            }
        };
        let latency = sent.elapsed();
        if reply.close {
            conn = None;
        }
        if reply.status != 200 {
            let body = String::from_utf8_lossy(&reply.body);
            fail(&mut report, format!("request {i}: status {}: {body}", reply.status));
        } else if !contains(&reply.body, &shot.expect) {
            let body = String::from_utf8_lossy(&reply.body);
            let expect = String::from_utf8_lossy(&shot.expect);
            fail(&mut report, format!("request {i}: expected {expect}, got {body}"));
        } else {
            report.ok += 1;
            report.latencies.push(latency);
        }
    }
}

fn fail(report: &mut Report, why: String) {
    report.errors += 1;
    report.first_error.get_or_insert(why);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// One HTTP/1.1 keep-alive connection.
struct Conn {
    stream: TcpStream,
    /// Bytes read past the last reply.
    buf: Vec<u8>,
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    /// The server will close the connection after this reply.
    close: bool,
}

fn bad(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.into())
}

impl Conn {
    async fn open(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self { stream, buf: Vec::with_capacity(4096) })
    }

    /// Reads more bytes into the buffer; an orderly close is an error here,
    /// since a reply is still expected.
    async fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn exchange(&mut self, request: &[u8]) -> io::Result<Reply> {
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(bad(format!("response head longer than {MAX_HEAD} bytes")));
            }
            self.fill().await?;
        };
        let head =
            std::str::from_utf8(&self.buf[..head_end]).map_err(|_| bad("response head is not UTF-8"))?;
        let (status, length, close) = parse_head(head)?;
        if length > MAX_BODY {
            return Err(bad(format!("response body of {length} bytes")));
        }
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        self.buf.drain(..head_end + length);
        Ok(Reply { status, body, close })
    }
}

/// (status, content length, connection closes) from a response head.
fn parse_head(head: &str) -> io::Result<(u16, usize, bool)> {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad(format!("not an HTTP/1.1 status line: {status_line:?}")))?;
    let (mut length, mut close) = (None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse().map_err(|_| bad(format!("bad content-length {value:?}")))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad(format!("transfer-encoding {value:?} is not supported by this client")));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    let length = length.ok_or_else(|| bad("response without content-length"))?;
    Ok((status, length, close))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_gives_status_length_and_close() {
        let head = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\nContent-Length: 17\r\n\
                    connection: close\r\n\r\n";
        assert_eq!(parse_head(head).ok(), Some((400, 17, true)));
    }

    #[test]
    fn a_chunked_reply_is_an_error() {
        let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert!(parse_head(head).is_err());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let latencies = (1..=100).map(Duration::from_millis).collect();
        let report = Report { ok: 100, latencies, ..Report::default() };
        assert_eq!(report.percentile(50.0), Duration::from_millis(50));
        assert_eq!(report.percentile(99.0), Duration::from_millis(99));
        assert_eq!(report.percentile(100.0), Duration::from_millis(100));
        assert_eq!(Report::default().percentile(50.0), Duration::ZERO);
    }
}
