#![no_main]
//! Compiling, evaluating (with small limits) and exporting any program must never panic, hang
//! or exhaust memory.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let Ok(mut prog) = vela_cue::Program::compile("fuzz.cue", src) else { return };
    prog.set_limits(
        vela_cue::Limits::default()
            .with_max_steps(200_000)
            .with_max_depth(200)
            .with_max_output(1 << 20)
            .with_max_nodes(100_000),
    );
    let params = serde_json::json!({"name": "x", "replicas": 2, "ports": [80, 443], "labels": {"a": "b"}});
    let Ok(inst) = prog.eval_with(&[("parameter", &params)]) else { return };
    let _ = inst.validate();
    let root = inst.root();
    let _ = root.to_json();
    for (_, f) in root.all_fields() {
        let _ = f.to_json();
        let _ = f.comments();
        for (_, g) in f.all_fields() {
            let _ = g.exists();
        }
    }
    let _ = inst.tasks("");
});
