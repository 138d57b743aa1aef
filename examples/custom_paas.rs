//! Acme's platform: the developers of Acme deploy with one component type, `web-app`, that has
//! three knobs (image, port, size), and one trait, `public`, that puts it behind a Service.
//! Everything else (labels, probes, resource limits, replicas per size) is the platform
//! team's decision, written once here in Rust.
//!
//! ```sh
//! cargo run -p vela-examples --example custom_paas -- examples/apps/acme-shop.yaml
//! ```

use std::process::ExitCode;

use schemars::JsonSchema;
use serde::Deserialize;
use vela_render::k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use vela_render::k8s_openapi::api::core::v1::{
    Container, ContainerPort, PodSpec, PodTemplateSpec, ResourceRequirements, Service, ServicePort,
    ServiceSpec,
};
use vela_render::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use vela_render::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use vela_render::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use vela_render::ops::output;
use vela_render::{Context, Kind, Meta, Native, Registry, Rendered, Renderer, Result, app};

// ANCHOR: params
/// What a developer may set on a `web-app`: nothing else.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebAppParams {
    /// The container image.
    pub image: String,
    /// The port the application listens on.
    #[serde(default = "default_port")]
    pub port: i32,
    /// How much capacity: replicas and memory follow from it.
    #[serde(default)]
    pub size: Size,
}

/// The three sizes the platform team offers.
#[derive(Deserialize, JsonSchema, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    /// One replica, 256Mi.
    #[default]
    Small,
    /// Two replicas, 512Mi.
    Medium,
    /// Four replicas, 1Gi.
    Large,
}

fn default_port() -> i32 {
    8080
}
// ANCHOR_END: params

// ANCHOR: component
/// `type: web-app`: a Deployment whose pods carry the selector labels of the component.
pub struct WebApp;

impl Native for WebApp {
    type Params = WebAppParams;

    fn meta(&self) -> Meta {
        Meta::new("web-app", Kind::Component, "An Acme web application").workload("apps/v1", "Deployment")
    }

    fn render(&self, ctx: &Context, p: WebAppParams) -> Result<Rendered> {
        let (replicas, memory) = match p.size {
            Size::Small => (1, "256Mi"),
            Size::Medium => (2, "512Mi"),
            Size::Large => (4, "1Gi"),
        };
        let container = Container {
            name: ctx.name.clone(),
            image: Some(p.image),
            ports: Some(vec![ContainerPort {
                name: Some("http".into()),
                container_port: p.port,
                ..Default::default()
            }]),
            resources: Some(ResourceRequirements {
                limits: Some([("memory".to_string(), Quantity(memory.into()))].into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        Rendered::output(Deployment {
            spec: DeploymentSpec {
                replicas: Some(replicas),
                selector: ctx.label_selector(),
                template: PodTemplateSpec {
                    metadata: Some(ctx.pod_metadata()),
                    spec: Some(PodSpec {
                        containers: vec![container],
                        ..Default::default()
                    }),
                },
                ..Default::default()
            },
            ..Default::default()
        })
    }
}
// ANCHOR_END: component

// ANCHOR: trait
/// What a developer may set on `public`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicParams {
    /// The port the Service listens on.
    #[serde(default = "default_public_port")]
    pub port: i32,
}

fn default_public_port() -> i32 {
    80
}

/// `type: public`: a Service in front of the component's pods, found by their selector labels
/// whatever the component type.
pub struct Public;

impl Native for Public {
    type Params = PublicParams;

    fn meta(&self) -> Meta {
        Meta::new("public", Kind::Trait, "Expose a web-app on a Service")
            .applies_to_workloads(["deployments.apps"])
            .pod_disruptive(false)
    }

    fn render(&self, ctx: &Context, p: PublicParams) -> Result<Rendered> {
        let service = Service {
            metadata: ObjectMeta {
                name: Some(ctx.name.clone()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                selector: Some(ctx.selector_labels()),
                ports: Some(vec![ServicePort {
                    port: p.port,
                    target_port: Some(IntOrString::String("http".into())),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        Rendered::new().add_output("service", service)
    }
}
// ANCHOR_END: trait

// ANCHOR: platform
/// Acme's registry: only its own two definitions, none of the built-ins.
pub fn platform() -> Registry {
    let mut registry = Registry::new();
    registry.register(WebApp).register(Public);
    registry
}

/// Checks and renders one Application document to `vela dry-run` text.
pub fn render(text: &str) -> anyhow::Result<String> {
    let application = app::parse(text)?;
    application.validate()?;
    let components = Renderer::new(platform()).render(&application)?;
    Ok(output::dry_run_text(app::name(&application), &components))
}
// ANCHOR_END: platform

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: custom_paas APPLICATION.yaml");
        return ExitCode::from(2);
    };
    match std::fs::read_to_string(&path)
        .map_err(anyhow::Error::from)
        .and_then(|t| render(&t))
    {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e:#}");
            ExitCode::FAILURE
        }
    }
}
