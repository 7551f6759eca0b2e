//! Fetching a job's REST answers from a live JobManager (native only).
//!
//! A minimal HTTP/1.1 GET over `std::net::TcpStream`, enough for Flink's REST endpoint on
//! `http://host:port`: one request per connection (`Connection: close`), a body delimited
//! by `Content-Length`, by chunked transfer coding or by the end of the connection. No TLS:
//! an `https://` URL is refused with a message saying so, rather than pulling a TLS stack
//! into the lab for one command. The answers are returned as `(file name, text)` pairs
//! under the recorded layout's names, so `rest::load` reads them like a directory.

use super::json::LoadError;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `http://host:port`, optionally followed by `/jobs/<id>` (or the web UI's
/// `/#/job/running/<id>/…`) to pick a job; without one, the only running job, or else the
/// one that started last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobManagerUrl {
    pub host: String,
    pub port: u16,
    pub job: Option<String>,
}

fn url_error(url: &str, message: impl Into<String>) -> LoadError {
    LoadError {
        file: url.to_string(),
        at: String::new(),
        message: message.into(),
    }
}

impl JobManagerUrl {
    pub fn parse(url: &str) -> Result<Self, LoadError> {
        if url.starts_with("https://") {
            return Err(url_error(
                url,
                "HTTPS is not supported by statelab-cli's built-in client (plain http://host:port only); fetch the answers with curl into a directory and calibrate that",
            ));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| url_error(url, "not a JobManager URL: expected http://host:port"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| url_error(url, format!("`{p}` is not a port number")))?,
            ),
            None => (authority.to_string(), 8081),
        };
        if host.is_empty() {
            return Err(url_error(url, "no host in the URL"));
        }
        // A job id is 32 hex digits: `/jobs/<id>` or the web UI's `#/job/running/<id>/…`.
        let job = path
            .split(['/', '#', '?'])
            .find(|s| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit()))
            .map(str::to_string);
        Ok(Self { host, port, job })
    }

    fn base(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }
}

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

/// The aggregated subtask metrics the calibration reads, per vertex.
const SUBTASK_METRICS: &str =
    "numRecordsIn,numRecordsOut,checkpointStartDelayNanos,checkpointAlignmentTime,numRecordsInPerSecond,busyTimeMsPerSecond";

/// The job metrics sampled into `job-checkpoint-metrics-series.json` (one sample here).
const JOB_METRICS: &str = "lastCheckpointSize,lastCheckpointFullSize,lastCheckpointDuration,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,numberOfInProgressCheckpoints,lastCompletedCheckpointId";

/// Fetches one job's answers under the recorded layout's names.
pub fn fetch_job(url_text: &str) -> Result<Vec<(String, String)>, LoadError> {
    let url = JobManagerUrl::parse(url_text)?;
    let job = match &url.job {
        Some(j) => j.clone(),
        None => pick_job(&url)?,
    };
    let mut files = Vec::new();
    let base = format!("/jobs/{job}");
    let job_text = get(&url, &base)?;
    files.push(("job.json".to_string(), job_text.clone()));
    files.push((
        "checkpoints.json".into(),
        get(&url, &format!("{base}/checkpoints"))?,
    ));
    files.push((
        "checkpoints-config.json".into(),
        get(&url, &format!("{base}/checkpoints/config"))?,
    ));
    files.push((
        "job-config.json".into(),
        get(&url, &format!("{base}/config"))?,
    ));
    // The details of every completed checkpoint still in the history, and the subtasks
    // of the latest one.
    let cps: serde_json::Value = serde_json::from_str(&files[1].1)
        .map_err(|e| url_error(&format!("{base}/checkpoints"), e.to_string()))?;
    let job_value: serde_json::Value =
        serde_json::from_str(&job_text).map_err(|e| url_error(&base, e.to_string()))?;
    let completed: Vec<u64> = cps["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter(|c| c["status"] == "COMPLETED")
                .filter_map(|c| c["id"].as_u64())
                .collect()
        })
        .unwrap_or_default();
    for cid in &completed {
        files.push((
            format!("checkpoint-details-{cid}.json"),
            get(&url, &format!("{base}/checkpoints/details/{cid}"))?,
        ));
    }
    let vertices: Vec<(String, String)> = job_value["vertices"]
        .as_array()
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    Some((
                        v["id"].as_str()?.to_string(),
                        v["name"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(latest) = cps["latest"]["completed"]["id"].as_u64() {
        for (vid, _) in &vertices {
            files.push((
                format!("checkpoint-subtasks-latest-{vid}.json"),
                get(
                    &url,
                    &format!("{base}/checkpoints/details/{latest}/subtasks/{vid}"),
                )?,
            ));
        }
    }
    let mut metrics = serde_json::Map::new();
    for (vid, name) in &vertices {
        // A finished vertex has no metrics any more; record the error as capture.py does.
        let entry = match get(
            &url,
            &format!("{base}/vertices/{vid}/subtasks/metrics?get={SUBTASK_METRICS}"),
        )
        .and_then(|t| {
            serde_json::from_str::<serde_json::Value>(&t).map_err(|e| url_error(vid, e.to_string()))
        }) {
            Ok(values) => {
                serde_json::json!({"vertex_id": vid, "values_aggregated_over_subtasks": values})
            }
            Err(e) => serde_json::json!({"vertex_id": vid, "error": e.to_string()}),
        };
        metrics.insert(name.clone(), entry);
    }
    files.push((
        "vertex-subtask-metrics.json".into(),
        serde_json::Value::Object(metrics).to_string(),
    ));
    if let Ok(text) = get(&url, &format!("{base}/metrics?get={JOB_METRICS}")) {
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&text) {
            let mut sample = serde_json::Map::new();
            sample.insert("t".into(), serde_json::json!(0.0));
            for m in items {
                if let (Some(id), Some(v)) = (m["id"].as_str(), m["value"].as_str()) {
                    sample.insert(id.into(), serde_json::json!(v));
                }
            }
            files.push((
                "job-checkpoint-metrics-series.json".into(),
                serde_json::Value::Array(vec![serde_json::Value::Object(sample)]).to_string(),
            ));
        }
    }
    Ok(files)
}

fn pick_job(url: &JobManagerUrl) -> Result<String, LoadError> {
    let text = get(url, "/jobs/overview")?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| url_error("/jobs/overview", e.to_string()))?;
    let jobs = v["jobs"].as_array().cloned().unwrap_or_default();
    let running: Vec<_> = jobs.iter().filter(|j| j["state"] == "RUNNING").collect();
    let pick = if running.len() == 1 {
        running[0]
    } else {
        jobs.iter()
            .max_by_key(|j| j["start-time"].as_i64().unwrap_or(0))
            .ok_or_else(|| url_error(&url.base(), "the JobManager has no jobs"))?
    };
    pick["jid"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| url_error("/jobs/overview", "a job without `jid`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = JobManagerUrl::parse("http://127.0.0.1:8081").unwrap();
        assert_eq!((u.host.as_str(), u.port, u.job), ("127.0.0.1", 8081, None));
        let id = "e81d5d9c33bf330bffa720df27d85083";
        let u = JobManagerUrl::parse(&format!("http://jm:9000/jobs/{id}")).unwrap();
        assert_eq!(u.job.as_deref(), Some(id));
        let u = JobManagerUrl::parse(&format!("http://jm/#/job/running/{id}/overview")).unwrap();
        assert_eq!((u.port, u.job.as_deref()), (8081, Some(id)));
        let e = JobManagerUrl::parse("https://jm:8081").unwrap_err();
        assert!(e.message.contains("HTTPS is not supported"), "{e}");
    }

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
