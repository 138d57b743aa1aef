//! The `vela/http` (trailers, rate limiter, headers from Secrets, TLS from a Secret),
//! `vela/metrics` and `vela/config` providers, run from CUE step types (KubeVela's own
//! definitions where the corpus has them) against loopback HTTP/HTTPS servers and the in-memory
//! object store.
#![cfg(all(feature = "cue", feature = "tls"))]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use vela_workflow::cluster::{self, Objects};
use vela_workflow::cue_step::{CueStep, Packages, Providers};
use vela_workflow::status::{RunPhase, StepPhase};
use vela_workflow::step::Registry;
use vela_workflow::time::{Clock, Timestamp};
use vela_workflow::{Engine, RunState, Step, Workflow, http};

use crate::corpus;

fn packages() -> Packages {
    Packages::from_workflow_providers(&corpus().join("providers/workflow/pkg/providers"))
        .expect("provider packages")
}

use crate::loopback::{Log, Seen, b64, http_server, mtls_server, ok_json, pki};

/// A step type calling `http.#HTTPDo` with its properties as `$params`.
const HTTP_DO: &str = r#"
import "vela/http"

do: http.#HTTPDo & {$params: parameter}
parameter: {...}
"#;

/// `vela/time` both ways, and the legacy `vela/op` form of the same actions.
const TIME: &str = r#"
import (
	"vela/time"
	"vela/op"
)

ts: time.#DateToTimestamp & {$params: {date: parameter.date, layout: parameter.layout}}
back: time.#TimestampToDate & {$params: {timestamp: ts.$returns.timestamp, layout: "Monday, 02-Jan-06 15:04:05 MST"}}
legacy: op.#TimestampToDate & {timestamp: ts.$returns.timestamp}
parameter: {date: string, layout: *"" | string}
"#;

/// A clock the test moves by hand.
#[derive(Clone, Default)]
struct Manual(Arc<AtomicI64>);

impl Clock for Manual {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + self.0.load(Ordering::SeqCst))
    }
}

impl Manual {
    fn advance(&self, d: Duration) {
        self.0
            .fetch_add(i64::try_from(d.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

fn engine(objects: Arc<cluster::Memory>, http: http::Client, clock: Manual) -> Engine {
    let packages = packages();
    let providers = Arc::new(Providers::standard(objects, http));
    let mut r = Registry::new();
    r.register(
        "http-do",
        CueStep::from_template("http-do", HTTP_DO, &packages, providers.clone()).unwrap(),
    );
    r.register(
        "time",
        CueStep::from_template("time", TIME, &packages, providers.clone()).unwrap(),
    );
    for name in [
        "check-metrics",
        "create-config",
        "read-config",
        "list-config",
        "delete-config",
    ] {
        let src =
            std::fs::read_to_string(corpus().join(format!("definitions/workflowstep/{name}.cue"))).unwrap();
        r.register(
            name,
            CueStep::from_definition(name, &src, &packages, providers.clone()).unwrap(),
        );
    }
    Engine::new(r).with_clock(clock)
}

fn loopback() -> http::Client {
    http::Client::new(http::Config::default().allowing(["127.0.0.1"])).unwrap()
}

async fn pass(engine: &Engine, wf: &Workflow, state: &mut RunState) -> RunPhase {
    engine
        .reconcile(wf, &json!({"name": "app", "namespace": "prod"}), state)
        .await
        .unwrap()
        .phase
}

fn status_of(state: &RunState, step: &str) -> (StepPhase, String) {
    let s = state.status.step(step).unwrap();
    (s.phase.expect("the step has a phase"), s.message.clone())
}

#[tokio::test]
async fn http_do_sends_trailers_and_returns_response_trailers() {
    let (base, log) = http_server(Arc::new(|_: &Seen| {
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: X-Checksum\r\nconnection: close\r\n\r\n2\r\nok\r\n0\r\nX-Checksum: abc123\r\n\r\n".to_owned()
    }))
    .await;
    let engine = engine(Arc::default(), loopback(), Manual::default());
    let wf = Workflow::new(vec![
        Step::new("call", "http-do")
            .with_properties(json!({
                "method": "POST",
                "url": format!("{base}/upload"),
                "request": {"body": "payload", "header": {"X-Kind": "demo"}, "trailer": {"X-Sum": "42"}},
            }))
            .output("trailer", "do.$returns.trailer")
            .output("body", "do.$returns.body"),
    ]);
    let mut state = RunState::default();
    assert_eq!(
        pass(&engine, &wf, &mut state).await,
        RunPhase::Succeeded,
        "{:#?}",
        state.status
    );
    assert_eq!(state.var("body"), Some(&json!("ok")));
    assert_eq!(state.var("trailer"), Some(&json!({"X-Checksum": ["abc123"]})));
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!((seen.method.as_str(), seen.body.as_str()), ("POST", "payload"));
    assert_eq!(seen.header("x-kind"), Some("demo"));
    assert_eq!(seen.trailers, vec![("x-sum".to_owned(), "42".to_owned())]);
}

#[tokio::test]
async fn time_converts_dates_with_go_layouts_in_both_packages() {
    let engine = engine(Arc::default(), loopback(), Manual::default());
    let wf = Workflow::new(vec![
        Step::new("convert", "time")
            .with_properties(
                json!({"date": "Fri, 01 Mar 2019 15:00:00 GMT", "layout": "Mon, 02 Jan 2006 15:04:05 MST"}),
            )
            .output("ts", "ts.$returns.timestamp")
            .output("back", "back.$returns.date")
            .output("legacy", "legacy.date"),
        Step::new("bad", "time").with_properties(json!({"date": "2021-11-07 01:47:51"})),
    ]);
    let mut state = RunState::default();
    pass(&engine, &wf, &mut state).await;
    assert_eq!(
        status_of(&state, "convert").0,
        StepPhase::Succeeded,
        "{:#?}",
        state.status
    );
    assert_eq!(state.var("ts"), Some(&json!(1_551_452_400)));
    assert_eq!(state.var("back"), Some(&json!("Friday, 01-Mar-19 15:00:00 UTC")));
    assert_eq!(state.var("legacy"), Some(&json!("2019-03-01T15:00:00Z")));
    let (phase, message) = status_of(&state, "bad");
    assert_eq!(phase, StepPhase::Failed);
    assert!(
        message.contains(r#"parsing time "2021-11-07 01:47:51" as "2006-01-02T15:04:05Z07:00": cannot parse " 01:47:51" as "T""#),
        "{message}"
    );
}

#[tokio::test]
async fn http_do_rate_limiter_fails_the_step_past_the_limit() {
    let (base, log) = http_server(Arc::new(|_: &Seen| ok_json("{}"))).await;
    let engine = engine(Arc::default(), loopback(), Manual::default());
    let call = |name: &str, query: &str| {
        Step::new(name, "http-do").with_properties(json!({
            "url": format!("{base}/limited?{query}"),
            "request": {"ratelimiter": {"limit": 2, "period": "1m"}},
        }))
    };
    // The key is the method and the URL without its query: three calls share one bucket.
    let wf = Workflow::new(vec![call("a", "x=1"), call("b", "x=2"), call("c", "x=3")]);
    let mut state = RunState::default();
    pass(&engine, &wf, &mut state).await;
    assert_eq!(status_of(&state, "a").0, StepPhase::Succeeded);
    assert_eq!(status_of(&state, "b").0, StepPhase::Succeeded);
    let (phase, message) = status_of(&state, "c");
    assert_eq!(phase, StepPhase::Failed, "{message}");
    assert!(
        message.contains("request exceeds the rate limiter")
            && message.contains(&format!(
                "GET {base}/limited allows 2 request(s), then one every 1m"
            )),
        "{message}"
    );
    assert_eq!(log.lock().unwrap().len(), 2, "the refused request is never sent");
    // Without a limiter, the default Content-Type of KubeVela is sent.
    assert_eq!(
        log.lock().unwrap()[0].header("content-type"),
        Some("application/json")
    );
}

#[tokio::test]
async fn http_do_reads_headers_from_secrets_in_the_app_namespace() {
    let (base, log) = http_server(Arc::new(|_: &Seen| ok_json("{}"))).await;
    let objects = Arc::new(cluster::Memory::new());
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api", "namespace": "prod"},
                   "data": {"token": b64("Bearer s3cret\n")}}),
        )
        .await
        .unwrap();
    let engine = engine(objects, loopback(), Manual::default());
    let step = |name: &str, key: &str| {
        Step::new(name, "http-do").with_properties(json!({
            "url": format!("{base}/{name}"),
            "request": {"header": {"X-A": "1"},
                        "headersFromSecret": [{"header": "Authorization", "secret": "api", "key": key}]},
        }))
    };
    let wf = Workflow::new(vec![step("ok", "token"), step("missing", "nope")]);
    let mut state = RunState::default();
    pass(&engine, &wf, &mut state).await;
    assert_eq!(status_of(&state, "ok").0, StepPhase::Succeeded);
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!(seen.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(seen.header("x-a"), Some("1"));
    let (phase, message) = status_of(&state, "missing");
    assert_eq!(phase, StepPhase::Failed);
    assert!(
        message.contains("$params.request.headersFromSecret[0]: secret prod/api has no key \"nope\""),
        "{message}"
    );
}

#[tokio::test]
async fn http_do_tls_config_uses_the_ca_and_client_certificate_of_a_secret() {
    let pki = pki();
    let (base, log) = mtls_server(&pki).await;
    let objects = Arc::new(cluster::Memory::new());
    // KubeVela base64-decodes the Secret's values once more: its Secrets hold base64 of PEM.
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mtls", "namespace": "certs"},
                   "data": {"ca.crt": b64(&b64(&pki.ca)), "client.crt": b64(&b64(&pki.client_cert)),
                            "client.key": b64(&b64(&pki.client_key))}}),
        )
        .await
        .unwrap();
    // Plain PEM values are accepted too; this one has the CA only.
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ca-only", "namespace": "prod"},
                   "data": {"ca.crt": b64(&pki.ca)}}),
        )
        .await
        .unwrap();
    let engine = engine(objects, loopback(), Manual::default());
    let mutual = Step::new("mutual", "http-do")
        .with_properties(json!({"url": format!("{base}/secure"),
            "tls_config": {"secret": "mtls", "namespace": "certs"}}))
        .output("body", "do.$returns.body");
    let mut state = RunState::default();
    let wf = Workflow::new(vec![mutual]);
    assert_eq!(
        pass(&engine, &wf, &mut state).await,
        RunPhase::Succeeded,
        "{:#?}",
        state.status
    );
    assert_eq!(state.var("body"), Some(&json!("{\"mutual\":true}")));
    assert_eq!(log.lock().unwrap().len(), 1);
    let fails = |props: Value| {
        let wf = Workflow::new(vec![Step::new("call", "http-do").with_properties(props)]);
        let engine = &engine;
        async move {
            let mut state = RunState::default();
            pass(engine, &wf, &mut state).await;
            let (phase, message) = status_of(&state, "call");
            assert_eq!(phase, StepPhase::Failed, "{message}");
            message
        }
    };
    // The server refuses a client without a certificate; an untrusted server is refused.
    let m = fails(json!({"url": format!("{base}/secure"), "tls_config": {"secret": "ca-only"}})).await;
    assert!(m.contains(&format!("GET {base}/secure failed")), "{m}");
    let m = fails(json!({"url": format!("{base}/secure")})).await;
    assert!(m.contains(&format!("GET {base}/secure failed")), "{m}");
    let m = fails(json!({"url": format!("{base}/secure"), "tls_config": {"secret": "nope"}})).await;
    assert!(
        m.contains("$params.tls_config: secret prod/nope not found"),
        "{m}"
    );
    assert_eq!(
        log.lock().unwrap().len(),
        1,
        "only the request with a client certificate got through"
    );
}

/// A Prometheus-like `/api/v1/query` answering a vector with the current value of `value`.
async fn prometheus(value: Arc<Mutex<String>>) -> (String, Log) {
    http_server(Arc::new(move |seen: &Seen| {
        if seen.method != "POST" || !seen.path.starts_with("/api/v1/query") {
            return "HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into();
        }
        let v = value.lock().unwrap().clone();
        if v == "error" {
            let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
            return format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        ok_json(&format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1800000000.0,"{v}"]}}]}}}}"#
        ))
    }))
    .await
}

#[tokio::test]
async fn check_metrics_succeeds_after_duration_and_fails_after_fail_duration() {
    let value = Arc::new(Mutex::new("5".to_owned()));
    let (base, log) = prometheus(value.clone()).await;
    let clock = Manual::default();
    let engine = engine(Arc::default(), loopback(), clock.clone());
    let check = |name: &str| {
        Step::new(name, "check-metrics").with_properties(json!({
            "query": "sum(rate(http_requests_total{code=\"200\"}[1m]))",
            "metricEndpoint": base, "condition": ">=3", "duration": "4s", "failDuration": "2s"}))
    };
    let wf = Workflow::new(vec![check("healthy")]);
    let mut state = RunState::default();
    assert_eq!(pass(&engine, &wf, &mut state).await, RunPhase::Executing);
    assert_eq!(
        status_of(&state, "healthy").1,
        "The healthy condition should be >=3, and the query result is 5, indicating success."
    );
    clock.advance(Duration::from_secs(2));
    *value.lock().unwrap() = "3.50".into();
    pass(&engine, &wf, &mut state).await;
    assert_eq!(
        status_of(&state, "healthy").1,
        "The healthy condition should be >=3, and the query result is 3.5, indicating success. The success has persisted for 2s, with success duration being 4s."
    );
    clock.advance(Duration::from_secs(3));
    assert_eq!(
        pass(&engine, &wf, &mut state).await,
        RunPhase::Succeeded,
        "{:#?}",
        state.status
    );
    let seen = log.lock().unwrap()[0].clone();
    assert!(
        seen.body
            .starts_with("query=sum%28rate%28http_requests_total%7Bcode%3D%22200%22%7D%5B1m%5D%29%29&time="),
        "{}",
        seen.body
    );

    // Failing: the first failure waits, a failure that lasts past failDuration fails the step.
    *value.lock().unwrap() = "1".into();
    let wf = Workflow::new(vec![check("unhealthy")]);
    let mut state = RunState::default();
    assert_eq!(pass(&engine, &wf, &mut state).await, RunPhase::Executing);
    assert!(
        status_of(&state, "unhealthy")
            .1
            .ends_with("This is first failed checking.")
    );
    clock.advance(Duration::from_secs(3));
    assert_eq!(
        pass(&engine, &wf, &mut state).await,
        RunPhase::Failed,
        "{:#?}",
        state.status
    );
    assert_eq!(
        status_of(&state, "unhealthy").1,
        "The healthy condition should be >=3, but the query result is 1, indicating failure. The failure has persisted for 3s, with the failure duration being 2s. The check has terminated."
    );

    // A Prometheus error is an execution error naming it.
    *value.lock().unwrap() = "error".into();
    let wf = Workflow::new(vec![check("broken")]);
    let mut state = RunState::default();
    pass(&engine, &wf, &mut state).await;
    let (phase, message) = status_of(&state, "broken");
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("bad_data: parse error at char 4"), "{message}");
}

use crate::config_round_trip;

#[tokio::test]
async fn config_definitions_create_read_list_and_delete_configs() {
    config_round_trip::run(Arc::new(cluster::Memory::new()), "prod", "vela-system").await;
}

#[tokio::test]
async fn http_do_keeps_the_guard_with_tls_settings_and_trailers() {
    let pki = pki();
    let (tls_base, tls_log) = mtls_server(&pki).await;
    let objects = Arc::new(cluster::Memory::new());
    objects
        .apply(
            "",
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mtls", "namespace": "prod"},
                   "data": {"ca.crt": b64(&pki.ca), "client.crt": b64(&pki.client_cert),
                            "client.key": b64(&pki.client_key)}}),
        )
        .await
        .unwrap();
    // The default client refuses loopback, also for a request with its own TLS settings.
    let guarded = http::Client::new(http::Config::default()).unwrap();
    let engine_guarded = engine(objects.clone(), guarded, Manual::default());
    let wf = Workflow::new(vec![Step::new("call", "http-do").with_properties(
        json!({"url": format!("{tls_base}/x"), "tls_config": {"secret": "mtls"}}),
    )]);
    let mut state = RunState::default();
    pass(&engine_guarded, &wf, &mut state).await;
    let (phase, message) = status_of(&state, "call");
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("loopback addresses are blocked"), "{message}");
    assert!(tls_log.lock().unwrap().is_empty());
    // The body cap holds for a response with trailers.
    let (base, _) = http_server(Arc::new(|_: &Seen| {
        format!(
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: X-T\r\nconnection: close\r\n\r\n40\r\n{}\r\n0\r\nX-T: 1\r\n\r\n",
            "a".repeat(64)
        )
    }))
    .await;
    let small = http::Client::new(
        http::Config::default()
            .allowing(["127.0.0.1"])
            .with_max_response_bytes(16),
    )
    .unwrap();
    let engine_small = engine(objects, small, Manual::default());
    let wf = Workflow::new(vec![Step::new("call", "http-do").with_properties(
        json!({"url": format!("{base}/big"), "request": {"trailer": {"X-Sum": "1"}}}),
    )]);
    let mut state = RunState::default();
    pass(&engine_small, &wf, &mut state).await;
    let (phase, message) = status_of(&state, "call");
    assert_eq!(phase, StepPhase::Failed);
    assert!(message.contains("is larger than 16 bytes"), "{message}");
}
