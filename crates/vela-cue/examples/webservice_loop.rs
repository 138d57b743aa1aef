//! The work of `benches/webservice.rs` (`webservice_render_warm`) in a plain loop, for instruction
//! counting: `valgrind --tool=callgrind target/release/examples/webservice_loop [N]`.
//!
//! `cargo run --release -p vela-cue --example webservice_loop -- [N]` (default N = 1,000)

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let dir = std::env::var("VELA_CONFORMANCE_DIR").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance/kubevela"
        )
        .to_string()
    });
    let src = std::fs::read_to_string(format!("{dir}/definitions/component/webservice.cue")).expect("corpus");
    let template = vela_cue::definition::split(&src).expect("definition").template();
    let program = vela_cue::Program::compile("webservice.cue", &template).expect("compile");
    let parameter = serde_json::json!({
        "cmd": ["node", "server.js"],
        "cpu": "0.1",
        "env": [
            {"name": "FOO", "value": "bar"},
            {"name": "FOO", "valueFrom": {"secretKeyRef": {"key": "bar", "name": "bar"}}}
        ],
        "image": "oamdev/testapp:v1",
        "ports": [{"expose": true, "port": 8080}]
    });
    let context = serde_json::json!({
        "appAnnotations": {}, "appLabels": {}, "appName": "website", "appRevision": "website-v1",
        "appRevisionNum": 1, "cluster": "",
        "clusterVersion": {"gitVersion": "v1.29.0", "major": "1", "minor": 29, "platform": ""},
        "name": "frontend", "namespace": "default", "publishVersion": "", "replicaKey": "",
        "revision": "", "workflowName": ""
    });
    let mut total = 0usize;
    for _ in 0..n {
        let inst = program
            .eval_with(&[("parameter", &parameter), ("context", &context)])
            .unwrap();
        let out = inst.lookup("output").unwrap().to_json_string().unwrap();
        let outputs = inst.lookup("outputs").unwrap().to_json_string().unwrap();
        total += out.len() + outputs.len();
        std::hint::black_box((out, outputs));
    }
    println!("{n} renders, {total} bytes of JSON");
}
