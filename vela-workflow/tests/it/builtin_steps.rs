//! Built-in step types end to end: real HTTP and SMTP servers on loopback (allow-listed
//! explicitly), the in-memory object store, and the engine running the steps.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use vela_workflow::cluster::{self, Key, Objects};
use vela_workflow::status::RunPhase;
use vela_workflow::{Engine, RunState, Step, Workflow, http, steps};

/// A request the test server received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

type Responder = Arc<dyn Fn(&Seen) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

/// A small HTTP/1.1 server on 127.0.0.1 that records requests and answers with `respond`.
async fn http_server(respond: Responder) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (respond, log) = (respond.clone(), log.clone());
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
                    let mut headers = Vec::new();
                    let mut len = 0usize;
                    loop {
                        let mut h = String::new();
                        r.read_line(&mut h).await.unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        if k.eq_ignore_ascii_case("content-length") {
                            len = v.trim().parse().unwrap();
                        }
                        headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
                    }
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).await.unwrap();
                    let seen = Seen {
                        method,
                        path,
                        headers,
                        body: String::from_utf8(body).unwrap(),
                    };
                    let (status, extra, body) = respond(&seen);
                    log.lock().unwrap().push(seen);
                    let mut resp = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                    for (k, v) in extra {
                        resp.push_str(&format!("{k}: {v}\r\n"));
                    }
                    resp.push_str("\r\n");
                    resp.push_str(&body);
                    if w.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, seen)
}

fn json_ok() -> Responder {
    Arc::new(|s: &Seen| {
        (
            200,
            vec![("content-type".into(), "application/json".into())],
            json!({"echo": s.body, "path": s.path}).to_string(),
        )
    })
}

fn client(allow_loopback: bool) -> http::Client {
    let cfg = if allow_loopback {
        http::Config::default().allowing(["127.0.0.1"])
    } else {
        http::Config::default()
    };
    http::Client::new(cfg).unwrap()
}

fn get(url: String) -> http::Request {
    http::Request {
        method: "GET".into(),
        url,
        ..http::Request::default()
    }
}

#[tokio::test]
async fn the_guard_refuses_loopback_unless_allow_listed() {
    let (base, seen) = http_server(json_ok()).await;
    let err = client(false).send(get(format!("{base}/x"))).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("loopback addresses are blocked unless allow-listed"),
        "{err}"
    );
    // A name that resolves to loopback is refused too (checked at resolution).
    let port = base.rsplit(':').next().unwrap();
    let err = client(false)
        .send(get(format!("http://localhost:{port}/x")))
        .await
        .unwrap_err();
    let chain = format!("{err:?}");
    assert!(chain.contains("Blocked"), "{chain}");
    assert!(seen.lock().unwrap().is_empty());
    let ok = client(true).send(get(format!("{base}/x"))).await.unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(seen.lock().unwrap().len(), 1);
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "http://[::1]/",
    ] {
        assert!(
            matches!(
                client(true).send(get(url.into())).await,
                Err(http::Error::Blocked { .. })
            ),
            "{url}"
        );
    }
    assert!(matches!(
        client(true).send(get("file:///etc/passwd".into())).await,
        Err(http::Error::Url { .. })
    ));
}

#[tokio::test]
async fn redirects_are_refused_unless_enabled_and_bodies_are_capped() {
    let respond: Responder = Arc::new(|s: &Seen| match s.path.as_str() {
        "/hop" => (302, vec![("location".into(), "/end".into())], String::new()),
        "/big" => (200, vec![], "x".repeat(2000)),
        _ => (200, vec![], "end".into()),
    });
    let (base, _) = http_server(respond).await;
    let err = client(true).send(get(format!("{base}/hop"))).await.unwrap_err();
    assert!(format!("{err:?}").contains("redirect refused"), "{err:?}");
    let follow = http::Client::new(
        http::Config::default()
            .allowing(["127.0.0.1"])
            .with_max_redirects(1),
    )
    .unwrap();
    assert_eq!(follow.send(get(format!("{base}/hop"))).await.unwrap().body, "end");
    let small = http::Client::new(
        http::Config::default()
            .allowing(["127.0.0.1"])
            .with_max_response_bytes(1000),
    )
    .unwrap();
    assert!(matches!(
        small.send(get(format!("{base}/big"))).await,
        Err(http::Error::TooLarge { limit: 1000, .. })
    ));
}

#[tokio::test]
async fn numeric_spellings_of_loopback_are_refused() {
    let (base, seen) = http_server(json_ok()).await;
    let port = base.rsplit(':').next().unwrap();
    // decimal, hex, octal, short and mixed forms of 127.0.0.1, and IPv6 forms embedding it
    let forms = [
        "2130706433",
        "0x7f000001",
        "0x7f.0.0.1",
        "0177.0.0.1",
        "0177.1",
        "127.1",
        "127.0.1",
        "[::ffff:127.0.0.1]",
        "[::ffff:7f00:1]",
    ];
    for host in forms {
        let url = format!("http://{host}:{port}/x");
        let err = client(false).send(get(url.clone())).await.unwrap_err();
        assert!(
            matches!(&err, http::Error::Blocked { addr, .. } if addr.to_canonical().is_loopback()),
            "{url}: {err:?}"
        );
    }
    assert!(
        seen.lock().unwrap().is_empty(),
        "a refused request reached the server"
    );
    // The IPv4 forms really are the loopback server: allow-listed, they reach it.
    for host in &forms[..7] {
        let ok = client(true)
            .send(get(format!("http://{host}:{port}/x")))
            .await
            .unwrap();
        assert_eq!(ok.status, 200, "{host}");
    }
    assert_eq!(seen.lock().unwrap().len(), 7);
    // Forms that tunnel to an IPv4 address are refused whatever they embed.
    for url in [
        "http://[::127.0.0.1]/",
        "http://[::ffff:0:127.0.0.1]/",
        "http://[64:ff9b:1::a00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "http://[fec0::1]/",
    ] {
        assert!(
            matches!(
                client(false).send(get(url.into())).await,
                Err(http::Error::Blocked { .. })
            ),
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_followed_redirect_to_a_private_address_is_refused() {
    let (base, seen) = http_server(Arc::new(|_: &Seen| (200, vec![], "end".into()))).await;
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let hops: Arc<Mutex<Vec<String>>> = Arc::default();
    let targets = [
        format!("http://127.0.0.1:{port}/end"),
        format!("http://2130706433:{port}/end"),
        format!("http://[::ffff:127.0.0.1]:{port}/end"),
        "http://10.0.0.1/end".to_owned(),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ];
    let redirector = {
        let targets = targets.clone();
        let hops = hops.clone();
        Arc::new(move |s: &Seen| {
            hops.lock().unwrap().push(s.path.clone());
            let location = match s.path.strip_prefix("/hop/") {
                Some("ok") => "/end".to_owned(),
                Some(i) => targets[i.parse::<usize>().unwrap()].clone(),
                None => return (200, vec![], "end".to_owned()),
            };
            (302, vec![("location".to_owned(), location)], String::new())
        })
    };
    let (front, _) = http_server(redirector).await;
    let front_port = front.rsplit(':').next().unwrap();
    // Only the name `localhost` is allow-listed, and redirects are followed.
    let follow = http::Client::new(
        http::Config::default()
            .allowing(["localhost"])
            .with_max_redirects(3),
    )
    .unwrap();
    let ok = follow
        .send(get(format!("http://localhost:{front_port}/hop/ok")))
        .await
        .unwrap();
    assert_eq!((ok.status, ok.body.as_str()), (200, "end"));
    for (i, target) in targets.iter().enumerate() {
        let err = follow
            .send(get(format!("http://localhost:{front_port}/hop/{i}")))
            .await
            .unwrap_err();
        let chain = format!("{err:?}");
        assert!(chain.contains("Blocked"), "{target}: {chain}");
    }
    // `/hop/ok`, its `/end`, then one request per refused target.
    assert_eq!(hops.lock().unwrap().len(), 2 + targets.len());
    assert!(
        seen.lock().unwrap().is_empty(),
        "a redirect reached a private address"
    );
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_spaces_requests_out() {
    let c = http::Client::new(
        http::Config::default().with_rate_limit(Some((2, std::time::Duration::from_secs(1)))),
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    for _ in 0..3 {
        // The limiter runs before anything else; the guard then refuses: no network needed.
        let _ = c.send(get("http://127.0.0.1:9/".into())).await;
    }
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(1));
}

fn engine(objects: Arc<cluster::Memory>, http: http::Client) -> Engine {
    Engine::new(steps::builtins(objects, http))
}

async fn run(engine: &Engine, wf: &Workflow) -> RunState {
    let mut state = RunState::default();
    let ctx = json!({"name": "app", "namespace": "prod"});
    for _ in 0..3 {
        let out = engine.reconcile(wf, &ctx, &mut state).await.unwrap();
        if out.phase.is_terminal() {
            break;
        }
    }
    state
}

#[tokio::test]
async fn request_step_sends_and_parses_and_fails_above_400() {
    let respond: Responder = Arc::new(|s: &Seen| {
        if s.path == "/missing" {
            (404, vec![], "{}".into())
        } else {
            (200, vec![], json!({"got": s.body, "m": s.method}).to_string())
        }
    });
    let (base, seen) = http_server(respond).await;
    let e = engine(Arc::new(cluster::Memory::new()), client(true));
    let wf = Workflow::new(vec![
        Step::new("call", "request")
            .with_properties(json!({"url": format!("{base}/api"), "method": "POST", "body": {"a": 1}, "header": {"X-Token": "t"}}))
            .output("answer", "response.got")
            .output("code", "req.$returns.statusCode"),
        Step::new("missing", "request").with_properties(json!({"url": format!("{base}/missing")})),
    ]);
    let state = run(&e, &wf).await;
    assert_eq!(state.var("answer"), Some(&json!("{\"a\":1}")));
    assert_eq!(state.var("code"), Some(&json!(200)));
    let s = seen.lock().unwrap()[0].clone();
    assert_eq!((s.method.as_str(), s.path.as_str()), ("POST", "/api"));
    assert!(s.headers.contains(&("x-token".into(), "t".into())));
    let missing = state.status.step("missing").unwrap();
    assert_eq!(
        (missing.phase.map_or("", |p| p.as_str()), missing.reason.as_str()),
        ("failed", "Action")
    );
    assert_eq!(missing.message, format!("request of {base}/missing is fail: 404"));
    assert_eq!(state.status.phase, RunPhase::Failed);
}

#[tokio::test]
async fn webhook_posts_data_or_the_application_to_a_url_from_a_secret() {
    let (base, seen) = http_server(json_ok()).await;
    let objects = Arc::new(cluster::Memory::new());
    let url = base64_encode(&format!("{base}/hook"));
    objects
        .apply("", json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "hook", "namespace": "prod"}, "data": {"url": url}}))
        .await
        .unwrap();
    objects
        .apply("", json!({"apiVersion": "core.oam.dev/v1beta1", "kind": "Application", "metadata": {"name": "app", "namespace": "prod"}, "spec": {"components": []}}))
        .await
        .unwrap();
    let e = engine(objects, client(true));
    let wf = Workflow::new(vec![
        Step::new("data", "webhook")
            .with_properties(json!({"url": {"value": format!("{base}/direct")}, "data": {"x": 1}})),
        Step::new("app", "webhook")
            .with_properties(json!({"url": {"secretRef": {"name": "hook", "key": "url"}}})),
    ]);
    let state = run(&e, &wf).await;
    assert_eq!(state.status.phase, RunPhase::Succeeded, "{:?}", state.status);
    let seen = seen.lock().unwrap();
    assert_eq!(
        (seen[0].path.as_str(), seen[0].body.as_str()),
        ("/direct", "{\"x\":1}")
    );
    assert_eq!(seen[1].path, "/hook");
    let app: Value = serde_json::from_str(&seen[1].body).unwrap();
    assert_eq!(app["metadata"]["name"], "app");
    assert!(
        seen[1]
            .headers
            .contains(&("content-type".into(), "application/json".into()))
    );
}

fn base64_encode(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A tiny SMTP server on loopback: records the commands and the message.
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
            let reply: &[u8] = if in_data {
                if line == "." {
                    in_data = false;
                    b"250 queued\r\n"
                } else {
                    continue;
                }
            } else if line.starts_with("EHLO") {
                b"250-test\r\n250 AUTH PLAIN\r\n"
            } else if line.starts_with("AUTH PLAIN") {
                b"235 ok\r\n"
            } else if line == "DATA" {
                in_data = true;
                b"354 go\r\n"
            } else if line == "QUIT" {
                w.write_all(b"221 bye\r\n").await.unwrap();
                return;
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
    });
    (port, log)
}

#[tokio::test]
async fn notification_sends_slack_dingtalk_lark_and_email() {
    let (base, seen) = http_server(json_ok()).await;
    let (smtp_port, smtp) = smtp_server().await;
    let e = engine(Arc::new(cluster::Memory::new()), client(true));
    let wf = Workflow::new(vec![Step::new("notify", "notification").with_properties(json!({
        "slack": {"url": {"value": format!("{base}/slack")}, "message": {"text": "deployed"}},
        "dingding": {"url": {"value": format!("{base}/ding")}, "message": {"text": {"content": "deployed"}}},
        "lark": {"url": {"value": format!("{base}/lark")}, "message": {"msg_type": "text", "content": "{\"text\":\"deployed\"}"}},
        "email": {
            "from": {"address": "vela@example.com", "alias": "Vela", "password": {"value": "s3cret"}, "host": "127.0.0.1", "port": smtp_port},
            "to": ["dev@example.com", "ops@example.com"],
            "content": {"subject": "Deployed", "body": "<b>app</b> is up"}
        }
    }))]);
    let state = run(&e, &wf).await;
    assert_eq!(state.status.phase, RunPhase::Succeeded, "{:?}", state.status);
    let seen = seen.lock().unwrap();
    let body = |p: &str| -> Value {
        serde_json::from_str(&seen.iter().find(|s| s.path == p).unwrap().body).unwrap()
    };
    assert_eq!(body("/slack"), json!({"text": "deployed"}));
    assert_eq!(
        body("/ding"),
        json!({"text": {"content": "deployed"}, "msgtype": "text"})
    );
    assert_eq!(body("/lark")["msg_type"], "text");
    let smtp = smtp.lock().unwrap().clone();
    let token = base64_encode("\0vela@example.com\0s3cret");
    assert!(smtp.contains(&format!("AUTH PLAIN {token}")), "{smtp:?}");
    assert!(smtp.contains(&"MAIL FROM:<vela@example.com>".to_owned()));
    assert!(smtp.contains(&"RCPT TO:<ops@example.com>".to_owned()));
    assert!(smtp.contains(&"Subject: Deployed".to_owned()));
    assert!(smtp.contains(&"From: Vela <vela@example.com>".to_owned()));
    let body_b64 = base64_encode("<b>app</b> is up");
    assert!(smtp.contains(&body_b64), "{smtp:?}");
}

#[tokio::test]
async fn email_is_refused_to_a_blocked_address() {
    let e = engine(Arc::new(cluster::Memory::new()), client(false));
    let wf = Workflow::new(vec![Step::new("mail", "notification").with_properties(
        json!({"email": {
        "from": {"address": "a@b.c", "password": {"value": "p"}, "host": "127.0.0.1", "port": 2525},
        "to": ["x@y.z"], "content": {"subject": "s", "body": "b"}}}),
    )]);
    let mut state = RunState::default();
    e.reconcile(&wf, &json!({}), &mut state).await.unwrap();
    let st = state.status.step("mail").unwrap();
    assert_eq!(st.reason, "Execute");
    assert!(
        st.message.contains("loopback addresses are blocked"),
        "{}",
        st.message
    );
}

#[tokio::test]
async fn object_steps_apply_read_and_export() {
    let objects = Arc::new(cluster::Memory::new());
    let e = engine(objects.clone(), client(false));
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
        Step::new("secret", "export2secret")
            .with_properties(json!({"secretName": "reg", "kind": "docker-registry",
            "dockerRegistry": {"username": "u", "password": "p"}})),
    ]);
    let state = run(&e, &wf).await;
    assert_eq!(state.status.phase, RunPhase::Succeeded, "{:?}", state.status);
    assert_eq!(state.var("color"), Some(&json!("blue")));
    let key = |kind: &str, name: &str| Key {
        cluster: String::new(),
        api_version: "v1".into(),
        kind: kind.into(),
        namespace: "prod".into(),
        name: name.into(),
    };
    let out = objects.get(&key("ConfigMap", "out")).await.unwrap().unwrap();
    assert_eq!(out["data"], json!({"favourite": "blue"}));
    let secret = objects.get(&key("Secret", "reg")).await.unwrap().unwrap();
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    let cfg: Value =
        serde_json::from_str(secret["stringData"][".dockerconfigjson"].as_str().unwrap()).unwrap();
    assert_eq!(
        cfg["auths"]["https://index.docker.io/v1/"]["auth"],
        base64_encode("u:p")
    );
}

#[tokio::test]
async fn a_missing_object_is_retried_and_bad_parameters_name_the_field() {
    let e = engine(Arc::new(cluster::Memory::new()), client(false));
    let wf = Workflow::new(vec![
        Step::new("read", "read-object").with_properties(json!({"name": "nope"})),
    ]);
    let mut state = RunState::default();
    e.reconcile(&wf, &json!({}), &mut state).await.unwrap();
    let st = state.status.step("read").unwrap();
    assert_eq!(
        (
            st.phase.map_or("", |p| p.as_str()),
            st.reason.as_str(),
            st.message.as_str()
        ),
        ("failed", "Execute", "Application default/nope not found")
    );
    let wf = Workflow::new(vec![
        Step::new("apply", "apply-object").with_properties(json!({"value": 3})),
    ]);
    let mut state = RunState::default();
    e.reconcile(&wf, &json!({}), &mut state).await.unwrap();
    assert_eq!(
        state.status.step("apply").unwrap().message,
        "parameter.value: expected a Kubernetes object"
    );
}

/// A one-request HTTPS server on 127.0.0.1 with a fresh self-signed certificate; returns the
/// base URL and the certificate (PEM).
async fn https_server() -> (String, String) {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let pem = ck.cert.pem();
    let key = PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![ck.cert.der().clone()], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(sock).await else {
                    return;
                };
                let (r, mut w) = tokio::io::split(tls);
                let mut r = BufReader::new(r);
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                let body = "{\"secure\":true}";
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = w.write_all(resp.as_bytes()).await;
                let _ = w.shutdown().await;
            });
        }
    });
    (base, pem)
}

#[tokio::test]
async fn https_works_with_a_trusted_root_and_fails_without() {
    let (base, pem) = https_server().await;
    let trusting = http::Client::new(
        http::Config::default()
            .allowing(["127.0.0.1"])
            .with_extra_root_certificates(vec![pem]),
    )
    .unwrap();
    let ok = trusting.send(get(format!("{base}/x"))).await.unwrap();
    assert_eq!((ok.status, ok.body.as_str()), (200, "{\"secure\":true}"));
    // The same server is refused when its certificate is not trusted.
    let err = client(true).send(get(format!("{base}/x"))).await.unwrap_err();
    assert!(matches!(err, http::Error::Request { .. }), "{err:?}");
}

/// An SMTP server on loopback that offers STARTTLS (with a fresh self-signed certificate) and
/// accepts AUTH only after the upgrade. Returns the port, the certificate (PEM) and the lines
/// it received over TLS.
async fn starttls_smtp_server() -> (u16, String, Arc<Mutex<Vec<String>>>) {
    use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let pem = ck.cert.pem();
    let key = PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![ck.cert.der().clone()], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let l = log.clone();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        sock.write_all(b"220 test ESMTP\r\n").await.unwrap();
        // Plain part: EHLO, then STARTTLS.
        let mut buf = BufReader::new(&mut sock);
        let mut line = String::new();
        buf.read_line(&mut line).await.unwrap();
        assert!(line.starts_with("EHLO"), "{line}");
        buf.get_mut()
            .write_all(b"250-test\r\n250 STARTTLS\r\n")
            .await
            .unwrap();
        line.clear();
        buf.read_line(&mut line).await.unwrap();
        assert_eq!(line.trim_end(), "STARTTLS");
        buf.get_mut().write_all(b"220 go ahead\r\n").await.unwrap();
        drop(buf);
        let tls = acceptor.accept(sock).await.unwrap();
        let (r, mut w) = tokio::io::split(tls);
        let mut r = BufReader::new(r);
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
                "QUIT" => {
                    let _ = w.write_all(b"221 bye\r\n").await;
                    return;
                }
                _ => b"250 ok\r\n",
            };
            w.write_all(reply).await.unwrap();
        }
    });
    (port, pem, log)
}

#[tokio::test]
async fn email_upgrades_to_tls_with_starttls_before_auth() {
    let (port, pem, log) = starttls_smtp_server().await;
    let client = http::Client::new(
        http::Config::default()
            .allowing(["127.0.0.1"])
            .with_extra_root_certificates(vec![pem]),
    )
    .unwrap();
    let e = engine(Arc::new(cluster::Memory::new()), client);
    let wf = Workflow::new(vec![Step::new("mail", "notification").with_properties(json!({"email": {
        "from": {"address": "vela@example.com", "password": {"value": "pw"}, "host": "127.0.0.1", "port": port},
        "to": ["dev@example.com"], "content": {"subject": "Secure", "body": "b"}}}))]);
    let state = run(&e, &wf).await;
    assert_eq!(state.status.phase, RunPhase::Succeeded, "{:?}", state.status);
    let log = log.lock().unwrap().clone();
    // Everything from the second EHLO on, AUTH included, went over TLS.
    assert!(log[0].starts_with("EHLO"), "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("AUTH PLAIN ")), "{log:?}");
    assert!(log.contains(&"Subject: Secure".to_owned()), "{log:?}");
}
