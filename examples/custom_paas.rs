//! Acme's platform: one component (`web-app`) and one trait (`public`), written against the
//! vela-render API as it is today.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, PodSpec, PodTemplateSpec, ResourceRequirements, Service, ServicePort,
    ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::json;
use vela_render::native::{Def, Native};
use vela_render::{Context, Error, Kind, Meta, Registry, Rendered, Renderer, Result, app, output};

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Size {
    Small,
    Medium,
    Large,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct WebAppParams {
    image: String,
    #[serde(default = "default_port")]
    port: i32,
    #[serde(default = "default_size")]
    size: Size,
}
fn default_port() -> i32 {
    8080
}
fn default_size() -> Size {
    Size::Small
}

struct WebApp;

impl Native for WebApp {
    type Params = WebAppParams;
    fn meta(&self) -> Meta {
        Meta::new("web-app", Kind::Component, "An Acme web application")
            .attr("workload", json!({"definition": {"apiVersion": "apps/v1", "kind": "Deployment"}, "type": "deployments.apps"}))
    }
    fn render(&self, ctx: &Context, p: WebAppParams) -> Result<Rendered> {
        let labels: BTreeMap<String, String> =
            [("app.oam.dev/component".to_string(), ctx.name.clone())].into();
        let (replicas, memory) = match p.size {
            Size::Small => (1, "256Mi"),
            Size::Medium => (2, "512Mi"),
            Size::Large => (4, "1Gi"),
        };
        let deployment = Deployment {
            spec: DeploymentSpec {
                replicas: Some(replicas),
                selector: LabelSelector {
                    match_labels: Some(labels.clone()),
                    ..Default::default()
                },
                template: PodTemplateSpec {
                    metadata: Some(ObjectMeta {
                        labels: Some(labels),
                        ..Default::default()
                    }),
                    spec: Some(PodSpec {
                        containers: vec![Container {
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
                        }],
                        ..Default::default()
                    }),
                },
                ..Default::default()
            },
            ..Default::default()
        };
        let output = serde_json::to_value(&deployment).map_err(|e| Error::Render {
            kind: Kind::Component,
            name: "web-app".into(),
            message: e.to_string(),
        })?;
        Ok(Rendered {
            output: Some(output),
            ..Default::default()
        })
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PublicParams {
    #[serde(default = "default_public_port")]
    port: i32,
}
fn default_public_port() -> i32 {
    80
}

struct Public;

impl Native for Public {
    type Params = PublicParams;
    fn meta(&self) -> Meta {
        Meta::new("public", Kind::Trait, "Expose a web-app on a Service")
            .attr("appliesToWorkloads", json!(["deployments.apps"]))
            .attr("podDisruptive", json!(false))
    }
    fn render(&self, ctx: &Context, p: PublicParams) -> Result<Rendered> {
        let labels: BTreeMap<String, String> =
            [("app.oam.dev/component".to_string(), ctx.name.clone())].into();
        let service = Service {
            metadata: ObjectMeta {
                name: Some(ctx.name.clone()),
                ..Default::default()
            },
            spec: Some(ServiceSpec {
                selector: Some(labels),
                ports: Some(vec![ServicePort {
                    port: p.port,
                    target_port: Some(IntOrString::String("http".into())),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let service = serde_json::to_value(&service).map_err(|e| Error::Render {
            kind: Kind::Trait,
            name: "public".into(),
            message: e.to_string(),
        })?;
        Ok(Rendered {
            outputs: vec![("service".into(), service)],
            ..Default::default()
        })
    }
}

fn main() {
    let mut registry = Registry::new();
    registry.insert(Arc::new(Def::new(WebApp)));
    registry.insert(Arc::new(Def::new(Public)));
    let application = app::parse(include_str!("apps/acme-shop.yaml")).unwrap();
    let problems = application.validate();
    if !problems.is_empty() {
        for p in problems {
            eprintln!("{p}");
        }
        std::process::exit(1);
    }
    match Renderer::new(registry).render(&application) {
        Ok(components) => print!("{}", output::dry_run_text(app::name(&application), &components)),
        Err(e) => {
            eprintln!("error: {}", e.chain());
            std::process::exit(1);
        }
    }
}
