//! The work of `benches/webservice.rs` (`webservice_render_warm`) in a plain loop, for instruction
//! counting: `valgrind --tool=callgrind target/release/examples/webservice_loop [N]`.
//!
//! `cargo run --release -p vela-cue --example webservice_loop -- [N]` (default N = 1,000)

#[path = "../benches/common/webservice.rs"]
mod fixture;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let template = fixture::template();
    let program = vela_cue::Program::compile("webservice.cue", &template).expect("compile");
    let (parameter, context) = fixture::inputs();
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
