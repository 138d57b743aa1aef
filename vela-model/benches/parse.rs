//! Parsing and validating Applications: a small one and one with 500 components.

#![allow(missing_docs)]

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};
use vela_model::parse::{self, Mode};

const HELLO: &str = include_str!("../../examples/apps/hello.yaml");

fn big_app(components: usize) -> String {
    let mut s = String::from(
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: big}\nspec:\n  components:\n",
    );
    for i in 0..components {
        let dep = if i > 0 {
            format!("[c{}]", i - 1)
        } else {
            "[]".into()
        };
        let _ = write!(
            s,
            "    - name: c{i}\n      type: webservice\n      dependsOn: {dep}\n      properties:\n        image: nginx:1.{i}\n        ports: [{{port: 80, expose: true}}]\n        env: [{{name: A, value: b}}]\n      traits:\n        - type: scaler\n          properties: {{replicas: 2}}\n"
        );
    }
    s.push_str("  workflow:\n    steps:\n");
    for i in 0..components {
        let _ = writeln!(
            s,
            "      - {{name: s{i}, type: apply-component, timeout: 5m, properties: {{component: c{i}}}}}"
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    c.bench_function("parse hello.yaml (lenient)", |b| {
        b.iter(|| parse::application(HELLO).unwrap())
    });
    c.bench_function("parse hello.yaml (strict)", |b| {
        b.iter(|| parse::application_with(HELLO, Mode::Strict).unwrap())
    });
    let app = parse::application(HELLO).unwrap();
    c.bench_function("validate hello.yaml", |b| b.iter(|| app.validate()));

    let big = big_app(500);
    c.bench_function("parse 500-component app (strict)", |b| {
        b.iter(|| parse::application_with(&big, Mode::Strict).unwrap())
    });
    let app = parse::application(&big).unwrap();
    assert!(app.validate().is_ok());
    c.bench_function("validate 500-component app", |b| b.iter(|| app.validate()));
    c.bench_function("serialize 500-component app to YAML", |b| {
        b.iter(|| vela_model::yaml::to_string(&app).unwrap())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
