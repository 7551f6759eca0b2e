//! Leaving the lab from the page: what the Export buttons download — the settings as Flink
//! YAML, a runnable Flink job for the lab's workload (one `.tar`, since a page click can
//! start only one download without asking), the checkpoint history and the sampled
//! metrics as CSV or JSON — built here from the run, so the CLI's exports and the page's
//! are the same bytes. The shell only hands the bytes to the browser.

use crate::engine::sim::Simulation;
use crate::flink::export;

/// What an Export button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// `execution.checkpointing.*` and the rest, as `flink-conf.yaml` lines.
    FlinkYaml,
    /// `StatelabJob.java`, its arguments, cluster settings, submit script and README.
    FlinkJob,
    HistoryCsv,
    MetricsCsv,
    /// History and samples as one JSON document.
    HistoryJson,
    /// The running config, as `statelab-cli simulate` reads it.
    Config,
}

impl Export {
    pub const ALL: [Export; 6] = [
        Export::FlinkYaml,
        Export::FlinkJob,
        Export::Config,
        Export::HistoryCsv,
        Export::MetricsCsv,
        Export::HistoryJson,
    ];

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            Export::FlinkYaml => "Flink YAML",
            Export::FlinkJob => "Flink job (.tar)",
            Export::Config => "Lab config (JSON)",
            Export::HistoryCsv => "Checkpoint history (CSV)",
            Export::MetricsCsv => "Metrics (CSV)",
            Export::HistoryJson => "History + metrics (JSON)",
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Export::FlinkYaml => "flink-yaml",
            Export::FlinkJob => "flink-job",
            Export::Config => "config",
            Export::HistoryCsv => "history-csv",
            Export::MetricsCsv => "metrics-csv",
            Export::HistoryJson => "history-json",
        }
    }
}

/// A file for the browser to save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    pub name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

/// The file `export` asks for, from the run as it is now; a job the config cannot
/// become (a trace, a rate that is not constant) is refused with the reason.
pub fn build(export: Export, sim: &Simulation) -> Result<Download, String> {
    let text = |name: &str, mime: &'static str, text: String| Download {
        name: name.to_string(),
        mime,
        bytes: text.into_bytes(),
    };
    Ok(match export {
        Export::FlinkYaml => text(
            "statelab-flink-conf.yaml",
            "application/yaml",
            crate::engine::report::flink_config::flink_yaml(sim),
        ),
        Export::FlinkJob => {
            let job = export::flink_job(sim.config()).map_err(|e| format!("Flink job: {e}"))?;
            let files: Vec<(String, Vec<u8>)> = job
                .files
                .into_iter()
                .map(|(name, text)| (format!("statelab-job/{name}"), text.into_bytes()))
                .collect();
            Download {
                name: "statelab-job.tar".into(),
                mime: "application/x-tar",
                bytes: tar(&files)?,
            }
        }
        Export::Config => text(
            "statelab-config.json",
            "application/json",
            serde_json::to_string_pretty(sim.config()).map_err(|e| e.to_string())?,
        ),
        Export::HistoryCsv => text(
            "statelab-history.csv",
            "text/csv",
            export::history_csv(sim.history()),
        ),
        Export::MetricsCsv => text("statelab-metrics.csv", "text/csv", export::samples_csv(sim)),
        Export::HistoryJson => text(
            "statelab-history.json",
            "application/json",
            export::history_json(sim)?,
        ),
    })
}

/// A POSIX ustar archive of regular files (mode 0644, or 0755 for `.sh`), as `tar xf`
/// reads it. Names must fit ustar's 100 bytes.
pub fn tar(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for (name, bytes) in files {
        if name.len() > 100 || !name.is_ascii() {
            return Err(format!("{name}: a tar name is ASCII of at most 100 bytes"));
        }
        let mut header = [0u8; 512];
        header[..name.len()].copy_from_slice(name.as_bytes());
        let mode = if name.ends_with(".sh") { 0o755 } else { 0o644 };
        octal(&mut header[100..108], mode);
        octal(&mut header[108..116], 0); // uid
        octal(&mut header[116..124], 0); // gid
        octal(&mut header[124..136], bytes.len() as u64);
        octal(&mut header[136..148], 0); // mtime: the same bytes every time
        header[156] = b'0'; // a regular file
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        // The checksum is taken with its own field as spaces.
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        let field = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(field.as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(bytes);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    // Two empty blocks end the archive.
    out.resize(out.len() + 1024, 0);
    Ok(out)
}

/// `value` as zero-padded octal filling `field` but its last byte (a NUL).
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    field[..width].copy_from_slice(&text.as_bytes()[text.len() - width..]);
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::Config;

    /// Reads back what [`tar`] wrote: (name, mode, bytes), checking each checksum.
    fn untar(mut data: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
        let mut out = Vec::new();
        while data.len() >= 512 && data[..512].iter().any(|b| *b != 0) {
            let h = &data[..512];
            let field = |r: std::ops::Range<usize>| {
                let t = std::str::from_utf8(&h[r]).unwrap();
                u64::from_str_radix(t.trim_matches(|c| c == '\0' || c == ' '), 8).unwrap()
            };
            let mut blank = h.to_vec();
            blank[148..156].fill(b' ');
            let sum: u64 = blank.iter().map(|b| u64::from(*b)).sum();
            assert_eq!(field(148..156), sum, "checksum");
            let name_end = h[..100].iter().position(|b| *b == 0).unwrap_or(100);
            let name = String::from_utf8(h[..name_end].to_vec()).unwrap();
            let size = field(124..136) as usize;
            let mode = field(100..108) as u32;
            out.push((name, mode, data[512..512 + size].to_vec()));
            data = &data[512 + size.div_ceil(512) * 512..];
        }
        assert_eq!(data.len(), 1024, "two empty blocks end it");
        out
    }

    #[test]
    fn a_tar_holds_its_files_exactly() {
        let files = vec![
            ("a/one.txt".to_string(), b"hello".to_vec()),
            ("a/run.sh".to_string(), vec![b'x'; 512]),
            ("empty".to_string(), Vec::new()),
        ];
        let data = tar(&files).unwrap();
        assert_eq!(data.len() % 512, 0);
        let back = untar(&data);
        assert_eq!(back.len(), 3);
        for ((name, bytes), (n, mode, b)) in files.iter().zip(&back) {
            assert_eq!((name, bytes), (n, b));
            assert_eq!(*mode, if name.ends_with(".sh") { 0o755 } else { 0o644 });
        }
        assert!(tar(&[("x".repeat(101), Vec::new())]).is_err());
    }

    /// The system's own `tar` lists and extracts it, where there is one.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_system_tar_reads_the_job() {
        let sim = Simulation::new(Config::default(), None).unwrap();
        let d = build(Export::FlinkJob, &sim).unwrap();
        let dir = std::env::temp_dir().join(format!("statelab-tar-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(&d.name);
        std::fs::write(&path, &d.bytes).unwrap();
        let Ok(out) = std::process::Command::new("tar")
            .arg("-xf")
            .arg(&path)
            .arg("-C")
            .arg(&dir)
            .output()
        else {
            return; // no tar here
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let java = std::fs::read_to_string(dir.join("statelab-job/StatelabJob.java")).unwrap();
        assert_eq!(java, export::JOB_SOURCE);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_export_builds_from_a_run_and_matches_the_cli() {
        let mut sim = Simulation::new(Config::default(), None).unwrap();
        sim.advance_to(5_000_000);
        for e in Export::ALL {
            let d = build(e, &sim).unwrap_or_else(|err| panic!("{e:?}: {err}"));
            assert!(!d.bytes.is_empty(), "{e:?}");
            assert!(!e.label().is_empty() && !e.id().is_empty());
        }
        let csv = build(Export::HistoryCsv, &sim).unwrap();
        assert_eq!(csv.bytes, export::history_csv(sim.history()).into_bytes());
        let job = build(Export::FlinkJob, &sim).unwrap();
        let names: Vec<String> = untar(&job.bytes).into_iter().map(|(n, _, _)| n).collect();
        assert!(
            names.contains(&"statelab-job/submit.sh".to_string()),
            "{names:?}"
        );
        let config = build(Export::Config, &sim).unwrap();
        let back = Config::from_json(std::str::from_utf8(&config.bytes).unwrap()).unwrap();
        assert_eq!(&back, sim.config());
    }

    #[test]
    fn a_job_that_cannot_be_exported_says_why() {
        let mut c = Config::default();
        c.workload.source = crate::engine::partitioning::workload::SourceConfig::SeedExample;
        let sim = Simulation::new(c, None).unwrap();
        let err = build(Export::FlinkJob, &sim).unwrap_err();
        assert!(
            err.starts_with("Flink job: workload.source is `seed_example`"),
            "{err}"
        );
    }
}
