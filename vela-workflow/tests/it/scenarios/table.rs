//! The scenarios, one per behaviour of KubeVela's executor (`pkg/executor/workflow_test.go`).

use super::Act::*;
use super::{Scenario, dag, group, s, sc, secs, wf};
use std::time::Duration;

use super::common::no_retries;
use serde_json::{Value, json};
use vela_workflow::status::RunPhase;
use vela_workflow::{Config, StepMode};

pub(crate) fn table() -> Vec<Scenario> {
    let d = Config::default;
    vec![
        sc(
            "failed step stops a StepByStep run and is retried",
            d(),
            wf(vec![s("s1", "success"), s("s2", "fail"), s("s3", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Executing),
                Steps("s1:succeeded s2:failed/Execute"),
                Message("s2", "boom"),
                Runs(2),
                Pass,
                Runs(3),
                Steps("s1:succeeded s2:failed/Execute"),
            ],
        ),
        sc(
            "all steps succeed",
            d(),
            wf(vec![s("s1", "success"), s("s2", "success"), s("s3", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:succeeded s3:succeeded"),
                Requeue(None),
            ],
        ),
        sc(
            "failed sub-step fails the group without a reason, so the run waits",
            d(),
            wf(vec![
                s("s1", "success"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "fail")]),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Executing),
                Steps("s1:succeeded s2:failed[s2-sub1:succeeded,s2-sub2:failed/Execute]"),
            ],
        ),
        sc(
            "timeout fails the step, skips the next, runs if: status.s2.timeout",
            d(),
            wf(vec![
                s("s1", "success"),
                s("s2", "running")
                    .with_if("status.s1.succeeded")
                    .with_timeout("1s"),
                s("s3", "success"),
                s("s4", "success").with_if("status.s2.timeout"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Executing),
                Requeue(Some(secs(1))),
                Advance(Duration::from_millis(1500)),
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:succeeded s2:failed/Timeout s3:skipped/Skip s4:succeeded"),
            ],
        ),
        sc(
            "timeout of a suspended step",
            d(),
            wf(vec![
                s("s1", "success"),
                s("s2", "suspend").with_if("status.s1.timeout").with_timeout("1s"),
                s("s3", "success"),
                s("s4", "suspend")
                    .with_if("status.s1.succeeded")
                    .with_timeout("1s"),
                s("s5", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps("s1:succeeded s2:skipped/Skip s3:succeeded s4:suspending/Suspend"),
                Requeue(Some(secs(1))),
                Advance(Duration::from_millis(1500)),
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:succeeded s2:skipped/Skip s3:succeeded s4:failed/Timeout s5:skipped/Skip"),
            ],
        ),
        sc(
            "timeouts of sub-steps fail the group with reason Timeout",
            d(),
            wf(vec![
                s("s1", "success"),
                group(
                    "s2",
                    vec![
                        s("s2-sub1", "success"),
                        s("s2-sub2", "running").with_timeout("1s"),
                        s("s2-suspend", "suspend").with_timeout("1s"),
                    ],
                ),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps(
                    "s1:succeeded s2:suspending[s2-sub1:succeeded,s2-sub2:running/Wait,s2-suspend:suspending/Suspend]",
                ),
                Advance(Duration::from_millis(1500)),
                Pass,
                Phase(RunPhase::Failed),
                Steps(
                    "s1:succeeded s2:failed/Timeout[s2-sub1:succeeded,s2-sub2:failed/Timeout,s2-suspend:failed/Timeout] s3:skipped/Skip",
                ),
            ],
        ),
        sc(
            "a group timeout fails its unfinished sub-steps",
            d(),
            wf(vec![
                s("s1", "success"),
                group(
                    "s2",
                    vec![
                        s("s2-sub1", "success"),
                        s("s2-sub2", "running"),
                        s("s2-suspend", "suspend"),
                    ],
                )
                .with_timeout("1s"),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Advance(Duration::from_millis(1500)),
                Pass,
                Phase(RunPhase::Failed),
                Steps(
                    "s1:succeeded s2:failed/Timeout[s2-sub1:succeeded,s2-sub2:failed/Timeout,s2-suspend:failed/Timeout] s3:skipped/Skip",
                ),
            ],
        ),
        sc(
            "a group after a failure is skipped with all its sub-steps",
            no_retries(),
            wf(vec![
                s("s1", "fail"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "fail")]),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps(
                    "s1:failed/FailedAfterRetries s2:skipped/Skip[s2-sub1:skipped/Skip,s2-sub2:skipped/Skip] s3:skipped/Skip",
                ),
                Runs(1),
            ],
        ),
        sc(
            "if: always on a group and its sub-steps",
            no_retries(),
            wf(vec![
                s("s1", "fail"),
                group(
                    "s2",
                    vec![
                        s("s2-sub1", "success").depends_on(["s2-sub2"]).with_if("always"),
                        s("s2-sub2", "fail"),
                        s("s2-sub3", "fail-action"),
                    ],
                )
                .with_if("always"),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps(
                    "s1:failed/FailedAfterRetries s2:failed/FailedAfterRetries[s2-sub2:failed/FailedAfterRetries,s2-sub3:failed/Action,s2-sub1:succeeded] s3:skipped/Skip",
                ),
            ],
        ),
        sc(
            "groups succeed, also when empty",
            d(),
            wf(vec![
                s("s1", "success"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "success")]),
                group("s3", vec![]),
                s("s4", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps(
                    "s1:succeeded s2:succeeded[s2-sub1:succeeded,s2-sub2:succeeded] s3:succeeded s4:succeeded",
                ),
            ],
        ),
        sc(
            "failed after retries suspends with EnableSuspendOnFailure (StepByStep)",
            no_retries().with_suspend_on_failure(true),
            wf(vec![s("s1", "success"), s("s2", "fail"), s("s3", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps("s1:succeeded s2:failed/FailedAfterRetries"),
                RunMessage(vela_workflow::status::MESSAGE_SUSPEND_FAILED_AFTER_RETRIES),
            ],
        ),
        sc(
            "failed after retries suspends with EnableSuspendOnFailure (DAG)",
            no_retries().with_suspend_on_failure(true),
            dag(vec![s("s1", "success"), s("s2", "fail"), s("s3", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps("s1:succeeded s2:failed/FailedAfterRetries s3:succeeded"),
            ],
        ),
        sc(
            "if: always runs after a failure (StepByStep)",
            no_retries(),
            wf(vec![
                s("s1", "success"),
                s("s2", "fail"),
                s("s3", "success").with_if("always"),
                s("s4", "success"),
                s("s5", "success").with_if("always"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:succeeded s2:failed/FailedAfterRetries s3:succeeded s4:skipped/Skip s5:succeeded"),
            ],
        ),
        sc(
            "if: always in DAG mode; failures propagate through dependsOn transitively",
            no_retries(),
            dag(vec![
                s("s1", "success"),
                s("s2", "fail"),
                s("s3", "success").depends_on(["s2"]).with_if("always"),
                s("s4", "success").depends_on(["s3"]),
                s("s5", "success").depends_on(["s3"]).with_if("always"),
                s("s6", "success").depends_on(["s1", "s5"]),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                // Real pending checks record s4..s6 as pending before s3 runs (KubeVela's order).
                Steps(
                    "s1:succeeded s2:failed/FailedAfterRetries s4:skipped/Skip s5:succeeded s6:skipped/Skip s3:succeeded",
                ),
            ],
        ),
        sc(
            "if expressions over status and inputs (StepByStep)",
            d(),
            wf(vec![
                s("s1", "success"),
                s("s2", "success").with_if("status.s1.failed"),
                s("s3", "success")
                    .with_if("status.s1.succeeded")
                    .with_properties(json!({"ok": true}))
                    .output("test", "output.value.ok"),
                s("s4", "success").input("test", "").with_if("inputs.test"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:skipped/Skip s3:succeeded s4:succeeded"),
                Var("test", json!(true)),
            ],
        ),
        sc(
            "if expressions in DAG mode: if overrides the skip of a skipped dependency",
            d(),
            dag(vec![
                s("s1", "success"),
                s("s2", "success").with_if("status.s1.failed"),
                s("s3", "success")
                    .depends_on(["s2"])
                    .with_if("status.s1.succeeded")
                    .with_properties(json!({"ok": true}))
                    .output("test", "output.value.ok"),
                s("s4", "success")
                    .depends_on(["s3"])
                    .input("test", "")
                    .with_if("inputs.test"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:skipped/Skip s4:succeeded s3:succeeded"),
            ],
        ),
        sc(
            "if expressions over sub-step statuses of another group",
            no_retries(),
            wf(vec![
                s("s1", "success"),
                group(
                    "s2",
                    vec![s("s2_sub1", "success").with_if("always"), s("s2_sub2", "fail")],
                )
                .with_if("status.s1.timeout"),
                group(
                    "s3",
                    vec![
                        s("s3_sub1", "success").with_if("status.s2_sub1.skipped"),
                        s("s3_sub2", "fail"),
                    ],
                )
                .with_if("status.s1.succeeded"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps(
                    "s1:succeeded s2:skipped/Skip[s2_sub1:skipped/Skip,s2_sub2:skipped/Skip] s3:failed/FailedAfterRetries[s3_sub1:succeeded,s3_sub2:failed/FailedAfterRetries]",
                ),
            ],
        ),
        sc(
            "an if that cannot be evaluated skips the step with a pre-check error",
            d(),
            wf(vec![
                s("s1", "success"),
                s("s2", "success").with_if("status.nope.succeeded"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:skipped/Skip"),
                MessagePrefix(
                    "s2",
                    "pre check error: invalid expression \"status.nope.succeeded\": ",
                ),
            ],
        ),
        sc(
            "failed after 10 retries: 11 executions, then the run fails",
            d(),
            wf(vec![s("s1", "fail"), s("s2", "success")]),
            vec![
                Passes(10),
                Phase(RunPhase::Executing),
                Steps("s1:failed/Execute"),
                Runs(10),
                Pass,
                Runs(11),
                Phase(RunPhase::Failed),
                Steps("s1:failed/FailedAfterRetries s2:skipped/Skip"),
                Pass,
                Runs(11),
            ],
        ),
        sc(
            "failed after retries inside a group",
            no_retries().with_suspend_on_failure(true),
            wf(vec![
                s("s1", "success"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "fail")]),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps(
                    "s1:succeeded s2:failed/FailedAfterRetries[s2-sub1:succeeded,s2-sub2:failed/FailedAfterRetries]",
                ),
            ],
        ),
        sc(
            "backoff: 2^n x 50 ms in whole seconds, at least 1 s, at most 60 s while waiting",
            d(),
            wf(vec![s("s1", "running")]),
            vec![
                Pass,
                Requeue(Some(secs(1))),
                Passes(5),
                Requeue(Some(secs(1))),
                Pass,
                Requeue(Some(secs(3))),
                Pass,
                Requeue(Some(secs(6))),
                Pass,
                Requeue(Some(secs(12))),
                Pass,
                Requeue(Some(secs(25))),
                Pass,
                Requeue(Some(secs(51))),
                Pass,
                Requeue(Some(secs(60))),
                Passes(10),
                Requeue(Some(secs(60))),
            ],
        ),
        sc(
            "backoff: at most 300 s once a step failed",
            Config::default().with_max_step_error_retries(100),
            wf(vec![s("s1", "fail")]),
            vec![
                Passes(12),
                Requeue(Some(secs(102))),
                Pass,
                Requeue(Some(secs(204))),
                Pass,
                Requeue(Some(secs(300))),
            ],
        ),
        sc(
            "backoff: a running step's timeout shortens the interval",
            d(),
            wf(vec![s("s1", "running").with_timeout("30s")]),
            vec![
                Passes(12),
                Requeue(Some(secs(30))),
                Advance(secs(20)),
                Pass,
                Requeue(Some(secs(10))),
            ],
        ),
        sc(
            "suspend backoff: nothing to wait for without duration or timeout",
            d(),
            wf(vec![s("s1", "suspend")]),
            vec![Pass, Pass, Phase(RunPhase::Suspending), Requeue(None)],
        ),
        sc(
            "suspend backoff: the timeout",
            d(),
            wf(vec![s("s1", "suspend").with_timeout("1m")]),
            vec![Pass, Pass, Requeue(Some(secs(60)))],
        ),
        sc(
            "suspend backoff: the minimum of duration and timeout",
            d(),
            wf(vec![
                s("s1", "suspend")
                    .with_timeout("1m")
                    .with_properties(json!({"duration": "30s"})),
                s("s2", "suspend")
                    .with_timeout("30s")
                    .with_properties(json!({"duration": "1m"})),
            ])
            .with_mode(StepMode::Dag),
            vec![Pass, Pass, Requeue(Some(secs(30)))],
        ),
        sc(
            "suspend and resume",
            d(),
            wf(vec![s("s1", "success"), s("s2", "suspend"), s("s3", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps("s1:succeeded s2:suspending/Suspend"),
                Message("s2", "Suspended by field suspend"),
                Pass,
                Phase(RunPhase::Suspending),
                Resume(None),
                Steps("s1:succeeded s2:running/Suspend"),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:succeeded s3:succeeded"),
                Pass,
                Phase(RunPhase::Succeeded),
            ],
        ),
        sc(
            "suspend with a duration resumes by itself",
            d(),
            wf(vec![
                s("s1", "suspend").with_properties(json!({"duration": "30s", "message": "cooling down"})),
                s("s2", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Message("s1", "cooling down"),
                Requeue(Some(secs(30))),
                Advance(secs(10)),
                Pass,
                Phase(RunPhase::Suspending),
                Requeue(Some(secs(20))),
                Advance(secs(21)),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:succeeded"),
            ],
        ),
        sc(
            "suspend inside a group",
            d(),
            wf(vec![
                s("s1", "success"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "suspend")]),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Suspending),
                Steps("s1:succeeded s2:suspending[s2-sub1:succeeded,s2-sub2:suspending/Suspend]"),
                Resume(Some("s2-sub2")),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:succeeded[s2-sub1:succeeded,s2-sub2:succeeded] s3:succeeded"),
            ],
        ),
        sc(
            "manual suspend of a waiting step, then resume",
            d(),
            wf(vec![s("s1", "running")]),
            vec![
                Pass,
                Suspend(None),
                Steps("s1:suspending/Wait"),
                Pass,
                Phase(RunPhase::Suspending),
                Runs(1),
                Resume(None),
                Pass,
                Phase(RunPhase::Executing),
                Runs(2),
            ],
        ),
        sc(
            "terminate a running run",
            d(),
            wf(vec![s("s1", "success"), s("s2", "running"), s("s3", "success")]),
            vec![
                Pass,
                Terminate,
                Steps("s1:succeeded s2:failed/Terminate"),
                Pass,
                Phase(RunPhase::Terminated),
                Steps("s1:succeeded s2:failed/Terminate s3:skipped/Skip"),
                Pass,
                Phase(RunPhase::Terminated),
                Runs(2),
            ],
        ),
        sc(
            "terminate inside a group",
            d(),
            wf(vec![
                s("s1", "success"),
                group("s2", vec![s("s2-sub1", "success"), s("s2-sub2", "running")]),
            ]),
            vec![
                Pass,
                Terminate,
                Pass,
                Phase(RunPhase::Terminated),
                Steps("s1:succeeded s2:failed/Terminate[s2-sub1:succeeded,s2-sub2:failed/Terminate]"),
            ],
        ),
        sc(
            "#Fail fails the step with reason Action and ends the run",
            d(),
            wf(vec![s("s1", "fail-action"), s("s2", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:failed/Action s2:skipped/Skip"),
                Message("s1", "failed on purpose"),
            ],
        ),
        sc(
            "#Break succeeds with reason Terminate; later steps still run and the run ends failed",
            d(),
            wf(vec![s("s1", "break"), s("s2", "success")]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:succeeded/Terminate s2:succeeded"),
            ],
        ),
        sc(
            "an empty workflow succeeds",
            d(),
            wf(vec![]),
            vec![Pass, Phase(RunPhase::Succeeded)],
        ),
        sc(
            "DAG: steps whose inputs are missing stay pending, the others run",
            d(),
            dag(vec![
                s("s1", "success"),
                s("s2", "success").input("late", "x"),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Executing),
                Steps("s1:succeeded s3:succeeded s2:pending"),
                Message("s2", "Pending on Input: late"),
                Pass,
                Phase(RunPhase::Executing),
                Runs(2),
                SetVar("late", json!(7)),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s3:succeeded s2:succeeded"),
            ],
        ),
        sc(
            "DAG: dependsOn orders steps within one pass",
            d(),
            dag(vec![
                s("c", "success").depends_on(["b"]),
                s("b", "success").depends_on(["a"]),
                s("a", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded), // c is recorded pending before b runs.
                Steps("a:succeeded c:succeeded b:succeeded"),
            ],
        ),
        sc(
            "skip: a skipped step is fine for the next step, but not for an explicit dependsOn",
            d(),
            wf(vec![
                s("s1", "success"),
                s("s2", "success").with_if("false"),
                s("s3", "success"),
                s("s4", "success").depends_on(["s2"]),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:skipped/Skip s3:succeeded s4:skipped/Skip"),
            ],
        ),
        sc(
            "inputs and outputs: parameterKey, $returns fallback, null for a skipped producer",
            d(),
            wf(vec![
                s("p", "success")
                    .with_properties(json!({"v": {"name": "web"}}))
                    .output("svc", "output.value.v")
                    .output("whole", "output"),
                s("q", "success")
                    .with_if("false")
                    .output("nothing", "output.value"),
                s("c", "success")
                    .input("svc.name", "target.name")
                    .with_properties(json!({"target": {"port": 80}})),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Var("svc", json!({"name": "web"})),
                Var("nothing", Value::Null),
                Var("whole", json!({"$returns": {"value": {"v": {"name": "web"}}}})),
            ],
        ),
        sc(
            "an output that cannot be read sets the step message",
            d(),
            wf(vec![s("p", "success").output("x", "output.value.missing")]),
            vec![
                Pass,
                Phase(RunPhase::Succeeded),
                Var("x", Value::Null),
                Message("p", "failed to get output from output.value.missing: not exist\n"),
            ],
        ),
        sc(
            "restart from a failed step re-runs it and its dependents only",
            no_retries(),
            wf(vec![
                s("s1", "success"),
                s("s2", "flaky").with_properties(json!({"failures": 1})),
                s("s3", "success"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Steps("s1:succeeded s2:failed/FailedAfterRetries s3:skipped/Skip"),
                Runs(2),
                RestartFrom("s2"),
                Steps("s1:succeeded"),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("s1:succeeded s2:succeeded s3:succeeded"),
                Runs(4),
            ],
        ),
        sc(
            "restart from a failed sub-step keeps the rest of its group",
            no_retries(),
            dag(vec![
                group(
                    "g",
                    vec![
                        s("a", "success"),
                        s("b", "flaky").with_properties(json!({"failures": 1})),
                    ],
                ),
                s("after", "success").depends_on(["g"]).with_if("always"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                RestartFrom("b"),
                Steps("g:running[a:succeeded]"),
                Pass,
                Phase(RunPhase::Succeeded),
                Steps("g:succeeded[a:succeeded,b:succeeded] after:succeeded"),
            ],
        ),
        sc(
            "restart clears everything",
            d(),
            wf(vec![
                s("s1", "success").output("o", "output.value"),
                s("s2", "break"),
            ]),
            vec![
                Pass,
                Phase(RunPhase::Failed),
                Var("o", json!({})),
                Restart,
                Steps(""),
                Pass,
                Phase(RunPhase::Failed),
                Runs(4),
            ],
        ),
        sc(
            "print-message-in-status sets the step message",
            d(),
            wf(vec![
                s("m", "print-message-in-status").with_properties(json!({"message": "hello"})),
            ]),
            vec![Pass, Phase(RunPhase::Succeeded), Message("m", "hello")],
        ),
    ]
}
