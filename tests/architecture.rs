//! The architecture's rules, checked on the source: the engine stays pure, and no two
//! modules import each other (directly or round a longer loop).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/engine/sim/job.rs` → `engine::sim::job`; `src/engine/sim/mod.rs` → `engine::sim`.
fn module_of(path: &Path) -> String {
    let rel = path.strip_prefix("src").unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

/// The code of a file without its `#[cfg(test)]` module and without comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module a file names through `crate::…` or `super::…`, resolved to the longest
/// known module path.
fn imports(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let parent: Vec<&str> = module.split("::").collect();
    for (i, _) in text
        .match_indices("crate::")
        .chain(text.match_indices("super::"))
    {
        let rest = &text[i..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let path = &rest[..end];
        let mut segs: Vec<String> = Vec::new();
        let mut it = path.split("::").filter(|s| !s.is_empty()).peekable();
        if path.starts_with("crate::") {
            it.next();
        } else {
            // `super::` from `a::b::c` (a file) means `a::b`; from `a::b` (a mod.rs) `a`.
            let mut base: Vec<&str> = parent.clone();
            while it.peek() == Some(&"super") {
                it.next();
                base.pop();
            }
            segs.extend(base.iter().map(|s| s.to_string()));
        }
        segs.extend(it.map(str::to_string));
        // The longest prefix that is a module.
        while !segs.is_empty() {
            let candidate = segs.join("::");
            if known.contains(&candidate) {
                if candidate != module && !module.starts_with(&format!("{candidate}::")) {
                    out.insert(candidate);
                }
                break;
            }
            segs.pop();
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(Path::new("src"), &mut files);
    let modules: BTreeMap<String, String> = files
        .iter()
        .map(|p| (module_of(p), code(&std::fs::read_to_string(p).unwrap())))
        .collect();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(m, text)| (m.clone(), imports(m, text, &known)))
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph();
    // Depth-first search for a cycle; report the loop it finds.
    fn visit(
        m: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == m) {
            return Some(stack[i..].to_vec());
        }
        if done.contains(m) {
            return None;
        }
        stack.push(m.to_string());
        for next in g.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, g, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(m, &g, &mut stack, &mut done) {
            panic!("import loop: {} → {}", cycle.join(" → "), cycle[0]);
        }
    }
}

#[test]
fn the_engine_uses_no_browser_api_clock_or_global_randomness() {
    let mut files = Vec::new();
    rust_files(Path::new("src/engine"), &mut files);
    let forbidden = [
        "web_sys",
        "js_sys",
        "wasm_bindgen",
        "gloo",
        "yew",
        "Instant",
        "SystemTime",
        "thread_rng",
        "getrandom",
    ];
    for f in files {
        let text = code(&std::fs::read_to_string(&f).unwrap());
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} uses `{word}`: the engine must stay pure",
                f.display()
            );
        }
    }
}

#[test]
fn the_engine_imports_nothing_outside_itself() {
    for (m, deps) in graph() {
        if m.starts_with("engine") {
            for d in deps {
                assert!(d.starts_with("engine"), "{m} imports {d}");
            }
        }
    }
}

/// ARCHITECTURE.md's code map names every module of the DOM-free layers, so a new module
/// cannot land without its one line of "what it is for".
#[test]
fn the_code_map_names_every_module() {
    let map = std::fs::read_to_string("ARCHITECTURE.md").unwrap();
    let mut files = Vec::new();
    for dir in ["src/engine", "src/lab", "src/lessons", "src/flink"] {
        rust_files(Path::new(dir), &mut files);
    }
    let missing: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            // By its name, or by its path within the layer (`session/lesson.rs`).
            let named = name == "mod.rs"
                || name == "tests.rs"
                || map.contains(&format!("`{name}`"))
                || map.contains(&format!("/{name}`"));
            (!named).then(|| p.display().to_string())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "not in ARCHITECTURE.md's code map: {missing:#?}"
    );
}
