//! Standalone WorkflowRuns on the embedded hub: `vela up -f run.yaml` and `vela workflow ...
//! -t workflow`.

use super::{State, run};

/// An approval, then a message in the status and a ConfigMap.
const GATE: &str = "
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata: {name: gate}
spec:
  workflowSpec:
    steps:
      - {name: approve, type: suspend}
      - name: note
        type: apply-object
        properties:
          value: {apiVersion: v1, kind: ConfigMap, metadata: {name: gate-note}, data: {k: v}}
";

#[test]
fn a_workflow_run_is_run_suspended_resumed_terminated_and_restarted() {
    let state = State::new("runs");
    let s = state.arg();
    let up = run(&["up", "-f", "-", "-n", "ops", &s], Some(GATE), &[]);
    assert_eq!(up.code, 0, "{}", up.stderr);
    assert_eq!(up.stdout, "WorkflowRun ops/gate: suspending\n");
    assert!(up.stderr.contains("No cluster configured"), "{}", up.stderr);

    // an Application operation does not find a run
    let app = run(&["workflow", "resume", "gate", "-n", "ops", &s], None, &[]);
    assert_eq!(app.code, 1);
    assert!(
        app.stderr.contains("application ops/gate not found"),
        "{}",
        app.stderr
    );
    let wrong = run(
        &[
            "workflow", "resume", "gate", "-t", "workflow", "-n", "ops", "--step", "nope", &s,
        ],
        None,
        &[],
    );
    assert_eq!(wrong.code, 1);
    assert!(
        wrong.stderr.contains("can not find step \"nope\""),
        "{}",
        wrong.stderr
    );

    let resumed = run(
        &["workflow", "resume", "gate", "-t", "workflow", "-n", "ops", &s],
        None,
        &[],
    );
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert_eq!(resumed.stdout, "WorkflowRun ops/gate: succeeded\n");
    // resuming a finished run changes nothing
    let again = run(
        &[
            "workflow", "resume", "gate", "--type", "workflow", "-n", "ops", &s,
        ],
        None,
        &[],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(again.stdout, "WorkflowRun ops/gate: succeeded\n");

    // restarted, it waits for the approval again; terminated, it stays terminated
    let restarted = run(
        &["workflow", "restart", "gate", "-t", "workflow", "-n", "ops", &s],
        None,
        &[],
    );
    assert_eq!(restarted.code, 0, "{}", restarted.stderr);
    assert_eq!(restarted.stdout, "WorkflowRun ops/gate: suspending\n");
    let terminated = run(
        &["workflow", "terminate", "gate", "-t", "workflow", "-n", "ops", &s],
        None,
        &[],
    );
    assert_eq!(terminated.code, 0, "{}", terminated.stderr);
    assert_eq!(terminated.stdout, "WorkflowRun ops/gate: terminated\n");

    let missing = run(
        &["workflow", "suspend", "nobody", "-t", "workflow", &s],
        None,
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("WorkflowRun default/nobody not found"),
        "{}",
        missing.stderr
    );
    let bad = run(
        &["up", "-f", "-", &s],
        Some("apiVersion: core.oam.dev/v1alpha1\nkind: WorkflowRun\nmetadata: {name: x}\nspec: {}\n"),
        &[],
    );
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("spec: exactly one of workflowSpec and workflowRef is expected"),
        "{}",
        bad.stderr
    );
}
