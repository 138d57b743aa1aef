//! An operation recorded while a reconcile pass runs (between the pass's load of the run state
//! and its save) survives: the pass's save is refused and the pass is done again from the
//! state with the operation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use serde_json::{Value, json};
use vela_engine::{Engine, Operation};
use vela_multicluster::{Embedded, Key, Objects};
use vela_render::{Registry, Renderer};
use vela_workflow::step::{self, StepType};
use vela_workflow::{RunPhase, RunState};

/// What the meddling step does, the first time it runs.
#[derive(Clone, Copy)]
enum Target {
    /// Suspends the application `default/<name>` (`vela workflow suspend`).
    App(&'static str),
    /// Suspends the WorkflowRun `default/<name>` (`vela workflow suspend -t workflow`).
    Run(&'static str),
}

/// A step that, while the pass that runs it is under way, records a suspend of its own
/// workflow through the engine, as a CLI would from another process.
struct Meddle {
    engine: Arc<OnceLock<Engine>>,
    target: Target,
    runs: Arc<AtomicUsize>,
}

#[async_trait]
impl StepType for Meddle {
    async fn run(&self, _ctx: &mut step::Context<'_>) -> step::Result<Value> {
        if self.runs.fetch_add(1, Ordering::SeqCst) == 0 {
            let engine = self.engine.get().expect("the engine is set");
            let suspend = Operation::Suspend { step: None };
            let recorded = match self.target {
                Target::App(name) => engine.record_operation("default", name, suspend).await,
                Target::Run(name) => engine.record_run_operation("default", name, suspend).await,
            };
            assert!(recorded.expect("the suspend is recorded"), "the target exists");
        }
        Ok(json!({}))
    }
}

/// An engine on an embedded hub with the `meddle` step type; the number of times it ran.
fn engine(target: Target) -> (Engine, Arc<Embedded>, Arc<AtomicUsize>) {
    let cluster = Arc::new(Embedded::in_memory().expect("sqlite in memory"));
    let slot = Arc::new(OnceLock::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let engine = Engine::new(Renderer::new(Registry::builtin()), cluster.clone()).with_step(
        "meddle",
        Meddle {
            engine: slot.clone(),
            target,
            runs: runs.clone(),
        },
    );
    assert!(slot.set(engine.clone()).is_ok());
    (engine, cluster, runs)
}

/// The run state kept in the ConfigMap `name` of `default`.
async fn stored_state(cluster: &Embedded, name: &str) -> RunState {
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "default".into(),
        name: name.into(),
    };
    let cm = cluster.get(&key).await.unwrap().expect("the run state ConfigMap");
    RunState::from_bytes(cm["data"]["state"].as_str().unwrap().as_bytes()).unwrap()
}

#[tokio::test]
async fn a_suspend_recorded_during_an_application_pass_survives_it() {
    let (engine, cluster, runs) = engine(Target::App("raced"));
    let app = vela_render::app::parse(
        "
apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: raced}
spec:
  components: [{name: web, type: webservice, properties: {image: nginx}}]
  workflow:
    steps:
      - {name: gate, type: suspend}
      - {name: meddle, type: meddle}
      - {name: web, type: apply-component, properties: {component: web}}
",
    )
    .unwrap();
    // the first pass (a new revision, which starts from nothing) stops at the gate
    let held = engine.up(&app).await.unwrap();
    assert_eq!(held.workflow, RunPhase::Suspending);
    // resumed: in the same pass `meddle` suspends the workflow, then `web` is applied and the
    // pass saves over the state it loaded, which no longer is the stored one
    let after = engine
        .operate("default", "raced", Operation::Resume { step: None })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1, "meddle ran once");
    let state = stored_state(&cluster, "workflow-raced-context").await;
    assert!(
        state.status.suspend,
        "the suspend recorded during the pass was kept"
    );
    assert_eq!(
        after.workflow,
        RunPhase::Suspending,
        "{:?}",
        after.status.workflow
    );
    // and it holds: the next pass does not go on
    let next = engine.reconcile("default", "raced").await.unwrap().unwrap();
    assert_eq!(next.workflow, RunPhase::Suspending);
    assert!(
        stored_state(&cluster, "workflow-raced-context")
            .await
            .status
            .suspend
    );
    // resuming goes on from there
    let resumed = engine
        .operate("default", "raced", Operation::Resume { step: None })
        .await
        .unwrap()
        .unwrap();
    assert_ne!(resumed.workflow, RunPhase::Suspending);
}

#[tokio::test]
async fn a_suspend_recorded_during_a_workflow_run_pass_survives_it() {
    let (engine, cluster, runs) = engine(Target::Run("raced-run"));
    cluster
        .apply(
            "",
            json!({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
            "metadata": {"name": "raced-run", "namespace": "default"},
            "spec": {"workflowSpec": {"steps": [
                {"name": "meddle", "type": "meddle"},
                {"name": "say", "type": "print-message-in-status", "properties": {"message": "hi"}},
            ]}}}),
        )
        .await
        .unwrap();
    // the first pass loads no state; `meddle` records a suspend (creating the state), so the
    // pass's save (expecting nothing stored) is refused and the pass is done again
    let pass = engine
        .reconcile_run("default", "raced-run")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 1, "meddle ran once");
    assert_eq!(pass.phase, RunPhase::Suspending);
    let state = stored_state(&cluster, "workflowrun-raced-run-context").await;
    assert!(
        state.status.suspend,
        "the suspend recorded during the pass was kept"
    );
    assert!(!state.status.finished);
    // resumed, the run finishes (meddle runs again but does nothing more)
    let done = engine
        .operate_run("default", "raced-run", Operation::Resume { step: None })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.phase, RunPhase::Succeeded);
}

/// A run state deleted after its version was read is not created again by a save over that
/// version (an apply with only a resourceVersion would create it, on the API server too): the
/// save carries the ConfigMap's uid, which no object has any more.
#[tokio::test]
async fn a_save_over_a_deleted_run_is_refused_and_creates_nothing() {
    use vela_workflow::store::{ConfigMaps, Store};
    let cluster = Arc::new(Embedded::in_memory().unwrap());
    let store = ConfigMaps::new(cluster.clone(), "", "default", "workflow-");
    let state = RunState::default();
    let first = store.save_if("shop", &state, None).await.unwrap();
    assert!(
        first.as_str().contains('/'),
        "the uid is part of the version: {first:?}"
    );
    let key = Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "default".into(),
        name: "workflow-shop".into(),
    };
    assert!(cluster.delete(&key).await.unwrap());
    let refused = store.save_if("shop", &state, Some(&first)).await.unwrap_err();
    assert!(refused.is_conflict(), "{refused}");
    assert!(cluster.get(&key).await.unwrap().is_none(), "not created again");
    // a run created again under the same name has another uid: the old version stays refused
    let second = store.save_if("shop", &state, None).await.unwrap();
    assert_ne!(first, second);
    assert!(
        store
            .save_if("shop", &state, Some(&first))
            .await
            .unwrap_err()
            .is_conflict()
    );
    store.save_if("shop", &state, Some(&second)).await.unwrap();
}

/// The embedded cluster keeps the API server's uid rule: an apply naming a uid writes only over
/// the object with that uid (another object's is Invalid), and never creates one (Conflict).
#[tokio::test]
async fn an_apply_naming_a_uid_writes_only_over_that_object() {
    let cluster = Embedded::in_memory().unwrap();
    let cm = |uid: Option<&str>| {
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "u", "namespace": "default"}, "data": {"k": "v"}});
        if let Some(uid) = uid {
            cm["metadata"]["uid"] = json!(uid);
        }
        cm
    };
    let missing = cluster.apply("", cm(Some("0000"))).await.unwrap_err();
    assert!(
        missing.to_string().contains("uid mismatch") && missing.to_string().contains("no such object"),
        "{missing}"
    );
    let stored = cluster.apply("", cm(None)).await.unwrap();
    let uid = stored["metadata"]["uid"].as_str().unwrap().to_owned();
    // over another object, as on the API server: metadata.uid is immutable
    let other = cluster.apply("", cm(Some("0000"))).await.unwrap_err();
    assert!(
        matches!(&other, vela_multicluster::Error::Invalid { field, .. } if field == "metadata.uid"),
        "{other}"
    );
    cluster.apply("", cm(Some(&uid))).await.unwrap();
}
