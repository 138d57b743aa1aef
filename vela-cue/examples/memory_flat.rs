//! Render KubeVela's `webservice` N times (default 10,000) in one process and print the resident
//! memory every 1,000 evaluations: it must stay flat (each evaluation owns and frees its arena).
//!
//! `cargo run --release -p vela-cue --example memory_flat -- [N]`

#[path = "../benches/common/webservice.rs"]
mod fixture;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let template = fixture::template();
    let program = vela_cue::Program::compile("webservice.cue", &template).expect("compile");
    let parameter = serde_json::json!({"cmd": ["node", "server.js"], "cpu": "0.1",
        "env": [{"name": "FOO", "value": "bar"}], "image": "oamdev/testapp:v1",
        "ports": [{"expose": true, "port": 8080}]});
    let context = serde_json::json!({"appName": "website", "name": "frontend", "namespace": "default",
        "revision": "", "clusterVersion": {"minor": 29}});
    let start = std::time::Instant::now();
    for i in 1..=n {
        let inst = program
            .eval_with(&[("parameter", &parameter), ("context", &context)])
            .unwrap();
        let out = inst.lookup("output").unwrap().to_json_string().unwrap();
        std::hint::black_box(out);
        if i % 1000 == 0 {
            println!(
                "{i:>6} evaluations  rss {:>6} KiB  {:>8.1?} elapsed",
                rss_kib(),
                start.elapsed()
            );
        }
    }
}
