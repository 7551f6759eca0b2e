//! Fetching a job's REST answers from a live JobManager (native only).
//!
//! A minimal HTTP/1.1 GET over `std::net::TcpStream`, enough for Flink's REST endpoint on
//! `http://host:port`: one request per connection (`Connection: close`), a body delimited
//! by `Content-Length`, by chunked transfer coding or by the end of the connection. No TLS:
//! an `https://` URL is refused with a message saying so, rather than pulling a TLS stack
//! into the lab for one command. The answers are returned as `(file name, text)` pairs
//! under the recorded layout's names, so `rest::load` reads them like a directory.

use super::fetch::{block_on_ready, url_error, JobManagerUrl};
use super::json::LoadError;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// GET `path` from the JobManager; the body on status 200, else an error naming the
/// endpoint and the status.
pub fn get(url: &JobManagerUrl, path: &str) -> Result<String, LoadError> {
    let endpoint = format!("{}{path}", url.base());
    let err = |m: String| url_error(&endpoint, m);
    let addr = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| err(format!("cannot resolve {}: {e}", url.host)))?
        .next()
        .ok_or_else(|| err(format!("{} resolves to no address", url.host)))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| err(format!("cannot connect (is the JobManager running?): {e}")))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}:{}\r\nAccept: application/json\r\nUser-Agent: statelab-cli\r\nConnection: close\r\n\r\n",
        url.host, url.port
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| err(format!("sending the request: {e}")))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| err(format!("reading the answer: {e}")))?;
    let (status, body) = parse_response(&raw).map_err(err)?;
    if status != 200 {
        let snippet: String = String::from_utf8_lossy(&body).chars().take(300).collect();
        return Err(err(format!("HTTP status {status}: {snippet}")));
    }
    String::from_utf8(body).map_err(|_| err("the answer is not UTF-8".into()))
}

/// Splits an HTTP/1.1 response into its status and decoded body.
pub fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the answer has no complete HTTP header")?;
    let head = std::str::from_utf8(&raw[..head_end]).map_err(|_| "the HTTP header is not text")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("not an HTTP status line: `{status_line}`"))?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            if k == "content-length" {
                length = v.parse::<usize>().ok();
            } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                chunked = true;
            }
        }
    }
    let body = &raw[head_end + 4..];
    let body = if chunked {
        dechunk(body)?
    } else if let Some(n) = length {
        body.get(..n)
            .ok_or_else(|| format!("the answer ends after {} of {n} bytes", body.len()))?
            .to_vec()
    } else {
        body.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk size line is cut off")?;
        let size_text = std::str::from_utf8(&body[..line_end]).map_err(|_| "bad chunk size")?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size `{size_text}`"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = body.get(..size).ok_or("a chunk is cut off")?;
        out.extend_from_slice(chunk);
        body = body.get(size + 2..).ok_or("a chunk's end is cut off")?;
    }
}

/// Fetches one job's answers from `url_text` (see [`JobManagerUrl`]) under the recorded
/// layout's names, over this module's blocking client.
pub fn fetch_job(url_text: &str) -> Result<Vec<(String, String)>, LoadError> {
    let url = JobManagerUrl::parse(url_text)?;
    if url.https {
        return Err(url_error(
            url_text,
            "HTTPS is not supported by statelab-cli's built-in client (plain http://host:port only); fetch the answers with curl into a directory and calibrate that",
        ));
    }
    block_on_ready(super::fetch::fetch_job(&url, |path: String| {
        std::future::ready(get(&url, &path))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing";
        assert_eq!(parse_response(r).unwrap(), (200, b"{}".to_vec()));
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n";
        assert_eq!(parse_response(r).unwrap(), (200, b"{\"a\":1}".to_vec()));
        let r = b"HTTP/1.1 404 Not Found\r\n\r\n{\"errors\":[]}";
        assert_eq!(parse_response(r).unwrap().0, 404);
        assert!(parse_response(b"HTTP/1.1 200").is_err());
    }
}
