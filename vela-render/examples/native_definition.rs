//! A platform team's own component, written in Rust, and its snapshot test.
//!
//! Run it: `cargo run -p vela-render --example native_definition`.
//! Test it: `cargo test -p vela-render --example native_definition`.

// ANCHOR: definition
use schemars::JsonSchema;
use serde::Deserialize;
use vela_render::serde_json::json;
use vela_render::{Context, Kind, Meta, Native, Rendered, Result};

/// Parameters users write under `properties:`; the schema, validation and
/// OpenAPI output all come from this type.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CacheParams {
    /// Memory for the cache, e.g. `256Mi`.
    #[serde(default = "default_memory")]
    memory: String,
    /// Number of replicas (1-5).
    #[schemars(range(min = 1, max = 5))]
    #[serde(default = "one")]
    replicas: i64,
}

fn default_memory() -> String {
    "128Mi".into()
}
fn one() -> i64 {
    1
}

/// `type: cache` — a Redis Deployment with a Service.
struct Cache;

impl Native for Cache {
    type Params = CacheParams;

    fn meta(&self) -> Meta {
        Meta::new("cache", Kind::Component, "An in-memory Redis cache").workload("apps/v1", "Deployment")
    }

    fn render(&self, ctx: &Context, p: CacheParams) -> Result<Rendered> {
        // The selector labels are the contract with traits that find the pods.
        let labels = ctx.selector_labels();
        Rendered::output(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "spec": {
                "replicas": p.replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{
                        "name": ctx.name,
                        "image": "redis:7",
                        "resources": {"limits": {"memory": p.memory}},
                    }]},
                },
            },
        }))?
        .add_output(
            "service",
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": ctx.name},
                "spec": {"selector": labels, "ports": [{"port": 6379}]},
            }),
        )
    }
}
// ANCHOR_END: definition

fn main() {
    let text = vela_render::testing::Harness::builtin()
        .with_native(Cache)
        .component("cache", json!({"memory": "512Mi"}))
        .with_trait("labels", json!({"team": "payments"}))
        .dry_run();
    print!("{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: snapshot
    #[test]
    fn cache_with_labels() {
        let text = vela_render::testing::Harness::builtin()
            .with_native(Cache)
            .component("cache", json!({"replicas": 2}))
            .with_trait("labels", json!({"team": "payments"}))
            .dry_run();
        insta::assert_snapshot!(text);
    }
    // ANCHOR_END: snapshot

    #[test]
    fn bad_parameters_are_reported_with_their_path() {
        let text = vela_render::testing::Harness::builtin()
            .strict(true)
            .with_native(Cache)
            .component("cache", json!({"replicas": 9, "size": 1}))
            .dry_run();
        assert!(
            text.contains("components[0].properties.replicas: must be <= 5"),
            "{text}"
        );
        assert!(
            text.contains("components[0].properties.size: unknown field"),
            "{text}"
        );
    }
}
