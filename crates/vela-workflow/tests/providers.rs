//! The `vela/http` (trailers, rate limiter, headers from Secrets, TLS from a Secret),
//! `vela/metrics` and `vela/config` providers, run from CUE step types (KubeVela's own
//! definitions where the corpus has them) against loopback HTTP/HTTPS servers and the in-memory
//! object store.
#![cfg(all(feature = "cue", feature = "tls"))]

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vela_workflow::cluster::{self, Objects};
use vela_workflow::cue_step::{CueStep, Packages, Providers};
use vela_workflow::status::{RunPhase, StepPhase};
use vela_workflow::step::Registry;
use vela_workflow::time::{Clock, Timestamp};
use vela_workflow::{Engine, RunState, Step, Workflow, http};

fn corpus() -> PathBuf {
    std::env::var_os("VELA_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kubevela")
        })
}

fn packages() -> Packages {
    Packages::from_workflow_providers(&corpus().join("providers/workflow/pkg/providers"))
        .expect("provider packages")
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A step type calling `http.#HTTPDo` with its properties as `$params`.
const HTTP_DO: &str = r#"
import "vela/http"

do: http.#HTTPDo & {$params: parameter}
parameter: {...}
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

/// A request as the server saw it.
#[derive(Clone, Debug, Default)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
    trailers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Log = Arc<Mutex<Vec<Seen>>>;
type Respond = Arc<dyn Fn(&Seen) -> String + Send + Sync>;

async fn read_lines<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).await.unwrap_or(0) == 0 {
            return out;
        }
        let h = h.trim_end();
        if h.is_empty() {
            return out;
        }
        if let Some((k, v)) = h.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
}

/// Serves one HTTP/1.1 request (content-length or chunked with trailers) on `sock`.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(sock: S, log: Log, respond: Respond) {
    let (r, mut w) = tokio::io::split(sock);
    let mut r = BufReader::new(r);
    let mut line = String::new();
    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let mut seen = Seen {
        method: parts.next().unwrap_or("").to_owned(),
        path: parts.next().unwrap_or("").to_owned(),
        ..Seen::default()
    };
    seen.headers = read_lines(&mut r).await;
    let mut body = Vec::new();
    if seen.header("transfer-encoding") == Some("chunked") {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).await.unwrap();
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap(), 16).unwrap();
            if n == 0 {
                seen.trailers = read_lines(&mut r).await;
                break;
            }
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).await.unwrap();
            body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(len) = seen.header("content-length") {
        body = vec![0; len.parse().unwrap()];
        r.read_exact(&mut body).await.unwrap();
    }
    seen.body = String::from_utf8(body).unwrap();
    let resp = respond(&seen);
    log.lock().unwrap().push(seen);
    let _ = w.write_all(resp.as_bytes()).await;
    let _ = w.shutdown().await;
}

fn ok_json(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A plain HTTP server on 127.0.0.1.
async fn http_server(respond: Respond) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock, l.clone(), respond.clone()));
        }
    });
    (base, log)
}

fn status_of(state: &RunState, step: &str) -> (StepPhase, String) {
    let s = state.status.step(step).unwrap();
    (s.phase, s.message.clone())
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
    assert_eq!(state.var("trailer"), Some(&json!({"x-checksum": ["abc123"]})));
    let seen = log.lock().unwrap()[0].clone();
    assert_eq!((seen.method.as_str(), seen.body.as_str()), ("POST", "payload"));
    assert_eq!(seen.header("x-kind"), Some("demo"));
    assert_eq!(seen.trailers, vec![("x-sum".to_owned(), "42".to_owned())]);
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

/// A CA, a server certificate for 127.0.0.1 and a client certificate, all made by the test.
struct Pki {
    ca: String,
    server: (rcgen::Certificate, rcgen::KeyPair),
    client_cert: String,
    client_key: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["workflow-client".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca: ca_cert.pem(),
        server: (server, server_key),
        client_cert: client.pem(),
        client_key: client_key.serialize_pem(),
    }
}

/// An HTTPS server that requires a client certificate issued by the test CA.
async fn mtls_server(pki: &Pki) -> (String, Log) {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer, server::WebPkiClientVerifier};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let ca_der = rustls_pemfile_der(&pki.ca);
    roots.add(ca_der).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(pki.server.1.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![pki.server.0.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, l) = (acceptor.clone(), l.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(sock).await {
                    serve(tls, l, Arc::new(|_: &Seen| ok_json("{\"mutual\":true}"))).await;
                }
            });
        }
    });
    (base, log)
}

/// The DER of the first certificate of a PEM text.
fn rustls_pemfile_der(pem: &str) -> tokio_rustls::rustls::pki_types::CertificateDer<'static> {
    use tokio_rustls::rustls::pki_types::{CertificateDer, pem::PemObject};
    CertificateDer::from_pem_slice(pem.as_bytes()).unwrap()
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

mod config_round_trip;

#[tokio::test]
async fn config_definitions_create_read_list_and_delete_configs() {
    config_round_trip::run(Arc::new(cluster::Memory::new()), "prod", "vela-system").await;
}
