//! Scale run: an Application of N components whose CUE definition reads `context.components`
//! (the list of all N), rendered once; prints the wall-clock time per N. Rendering is linear
//! in N only if the list is shared between the N evaluations instead of copied into each.
//!
//! `cargo run --release -p vela-render --example components_scale -- 250 500 1000`

use std::sync::Arc;
use std::time::Instant;

use vela_render::cue::CueDefinition;
use vela_render::{Registry, Renderer, app};

/// A component type whose template reads the application's component list.
const PEERS: &str = r#"
peers: {
	type: "component"
	attributes: workload: definition: {apiVersion: "v1", kind: "ConfigMap"}
}
template: {
	output: {
		apiVersion: "v1"
		kind:       "ConfigMap"
		metadata: name: context.name
		data: {
			peers: "\(len(context.components))"
			first: context.components[0].name
			image: parameter.image
		}
	}
	parameter: image: string
}
"#;

fn application(n: usize) -> String {
    let mut y = String::from(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: many}\nspec:\n  components:\n",
    );
    for i in 0..n {
        y.push_str(&format!(
            "  - name: c{i}\n    type: peers\n    properties: {{image: \"nginx:{i}\", replicas: 2, env: [{{name: A, value: b}}]}}\n"
        ));
    }
    y
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("component counts"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![250, 500, 1000]
    } else {
        sizes
    };
    let mut reg = Registry::new();
    reg.insert(Arc::new(
        CueDefinition::from_cue("peers.cue", PEERS).expect("definition"),
    ));
    let renderer = Renderer::new(reg);
    for n in sizes {
        let app = app::parse(&application(n)).expect("application");
        let start = Instant::now();
        let out = renderer.render(&app).expect("render");
        let took = start.elapsed();
        println!(
            "{n} components: {:.3} s ({} component manifests)",
            took.as_secs_f64(),
            out.len()
        );
    }
}
