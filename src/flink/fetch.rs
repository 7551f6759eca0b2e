//! Which REST answers make up a job, in which order they are asked for: the one sequence
//! the CLI's HTTP client (`http.rs`, native) and the browser's `fetch` (the Flink tab)
//! both drive, each with its own way to GET a path. The answers come back as
//! `(file name, text)` pairs under the recorded layout's names, so `rest::load` reads
//! them like a directory.

use super::json::LoadError;
use std::future::Future;

/// A job's answers: `(file name, text)` under the recorded layout's names.
pub type Files = Vec<(String, String)>;

/// `http://host:port` (or `https://`), optionally followed by `/jobs/<id>` (or the web UI's
/// `/#/job/running/<id>/…`) to pick a job; without one, the only running job, or else the
/// one that started last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobManagerUrl {
    /// `https` or not: the browser fetches either; the CLI's own client speaks plain HTTP.
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub job: Option<String>,
}

pub(crate) fn url_error(url: &str, message: impl Into<String>) -> LoadError {
    LoadError {
        file: url.to_string(),
        at: String::new(),
        message: message.into(),
    }
}

impl JobManagerUrl {
    pub fn parse(url: &str) -> Result<Self, LoadError> {
        let url = url.trim();
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(url_error(
                url,
                "not a JobManager URL: expected http://host:port (Flink's REST address, 8081 by default)",
            ));
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>()
                    .map_err(|_| url_error(url, format!("`{p}` is not a port number")))?,
            ),
            None => (authority.to_string(), if https { 443 } else { 8081 }),
        };
        if host.is_empty() {
            return Err(url_error(url, "no host in the URL"));
        }
        // A job id is 32 hex digits: `/jobs/<id>` or the web UI's `#/job/running/<id>/…`.
        let job = path
            .split(['/', '#', '?'])
            .find(|s| s.len() == 32 && s.chars().all(|c| c.is_ascii_hexdigit()))
            .map(str::to_string);
        Ok(Self {
            https,
            host,
            port,
            job,
        })
    }

    /// `http://host:port`, the root every REST path is under.
    pub fn base(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}:{}", self.host, self.port)
    }
}

/// The aggregated subtask metrics the calibration reads, per vertex.
const SUBTASK_METRICS: &str =
    "numRecordsIn,numRecordsOut,checkpointStartDelayNanos,checkpointAlignmentTime,numRecordsInPerSecond,busyTimeMsPerSecond";

/// The job metrics sampled into `job-checkpoint-metrics-series.json` (one sample here).
const JOB_METRICS: &str = "lastCheckpointSize,lastCheckpointFullSize,lastCheckpointDuration,numberOfCompletedCheckpoints,numberOfFailedCheckpoints,numberOfInProgressCheckpoints,lastCompletedCheckpointId";

/// Fetches one job's answers under the recorded layout's names, through `get` (a path
/// under the JobManager's root → the body of a 200 answer, or an error naming the
/// endpoint): the CLI's blocking client and the browser's `fetch` both drive this one
/// sequence.
pub async fn fetch_job<G, F>(url: &JobManagerUrl, mut get: G) -> Result<Files, LoadError>
where
    G: FnMut(String) -> F,
    F: Future<Output = Result<String, LoadError>>,
{
    let job = match &url.job {
        Some(j) => j.clone(),
        None => pick_job(url, &mut get).await?,
    };
    let mut files = Vec::new();
    let base = format!("/jobs/{job}");
    let job_text = get(base.clone()).await?;
    files.push(("job.json".to_string(), job_text.clone()));
    files.push((
        "checkpoints.json".into(),
        get(format!("{base}/checkpoints")).await?,
    ));
    files.push((
        "checkpoints-config.json".into(),
        get(format!("{base}/checkpoints/config")).await?,
    ));
    files.push((
        "job-config.json".into(),
        get(format!("{base}/config")).await?,
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
            get(format!("{base}/checkpoints/details/{cid}")).await?,
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
                get(format!(
                    "{base}/checkpoints/details/{latest}/subtasks/{vid}"
                ))
                .await?,
            ));
        }
    }
    let mut metrics = serde_json::Map::new();
    for (vid, name) in &vertices {
        // A finished vertex has no metrics any more; record the error as capture.py does.
        let entry = match get(format!(
            "{base}/vertices/{vid}/subtasks/metrics?get={SUBTASK_METRICS}"
        ))
        .await
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
    if let Ok(text) = get(format!("{base}/metrics?get={JOB_METRICS}")).await {
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

async fn pick_job<G, F>(url: &JobManagerUrl, get: &mut G) -> Result<String, LoadError>
where
    G: FnMut(String) -> F,
    F: Future<Output = Result<String, LoadError>>,
{
    let text = get("/jobs/overview".into()).await?;
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

/// Drives a future whose every await is already ready (the CLI's blocking getter) to its
/// end on this thread (the browser awaits its own `fetch` instead).
pub fn block_on_ready<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        // Only a getter that is not ready gets here; the CLI's never is.
        std::thread::yield_now();
    }
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
        let u = JobManagerUrl::parse("https://flink.example.com/jobs/").unwrap();
        assert_eq!(
            (u.https, u.port, u.base().as_str()),
            (true, 443, "https://flink.example.com:443")
        );
        for bad in ["jm:8081", "ftp://jm", "http://:8081", "http://jm:99999"] {
            assert!(JobManagerUrl::parse(bad).is_err(), "{bad}");
        }
    }

    /// Runs `fetch_job` against a table of answers, as the CLI does (every answer ready).
    fn fetch_from(answers: &[(&str, &str)], url: &str) -> (Result<Files, LoadError>, Vec<String>) {
        let asked = std::cell::RefCell::new(Vec::new());
        let url = JobManagerUrl::parse(url).unwrap();
        let fut = fetch_job(&url, |path: String| {
            asked.borrow_mut().push(path.clone());
            let answer = answers
                .iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t.to_string())
                .ok_or_else(|| url_error(&path, "HTTP status 404"));
            std::future::ready(answer)
        });
        let out = block_on_ready(fut);
        (out, asked.into_inner())
    }

    #[test]
    fn the_only_running_job_is_fetched_endpoint_by_endpoint() {
        let id = "0123456789abcdef0123456789abcdef";
        let job = format!(r#"{{"jid":"{id}","vertices":[{{"id":"v1","name":"count"}}]}}"#);
        let cps = r#"{"history":[{"id":3,"status":"COMPLETED"},{"id":4,"status":"FAILED"}],"latest":{"completed":{"id":3}}}"#;
        let overview = format!(r#"{{"jobs":[{{"jid":"{id}","state":"RUNNING","start-time":1}}]}}"#);
        let base = format!("/jobs/{id}");
        let answers_owned = [
            ("/jobs/overview".to_string(), overview),
            (base.clone(), job),
            (format!("{base}/checkpoints"), cps.to_string()),
            (format!("{base}/checkpoints/config"), "{}".to_string()),
            (format!("{base}/config"), "{}".to_string()),
            (format!("{base}/checkpoints/details/3"), "{}".to_string()),
            (
                format!("{base}/checkpoints/details/3/subtasks/v1"),
                "{}".to_string(),
            ),
            (
                format!("{base}/vertices/v1/subtasks/metrics?get={SUBTASK_METRICS}"),
                "[]".to_string(),
            ),
            (
                format!("{base}/metrics?get={JOB_METRICS}"),
                "[]".to_string(),
            ),
        ];
        let answers: Vec<(&str, &str)> = answers_owned
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (files, asked) = fetch_from(&answers, "http://jm:8081");
        let names: Vec<String> = files.unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "job.json",
                "checkpoints.json",
                "checkpoints-config.json",
                "job-config.json",
                "checkpoint-details-3.json",
                "checkpoint-subtasks-latest-v1.json",
                "vertex-subtask-metrics.json",
                "job-checkpoint-metrics-series.json"
            ]
        );
        assert_eq!(asked.len(), answers.len(), "{asked:#?}");
        // A failed required answer names its endpoint.
        let (err, _) = fetch_from(&answers[..2], &format!("http://jm:8081/jobs/{id}"));
        assert!(err.unwrap_err().to_string().contains("/checkpoints"));
    }
}
