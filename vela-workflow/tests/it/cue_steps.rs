//! CUE-defined step types: KubeVela's own WorkflowStepDefinitions (from the conformance corpus,
//! `$VELA_CONFORMANCE_DIR` or `../shared/conformance/kubevela` from the repository root) run by
//! the task engine over vela-cue, against the in-memory object store and loopback servers.
#![cfg(feature = "cue")]

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vela_workflow::cluster::{self, Key, Objects};
use vela_workflow::cue_step::{CueStep, Packages, Providers};
use vela_workflow::status::RunPhase;
use vela_workflow::step::Registry;
use vela_workflow::time::TokioClock;
use vela_workflow::{Engine, RunState, Step, Workflow, http, operation};

use crate::corpus;

fn packages() -> Packages {
    Packages::from_workflow_providers(&corpus().join("providers/workflow/pkg/providers"))
        .expect("provider packages")
}

fn definition(name: &str) -> String {
    std::fs::read_to_string(corpus().join(format!("definitions/workflowstep/{name}.cue"))).unwrap()
}

#[test]
fn every_workflow_step_definition_in_the_corpus_loads() {
    every_definition_loads(&packages());
}

/// The same with Vela-rs's own provider packages instead of KubeVela's.
#[test]
fn every_workflow_step_definition_in_the_corpus_loads_with_our_own_packages() {
    every_definition_loads(&Packages::standard());
}

fn every_definition_loads(packages: &Packages) {
    let providers = Arc::new(Providers::new());
    let dir = corpus().join("definitions/workflowstep");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for path in &names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(path).unwrap();
        if let Err(e) = CueStep::from_definition(&name, &src, packages, providers.clone()) {
            failures.push(format!(
                "{name}: {e}: {:?}",
                std::error::Error::source(&e).map(ToString::to_string)
            ));
        }
    }
    assert_eq!(names.len(), 31, "WorkflowStepDefinitions of the corpus");
    // Build each action graph: evaluate with no parameter and list the provider tasks; every
    // task must have a provider among the standard ones, with an action it implements.
    let mut standard = Providers::standard(
        Arc::new(cluster::Memory::new()),
        http::Client::new(http::Config::default()).unwrap(),
    );
    // the application providers vela-engine registers for an application's workflow
    standard.register("multicluster", Greet).register("oam", Greet);
    let mut actions = std::collections::BTreeSet::new();
    let mut graphs = 0;
    for path in &names {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let src = std::fs::read_to_string(path).unwrap();
        let def = vela_cue::definition::split(&src).unwrap();
        let mut program = vela_cue::Program::compile(&name, &def.template()).unwrap();
        for (import, file, src) in packages.files() {
            program.add_package(import, file, src).unwrap();
        }
        let inst = program.eval_with(&[
            ("parameter", &json!({})),
            ("context", &json!({"name": "app", "namespace": "ns"})),
        ]);
        match inst.and_then(|i| i.tasks("")) {
            Ok(tasks) => {
                graphs += 1;
                for t in tasks {
                    let provider = t.provider.unwrap_or_default();
                    if !standard.contains(&provider, &t.action) {
                        failures.push(format!(
                            "{name}: {}: no provider {provider:?} for {:?}",
                            t.path, t.action
                        ));
                    }
                    actions.insert(format!("{provider}.{}", t.action));
                }
            }
            Err(e) => failures.push(format!("{name}: action graph: {e}")),
        }
    }
    eprintln!(
        "{graphs} of {} definitions load and build their action graph; actions: {actions:?}",
        names.len()
    );
    // Every provider action the corpus calls is one the standard providers implement.
    let implemented = [
        "builtin.break",
        "builtin.fail",
        "builtin.message",
        "builtin.steps",
        "builtin.suspend",
        "builtin.var",
        "builtin.wait",
        "config.create",
        "config.delete",
        "config.list",
        "config.read",
        "email.send",
        "http.do",
        "kube.apply",
        "kube.apply-in-parallel",
        "kube.delete",
        "kube.list",
        "kube.patch",
        "kube.read",
        "metrics.promCheck",
        "multicluster.deploy",
        "multicluster.list-clusters",
        "oam.component-apply",
        "oam.load",
        "oam.load-policies",
        "time.date",
        "time.timestamp",
        "util.log",
        "util.string",
    ];
    for a in &actions {
        // The legacy `vela/op` package names an action without its provider.
        let ok = match a.strip_prefix("op.") {
            Some(action) => {
                let action = action.strip_suffix("-config").unwrap_or(action);
                implemented
                    .iter()
                    .any(|i| i.split_once('.').is_some_and(|(_, x)| x == action))
            }
            None => implemented.contains(&a.as_str()),
        };
        assert!(ok, "the corpus calls {a}, which is not implemented");
    }
    for a in [
        "config.create",
        "config.read",
        "config.list",
        "config.delete",
        "metrics.promCheck",
    ] {
        assert!(actions.contains(a), "the corpus no longer calls {a}: {actions:?}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} definitions failed to load:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

fn registry(objects: Arc<cluster::Memory>, http: http::Client) -> Registry {
    registry_with(&packages(), objects, http)
}

fn registry_with(packages: &Packages, objects: Arc<cluster::Memory>, http: http::Client) -> Registry {
    let providers = Arc::new(Providers::standard(objects, http));
    let mut r = Registry::new();
    for name in [
        "suspend",
        "print-message-in-status",
        "apply-object",
        "read-object",
        "export2config",
        "export2secret",
        "request",
        "webhook",
        "notification",
    ] {
        let step = CueStep::from_definition(name, &definition(name), packages, providers.clone())
            .unwrap_or_else(|e| {
                panic!(
                    "{name}: {e}: {:?}",
                    std::error::Error::source(&e).map(ToString::to_string)
                )
            });
        r.register(name, step);
    }
    r
}

type Seen = Arc<Mutex<Vec<(String, String, String)>>>;

/// A small HTTP/1.1 server on 127.0.0.1: records (method, path, body), answers `{"ok": true}`
/// (404 on `/missing`).
async fn http_server() -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let (method, path) = (
                        parts.next().unwrap_or("").to_owned(),
                        parts.next().unwrap_or("").to_owned(),
                    );
                    let mut len = 0;
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).await.unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':')
                            && k.eq_ignore_ascii_case("content-length")
                        {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).await.unwrap();
                    let status = if path == "/missing" { 404 } else { 200 };
                    log.lock()
                        .unwrap()
                        .push((method, path, String::from_utf8(body).unwrap()));
                    let resp = "{\"ok\":true}";
                    let out = format!(
                        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\n\r\n{resp}",
                        resp.len()
                    );
                    if w.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

async fn run(engine: &Engine, wf: &Workflow, state: &mut RunState) -> RunPhase {
    let ctx = json!({"name": "app", "namespace": "prod"});
    let mut phase = RunPhase::Executing;
    for _ in 0..3 {
        phase = engine.reconcile(wf, &ctx, state).await.unwrap().phase;
        if phase.is_terminal() || phase == RunPhase::Suspending {
            break;
        }
    }
    phase
}

#[tokio::test]
async fn kubevela_definitions_run_end_to_end() {
    definitions_run_end_to_end(&packages()).await;
}

/// KubeVela's definitions, unchanged, over Vela-rs's own provider packages.
#[tokio::test]
async fn kubevela_definitions_run_end_to_end_with_our_own_packages() {
    definitions_run_end_to_end(&Packages::standard()).await;
}

async fn definitions_run_end_to_end(packages: &Packages) {
    let (base, seen) = http_server().await;
    let objects = Arc::new(cluster::Memory::new());
    let client = http::Client::new(http::Config::default().allowing(["127.0.0.1"])).unwrap();
    let engine =
        Engine::new(registry_with(packages, objects.clone(), client)).with_clock(TokioClock::default());
    let wf = Workflow::new(vec![
        Step::new("apply", "apply-object")
            .with_properties(json!({"value": {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cfg"}, "data": {"color": "blue"}}})),
        Step::new("read", "read-object")
            .with_properties(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "namespace": "prod"}),
            )
            .output("color", "output.value.data.color"),
        Step::new("export", "export2config")
            .input("color", "data.favourite")
            .with_properties(json!({"configName": "out", "data": {}})),
        Step::new("secret", "export2secret").with_properties(json!({"secretName": "s", "data": {"k": "v"}})),
        Step::new("say", "print-message-in-status").with_properties(json!({"message": "hello"})),
        Step::new("call", "request")
            .with_properties(json!({"url": format!("{base}/api"), "method": "POST", "body": {"a": 1}}))
            .output("ok", "response.ok"),
        Step::new("hook", "webhook")
            .with_properties(json!({"url": {"value": format!("{base}/hook")}, "data": {"x": 1}})),
        Step::new("notify", "notification").with_properties(json!({
            "slack": {"url": {"value": format!("{base}/slack")}, "message": {"text": "deployed"}}})),
        Step::new("group", "step-group").with_sub_steps(vec![
            Step::new("inner", "print-message-in-status").with_properties(json!({"message": "inside"})),
        ]),
    ]);
    let mut state = RunState::default();
    let phase = run(&engine, &wf, &mut state).await;
    assert_eq!(phase, RunPhase::Succeeded, "{:#?}", state.status);
    assert_eq!(state.var("color"), Some(&json!("blue")));
    assert_eq!(state.var("ok"), Some(&json!(true)));
    assert_eq!(state.status.step("say").unwrap().message, "hello");
    let key = |kind: &str, name: &str| Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: "prod".into(),
        name: name.into(),
    };
    assert_eq!(
        objects.get(&key("ConfigMap", "out")).await.unwrap().unwrap()["data"],
        json!({"favourite": "blue"})
    );
    assert_eq!(
        objects.get(&key("Secret", "s")).await.unwrap().unwrap()["stringData"],
        json!({"k": "v"})
    );
    let seen = seen.lock().unwrap().clone();
    assert!(
        seen.contains(&("POST".into(), "/api".into(), "{\"a\":1}".into())),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("POST".into(), "/hook".into(), "{\"x\":1}".into())),
        "{seen:?}"
    );
    let slack = seen.iter().find(|s| s.1 == "/slack").unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&slack.2).unwrap(),
        json!({"text": "deployed"})
    );
}

#[tokio::test]
async fn cue_suspend_and_request_failure_follow_kubevela() {
    suspend_and_request_failure(&packages()).await;
}

#[tokio::test]
async fn cue_suspend_and_request_failure_follow_kubevela_with_our_own_packages() {
    suspend_and_request_failure(&Packages::standard()).await;
}

async fn suspend_and_request_failure(packages: &Packages) {
    let (base, _) = http_server().await;
    let objects = Arc::new(cluster::Memory::new());
    let client = http::Client::new(http::Config::default().allowing(["127.0.0.1"])).unwrap();
    let engine = Engine::new(registry_with(packages, objects, client)).with_clock(TokioClock::default());
    let wf = Workflow::new(vec![
        Step::new("gate", "suspend").with_properties(json!({"message": "approve me"})),
        Step::new("missing", "request").with_properties(json!({"url": format!("{base}/missing")})),
    ]);
    let mut state = RunState::default();
    assert_eq!(run(&engine, &wf, &mut state).await, RunPhase::Suspending);
    assert_eq!(state.status.step("gate").unwrap().reason, "Suspend");
    operation::resume(&mut state, None).unwrap();
    assert_eq!(run(&engine, &wf, &mut state).await, RunPhase::Failed);
    let st = state.status.step("missing").unwrap();
    assert_eq!(
        (st.phase.map_or("", |p| p.as_str()), st.reason.as_str()),
        ("failed", "Action"),
        "{st:?}"
    );
    assert_eq!(st.message, format!("request of {base}/missing is fail: 404"));
}

/// A tiny SMTP server on loopback: records every line it receives.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap() == 0 {
                return;
            }
            let line = line.trim_end_matches(['\r', '\n']).to_owned();
            l.lock().unwrap().push(line.clone());
            let reply: &[u8] = match line.as_str() {
                "." if in_data => {
                    in_data = false;
                    b"250 queued\r\n"
                }
                _ if in_data => continue,
                l if l.starts_with("EHLO") => b"250-test\r\n250 AUTH PLAIN\r\n",
                l if l.starts_with("AUTH") => b"235 ok\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go\r\n"
                }
                "QUIT" => b"221 bye\r\n",
                _ => b"250 ok\r\n",
            };
            w.write_all(reply).await.unwrap();
        }
    });
    (port, log)
}

#[tokio::test]
async fn cue_notification_email_and_webhook_from_a_secret() {
    use base64::Engine as _;
    let (base, seen) = http_server().await;
    let (port, smtp) = smtp_server().await;
    let objects = Arc::new(cluster::Memory::new());
    let url = base64::engine::general_purpose::STANDARD.encode(format!("{base}/secret-hook"));
    objects
        .apply("", json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook", "namespace": "prod"}, "data": {"url": url}}))
        .await
        .unwrap();
    let client = http::Client::new(http::Config::default().allowing(["127.0.0.1"])).unwrap();
    let engine = Engine::new(registry(objects, client)).with_clock(TokioClock::default());
    let wf = Workflow::new(vec![
        Step::new("hook", "webhook").with_properties(json!({"url": {"secretRef": {"name": "hook", "key": "url"}}, "data": {"y": 2}})),
        Step::new("mail", "notification").with_properties(json!({"email": {
            "from": {"address": "vela@example.com", "password": {"value": "pw"}, "host": "127.0.0.1", "port": port},
            "to": ["dev@example.com"], "content": {"subject": "Released", "body": "done"}}})),
    ]);
    let mut state = RunState::default();
    assert_eq!(
        run(&engine, &wf, &mut state).await,
        RunPhase::Succeeded,
        "{:#?}",
        state.status
    );
    assert!(
        seen.lock()
            .unwrap()
            .contains(&("POST".into(), "/secret-hook".into(), "{\"y\":2}".into()))
    );
    let smtp = smtp.lock().unwrap().clone();
    assert!(smtp.contains(&"RCPT TO:<dev@example.com>".to_owned()), "{smtp:?}");
    assert!(smtp.contains(&"Subject: Released".to_owned()), "{smtp:?}");
}

// ANCHOR: cue_step
use async_trait::async_trait;
use vela_workflow::cue_step::{Call, Provider};
use vela_workflow::step::{self, Context};

/// A provider `vela/greet` with one action, `#Hello`.
struct Greet;

#[async_trait]
impl Provider for Greet {
    async fn call(
        &self,
        action: &str,
        params: Value,
        _label: &str,
        _ctx: &mut Context<'_>,
    ) -> step::Result<Call> {
        match action {
            "hello" => Ok(Call::Returns(
                json!({"greeting": format!("hello, {}", params["name"].as_str().unwrap_or("?"))}),
            )),
            other => Err(step::Error::msg(format!("greet has no action {other:?}"))),
        }
    }
}

/// The provider's CUE package: what templates import as `vela/greet`.
const GREET_PACKAGE: &str = r#"
#Hello: {
	#do:       "hello"
	#provider: "greet"
	$params: name: string
	$returns?: greeting: string
}
"#;

/// A step type in CUE: calls `greet.#Hello`, then shows the greeting in the step status. The
/// message task runs only once `hello.$returns` is filled: tasks run when their `$params` are
/// concrete.
const GREETING_STEP: &str = r#"
import (
	"vela/builtin"
	"vela/greet"
)

"greeting": {
	type: "workflow-step"
	description: "Greets someone in the step status"
}
template: {
	hello: greet.#Hello & {$params: name: parameter.name}
	show: builtin.#Message & {$params: message: hello.$returns.greeting}
	parameter: name: string
}
"#;

fn greeting_registry(objects: Arc<cluster::Memory>, http: http::Client) -> Registry {
    let mut packages = packages(); // KubeVela's vela/builtin, vela/kube, ... packages
    packages.add("vela/greet", "greet.cue", GREET_PACKAGE);
    let mut providers = Providers::standard(objects, http);
    providers.register("greet", Greet);
    let step = CueStep::from_definition("greeting", GREETING_STEP, &packages, Arc::new(providers)).unwrap();
    let mut registry = Registry::new();
    registry.register("greeting", step);
    registry
}
// ANCHOR_END: cue_step

#[tokio::test]
async fn a_cue_step_with_a_custom_provider() {
    let client = http::Client::new(http::Config::default()).unwrap();
    let engine = Engine::new(greeting_registry(Arc::new(cluster::Memory::new()), client));
    let wf = Workflow::new(vec![
        Step::new("greet", "greeting").with_properties(json!({"name": "ana"})),
    ]);
    let mut state = RunState::default();
    assert_eq!(run(&engine, &wf, &mut state).await, RunPhase::Succeeded);
    assert_eq!(state.status.step("greet").unwrap().message, "hello, ana");
}

#[tokio::test]
async fn kube_provider_patches_and_lists() {
    let objects = Arc::new(cluster::Memory::new());
    objects
        .apply("", json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "prod", "labels": {"app": "x"}}, "data": {"k": "1"}}))
        .await
        .unwrap();
    let template = r#"
import "vela/kube"

patch: kube.#Patch & {$params: {
	value: {apiVersion: "v1", kind: "ConfigMap", metadata: name: "a"}
	patch: data: j: "2"
}}
list: kube.#List & {$params: {
	resource: {apiVersion: "v1", kind: "ConfigMap"}
	filter: {namespace: "prod", matchingLabels: app: "x"}
}}
count: len(list.$returns.values.items)
many: kube.#ApplyInParallel & {$params: value: [
	{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "b", labels: app: "y"}},
	{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "c", labels: app: "y"}},
]}
cleanup: kube.#Delete & {$params: {
	value: {apiVersion: "v1", kind: "ConfigMap", metadata: namespace: "prod"}
	// Refers to what `many` applied, so it runs after it.
	filter: {namespace: "prod", matchingLabels: app: many.$returns.value[0].metadata.labels.app}
}}
"#;
    let providers = Arc::new(Providers::standard(
        objects.clone(),
        http::Client::new(http::Config::default()).unwrap(),
    ));
    let step = CueStep::from_template("kube-ops", template, &packages(), providers).unwrap();
    let mut registry = Registry::new();
    registry.register("kube-ops", step);
    let engine = Engine::new(registry);
    let wf = Workflow::new(vec![
        Step::new("ops", "kube-ops")
            .output("count", "count")
            .output("data", "patch.$returns.result.data"),
    ]);
    let mut state = RunState::default();
    assert_eq!(
        run(&engine, &wf, &mut state).await,
        RunPhase::Succeeded,
        "{:#?}",
        state.status
    );
    assert_eq!(state.var("count"), Some(&json!(1)));
    assert_eq!(state.var("data"), Some(&json!({"k": "1", "j": "2"})));
    let left: Vec<String> = objects.all().into_iter().map(|(k, _)| k.name).collect();
    assert_eq!(left, ["a"], "b and c were applied, then deleted by the filter");
}

/// The WorkflowStepDefinitions of the kubevela/catalog addons (`$VELA_CATALOG_DIR`, else
/// `../shared/conformance/kubevela-catalog`) with Vela-rs's own packages: which build their
/// action graph with the standard providers, and why the others do not.
#[test]
fn catalog_workflow_step_definitions_with_our_own_packages() {
    let catalog = std::env::var_os("VELA_CATALOG_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| corpus().join("../kubevela-catalog"))
        .join("addons");
    let mut files = Vec::new();
    for addon in std::fs::read_dir(&catalog).expect("the catalog corpus") {
        let dir = addon.unwrap().path().join("definitions");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap_or_default();
            let step = src.lines().any(|l| {
                l.trim()
                    .strip_prefix("type:")
                    .is_some_and(|t| t.trim() == "\"workflow-step\"")
            });
            if path.extension().is_some_and(|x| x == "cue") && step {
                files.push((path, src));
            }
        }
    }
    files.sort();
    let packages = Packages::standard();
    let mut standard = Providers::standard(
        Arc::new(cluster::Memory::new()),
        http::Client::new(http::Config::default()).unwrap(),
    );
    // the application providers vela-engine registers for an application's workflow
    standard.register("multicluster", Greet).register("oam", Greet);
    let mut outcome = std::collections::BTreeMap::new();
    for (path, src) in &files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let result = (|| -> Result<(), String> {
            let def = vela_cue::definition::split(src).map_err(|e| e.to_string())?;
            let mut program =
                vela_cue::Program::compile(&name, &def.template()).map_err(|e| e.to_string())?;
            for (import, file, src) in packages.files() {
                program
                    .add_package(import, file, src)
                    .map_err(|e| e.to_string())?;
            }
            let inst = program
                .eval_with(&[
                    ("parameter", &json!({})),
                    ("context", &json!({"name": "app", "namespace": "ns"})),
                ])
                .map_err(|e| e.to_string())?;
            if let Some(e) = inst.errors(1).pop() {
                return Err(e.to_string());
            }
            for t in inst.tasks("").map_err(|e| e.to_string())? {
                let provider = t.provider.unwrap_or_default();
                if !standard.contains(&provider, &t.action) {
                    return Err(format!("{}: no provider {provider:?} for {:?}", t.path, t.action));
                }
            }
            Ok(())
        })();
        outcome.insert(name, result.err().unwrap_or_else(|| "ok".into()));
    }
    assert_eq!(
        files.len(),
        10,
        "workflow-step definitions in the catalog: {outcome:#?}"
    );
    let ok: Vec<&str> = outcome
        .iter()
        .filter(|(_, o)| *o == "ok")
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        ok,
        [
            "addon-operation",
            "apply-app",
            "aqua-trivy",
            "canary-deploy",
            "chat-gpt",
            "install-kubernetes-api-datasource"
        ],
        "{outcome:#?}"
    );
    // what the others lack: KubeVela's query package `vela/ql`, and three that CUE v0.14
    // itself refuses (so KubeVela v1.11 too)
    for (name, why) in [
        ("install-datasource-from-addon", "package \"vela/ql\" not found"),
        (
            "import-grafana-dashboard",
            "Addition of lists is superseded by list.Concat",
        ),
        (
            "install-datasource-from-config",
            "imported and not used: \"strconv\"",
        ),
        ("read-app", "imported and not used: \"encoding/yaml\""),
    ] {
        assert!(outcome[name].contains(why), "{name}: {}", outcome[name]);
    }
}
