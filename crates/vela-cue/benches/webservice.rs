//! KubeVela's `webservice` with its def-doc example parameters: compiled once, evaluated warm.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};

fn corpus() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kubevela")
        })
}

/// The example of `def-doc/component/webservice.eg.md` and the context KubeVela builds for it.
pub fn inputs() -> (serde_json::Value, serde_json::Value) {
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
    (parameter, context)
}

fn bench(c: &mut Criterion) {
    let src = std::fs::read_to_string(corpus().join("definitions/component/webservice.cue")).expect("corpus");
    let template = vela_cue::definition::split(&src).expect("definition").template();
    let program = vela_cue::Program::compile("webservice.cue", &template).expect("compile");
    let (parameter, context) = inputs();
    c.bench_function("webservice_render_warm", |b| {
        b.iter(|| {
            let inst = program
                .eval_with(&[("parameter", &parameter), ("context", &context)])
                .unwrap();
            let out = inst.lookup("output").unwrap().to_json_string().unwrap();
            let outputs = inst.lookup("outputs").unwrap().to_json_string().unwrap();
            std::hint::black_box((out, outputs));
        })
    });
    c.bench_function("webservice_compile", |b| {
        b.iter(|| std::hint::black_box(vela_cue::Program::compile("webservice.cue", &template).unwrap()))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
