//! Evaluate a CUE file (or a definition's template) with optional JSON inputs and print a path.
//!
//! `cargo run -p vela-cue --example cue_eval -- FILE [PATH] [name=JSON ...] [--template]`

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: cue_eval FILE [PATH] [name=JSON ...] [--template]");
        std::process::exit(2);
    };
    let src = std::fs::read_to_string(file).expect("read file");
    let src = if args.iter().any(|a| a == "--template") {
        vela_cue::definition::split(&src)
            .expect("split definition")
            .template()
    } else {
        src
    };
    let path = args
        .get(1)
        .filter(|a| !a.contains('=') && !a.starts_with("--"))
        .cloned()
        .unwrap_or_default();
    let mut inputs = Vec::new();
    for a in &args[1..] {
        if let Some((k, v)) = a.split_once('=') {
            let v: serde_json::Value = if let Some(f) = v.strip_prefix('@') {
                serde_json::from_str(&std::fs::read_to_string(f).expect("read input")).expect("json")
            } else {
                serde_json::from_str(v).expect("json")
            };
            inputs.push((k.to_string(), v));
        }
    }
    let p = match vela_cue::Program::compile(file, &src) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let refs: Vec<(&str, &serde_json::Value)> = inputs.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let inst = p.eval_with(&refs).expect("eval");
    match inst.lookup(&path).and_then(|v| v.to_json_string()) {
        Ok(s) => println!("{s}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
