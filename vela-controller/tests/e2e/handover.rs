//! `vela up` against a hub where vela-controller leads: the CLI (`VELA_BIN`) hands the
//! Application to the controller and `-w` waits for the status the controller writes.

use std::process::Command;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{DeleteParams, PostParams};
use serde_json::json;
use vela_test_support::cluster::Clusters;
use vela_test_support::readiness::Simulator;
use vela_test_support::wait;

use crate::support::*;

fn vela_bin() -> String {
    std::env::var("VELA_BIN")
        .expect("VELA_BIN: the vela binary (cargo build -p vela-cli; VELA_BIN=target/debug/vela)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test clusters (scripts/test-clusters.sh up 1) and VELA_BIN"]
async fn vela_up_hands_the_application_to_a_leading_controller_and_waits() {
    let clusters = Clusters::at_least(1).await.expect("the test clusters");
    let hub = clusters.hub();
    let ns = hub.test_namespace("ctl-handover").await.expect("a namespace");
    let ns = ns.name().to_owned();
    install(hub, &ns).await;
    // the controller's default Lease lives in vela-system
    let namespaces: Api<Namespace> = Api::all(hub.client());
    let vela_system: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "vela-system"}})).unwrap();
    let _ = namespaces.create(&PostParams::default(), &vela_system).await;
    let _simulator = Simulator::start(hub.client(), &ns);
    let controller = Controller::start(
        hub.kubeconfig(),
        &ns,
        &[
            "--leader-elect",
            "--leader-election-lease-duration",
            "3s",
            "--leader-election-identity",
            "handover-ctl",
        ],
    );
    controller.ready().await;
    wait::until(TIMEOUT, "the controller leads", || async {
        Ok((controller.metric("vela_controller_leader").await == Some(1.0)).then_some(()))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));

    let dir = std::env::temp_dir().join(format!("vela-handover-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.yaml");
    std::fs::write(
        &file,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: handed}\n\
         spec:\n  components:\n    - {name: handed-jobs, type: worker, properties: {image: busybox}}\n",
    )
    .unwrap();
    let out = Command::new(vela_bin())
        .arg("--kubeconfig")
        .arg(hub.kubeconfig())
        .args(["up", "-f"])
        .arg(&file)
        .args(["-n", &ns, "-w", "--timeout", "60s"])
        .env_remove("VELA_STATE")
        .output()
        .expect("run vela");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}\n{}", controller.logs());
    assert!(
        stderr.contains("vela-controller (handover-ctl) leads"),
        "{stderr}"
    );
    assert_eq!(
        stdout,
        format!(
            "Application {ns}/handed stored (generation 1) for vela-controller handover-ctl; phase running\n"
        )
    );
    // the controller did the work: its finalizer, its count, the workload
    let api = apps(hub, &ns);
    let app = api.get("handed").await.expect("the application");
    assert_eq!(
        app.metadata.finalizers.as_deref(),
        Some(&[FINALIZER.to_owned()][..])
    );
    let deployments: Api<Deployment> = Api::namespaced(hub.client(), &ns);
    assert!(deployments.get_opt("handed-jobs").await.expect("read").is_some());
    let reconciled = controller
        .metric("vela_controller_reconciles_total{result=\"success\"}")
        .await
        .expect("the success counter");
    assert!(reconciled >= 2.0, "{reconciled}");

    // an approval step: `vela up` returns at the suspension, `vela workflow resume` resumes it
    // through the controller
    let gated = dir.join("gated.yaml");
    std::fs::write(
        &gated,
        "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: gated}\n\
         spec:\n  components:\n    - {name: gated-jobs, type: worker, properties: {image: busybox}}\n\
         \x20 workflow:\n    steps:\n      - {name: approve, type: suspend}\n\
         \x20     - {name: deploy, type: apply-component, properties: {component: gated-jobs}}\n",
    )
    .unwrap();
    let vela = |args: &[&str]| {
        let out = Command::new(vela_bin())
            .arg("--kubeconfig")
            .arg(hub.kubeconfig())
            .args(args)
            .env_remove("VELA_STATE")
            .output()
            .expect("run vela");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = vela(&[
        "up",
        "-f",
        gated.to_str().unwrap(),
        "-n",
        &ns,
        "-w",
        "--timeout",
        "60s",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(
        stdout.ends_with("; phase workflowSuspending\n  step approve: Suspended by field suspend\n"),
        "{stdout}"
    );
    assert!(
        deployments.get_opt("gated-jobs").await.expect("read").is_none(),
        "held by the approval step"
    );
    let (ok, stdout, stderr) = vela(&["workflow", "resume", "gated", "-n", &ns]);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!(
            "Application {ns}/gated: operation recorded; vela-controller handover-ctl continues the workflow \
             (`vela status` shows it)\n"
        )
    );
    status_until(&api, "gated", "gated running after the resume", running_at(1)).await;
    assert!(deployments.get_opt("gated-jobs").await.expect("read").is_some());

    // a standalone WorkflowRun: `vela up` stores it for the controller and `-w` returns at the
    // approval; `vela workflow resume -t workflow` resumes it through the controller
    let run_file = dir.join("run.yaml");
    std::fs::write(
        &run_file,
        "apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: gated-run}\n\
         spec:\n  workflowSpec:\n    steps:\n      - {name: approve, type: suspend}\n\
         \x20     - {name: say, type: print-message-in-status, properties: {message: approved}}\n",
    )
    .unwrap();
    let (ok, stdout, stderr) = vela(&[
        "up",
        "-f",
        run_file.to_str().unwrap(),
        "-n",
        &ns,
        "-w",
        "--timeout",
        "60s",
    ]);
    assert!(ok, "{stdout}\n{stderr}\n{}", controller.logs());
    assert_eq!(
        stdout,
        format!("WorkflowRun {ns}/gated-run stored for vela-controller handover-ctl; phase suspending\n")
    );
    let (ok, stdout, stderr) = vela(&["workflow", "resume", "gated-run", "-t", "workflow", "-n", &ns]);
    assert!(ok, "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!(
            "WorkflowRun {ns}/gated-run: operation recorded; vela-controller handover-ctl continues the run\n"
        )
    );
    let ar = kube::api::ApiResource::from_gvk(&kube::api::GroupVersionKind::gvk(
        "core.oam.dev",
        "v1alpha1",
        "WorkflowRun",
    ));
    let runs: Api<kube::api::DynamicObject> = Api::namespaced_with(hub.client(), &ns, &ar);
    let status = wait::until(TIMEOUT, "the resumed run succeeds", || async {
        let r = runs.get("gated-run").await.map_err(|e| e.to_string())?;
        if r.data["status"]["status"] == "succeeded" {
            Ok(Some(r.data["status"].clone()))
        } else {
            Err(r.data["status"].to_string())
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    assert_eq!(status["steps"][1]["phase"], "succeeded", "{status}");

    for name in ["handed", "gated"] {
        api.delete(name, &DeleteParams::default()).await.expect("delete");
    }
    for name in ["handed", "gated"] {
        wait::for_deletion(&api, name, TIMEOUT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", controller.logs()));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
