//! `vela cluster join|list|detach|labels|probe` on the embedded hub, and the hub selection
//! (`--kubeconfig`, `--context`, `KUBECONFIG`, `--state`, `VELA_STATE`).

use super::{State, hello_app, run};

#[test]
fn the_registry_of_the_embedded_hub() {
    let state = State::new("cluster-registry");
    let s = state.arg();
    let list = run(&["cluster", "list", &s], None, &[]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert_eq!(
        list.stdout,
        "NAME   ALIAS  TYPE      ENDPOINT  LABELS\nlocal         Internal  -\n"
    );

    let join = run(
        &[
            "cluster",
            "join",
            "--embedded",
            "edge-1",
            "--labels",
            "region=eu,tier=dev",
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(join.code, 0, "{}", join.stderr);
    assert!(
        join.stdout
            .starts_with("Cluster edge-1 joined (Embedded) in the embedded cluster at "),
        "{}",
        join.stdout
    );
    let join = run(
        &["cluster", "join", "--embedded", "edge-2", "--alias", "Second", &s],
        None,
        &[],
    );
    assert_eq!(join.code, 0, "{}", join.stderr);
    let add = run(
        &["cluster", "labels", "add", "edge-2", "gpu=yes,region=us", &s],
        None,
        &[],
    );
    assert_eq!(
        add.stdout, "Cluster edge-2 labels: gpu=yes,region=us\n",
        "{}",
        add.stderr
    );
    let del = run(&["cluster", "labels", "del", "edge-1", "tier", &s], None, &[]);
    assert_eq!(del.stdout, "Cluster edge-1 labels: region=eu\n", "{}", del.stderr);

    let list = run(&["cluster", "list", &s], None, &[]);
    assert_eq!(
        list.stdout,
        "NAME    ALIAS   TYPE      ENDPOINT  LABELS\n\
         local           Internal  -\n\
         edge-1          Embedded  -         region=eu\n\
         edge-2  Second  Embedded  -         gpu=yes,region=us\n"
    );
    let json = run(&["cluster", "list", "-o", "json", &s], None, &[]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v[2]["alias"], "Second");
    assert_eq!(v[2]["credentialType"], "Embedded");
    assert_eq!(v[1]["labels"]["region"], "eu");

    let probe = run(&["cluster", "probe", "edge-1", &s], None, &[]);
    assert_eq!(
        probe.stdout,
        "Cluster edge-1 is reachable: virtual member of the embedded state\n"
    );
    let probe = run(&["cluster", "probe", "ghost", &s], None, &[]);
    assert_eq!(probe.code, 1);
    assert!(
        probe.stderr.contains("unknown cluster \"ghost\""),
        "{}",
        probe.stderr
    );

    let refused = run(&["cluster", "detach", "local", &s], None, &[]);
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr,
        "Error: cluster \"local\" is the hub: it cannot be detached\n"
    );
    let reserved = run(
        &[
            "cluster",
            "labels",
            "add",
            "edge-1",
            "cluster.core.oam.dev/x=y",
            &s,
        ],
        None,
        &[],
    );
    assert_eq!(reserved.code, 1);
    assert!(
        reserved.stderr.contains("reserved for the registry"),
        "{}",
        reserved.stderr
    );
    let bad = run(&["cluster", "join", "--embedded", "Not_A_Name", &s], None, &[]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("metadata.name: \"Not_A_Name\" is not a valid cluster name"),
        "{}",
        bad.stderr
    );
    let detach = run(&["cluster", "detach", "edge-2", &s], None, &[]);
    assert_eq!(detach.code, 0, "{}", detach.stderr);
    let gone = run(&["cluster", "detach", "edge-2", &s], None, &[]);
    assert!(
        gone.stderr.contains("cluster \"edge-2\" is not registered"),
        "{}",
        gone.stderr
    );
    // VELA_STATE is the same as --state
    let list = run(
        &["cluster", "list"],
        None,
        &[("VELA_STATE", state.0.to_str().unwrap())],
    );
    assert_eq!(list.stdout.lines().count(), 3, "{}", list.stdout);
}

#[test]
fn join_inlines_a_kubeconfig_and_probe_names_an_unreachable_cluster() {
    let state = State::new("cluster-kubeconfig");
    let s = state.arg();
    let dir = state.0.parent().unwrap().to_owned();
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("member.yaml");
    // nothing listens on loopback port 9: a refused connection, at once
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: far\n\
         clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n\
         users: [{name: u, user: {token: s3cret}}]\n\
         contexts: [{name: far, context: {cluster: c, user: u}}]\n",
    )
    .unwrap();
    let k = kubeconfig.to_str().unwrap();
    let join = run(&["cluster", "join", k, "--labels", "zone=a", &s], None, &[]);
    assert_eq!(join.code, 0, "{}", join.stderr);
    assert!(
        join.stdout
            .starts_with("Cluster far joined (ServiceAccountToken, https://127.0.0.1:9) in "),
        "{}",
        join.stdout
    );
    let join = run(
        &["cluster", "join", k, "--context", "far", "--name", "far-2", &s],
        None,
        &[],
    );
    assert_eq!(join.code, 0, "{}", join.stderr);
    let list = run(&["cluster", "list", "-o", "yaml", &s], None, &[]);
    assert!(list.stdout.contains("name: far-2"), "{}", list.stdout);
    assert!(
        !list.stdout.contains("s3cret"),
        "a listing never shows credentials"
    );
    let probe = run(&["cluster", "probe", "far", "--timeout", "5", &s], None, &[]);
    assert_eq!(probe.code, 1);
    assert!(
        probe
            .stderr
            .contains("Error: cluster far is not reachable: cluster \"far\" failed\n"),
        "{}",
        probe.stderr
    );
    assert!(probe.stderr.contains("Connection refused"), "{}", probe.stderr);
    let missing = run(&["cluster", "join", k, "--context", "nope", &s], None, &[]);
    assert_eq!(missing.stderr, "Error: kubeconfig: no context \"nope\"\n");
}

#[test]
fn the_hub_is_a_real_cluster_with_a_kubeconfig() {
    let state = State::new("cluster-hub");
    let app = hello_app();
    // --kubeconfig names the hub: its file must be readable
    let r = run(&["ls", "--kubeconfig", "/nonexistent/kubeconfig"], None, &[]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("read kubeconfig /nonexistent/kubeconfig"),
        "{}",
        r.stderr
    );
    // so does KUBECONFIG, unless --state or VELA_STATE names the embedded cluster
    let r = run(
        &["up", "-f", &app],
        None,
        &[("KUBECONFIG", "/nonexistent/kubeconfig")],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("read kubeconfig"), "{}", r.stderr);
    let r = run(
        &["ls", "-A"],
        None,
        &[
            ("KUBECONFIG", "/nonexistent/kubeconfig"),
            ("VELA_STATE", state.0.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["ls", "-A", &state.arg(), "--context", "x"], None, &[]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("give one of them"), "{}", r.stderr);
    // --embedded needs an embedded hub
    let r = run(
        &[
            "cluster",
            "join",
            "--embedded",
            "e",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
        ],
        None,
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("the hub here is a real cluster"),
        "{}",
        r.stderr
    );
}

/// `vela cluster join|list|probe|detach` with a real hub and member (the test clusters of
/// `scripts/test-clusters.sh up 2`; run by `.ci/suites/30-e2e.sh`).
#[test]
#[ignore = "needs the test clusters (VELA_TEST_KUBECONFIGS)"]
fn e2e_cluster_join_list_probe_detach_on_real_clusters() {
    let kubeconfigs = std::env::var("VELA_TEST_KUBECONFIGS").expect("VELA_TEST_KUBECONFIGS is set");
    let paths: Vec<&str> = kubeconfigs.split(':').filter(|p| !p.is_empty()).collect();
    assert!(paths.len() >= 2, "needs a hub and a member: {kubeconfigs}");
    let (hub, member) = (paths[0], paths[1]);
    let name = format!("cli-e2e-{}", std::process::id());
    let join = run(
        &[
            "cluster",
            "join",
            member,
            "--name",
            &name,
            "--labels",
            "e2e=cli",
            "--kubeconfig",
            hub,
        ],
        None,
        &[],
    );
    assert_eq!(join.code, 0, "{}", join.stderr);
    let list = run(&["cluster", "list", "--kubeconfig", hub], None, &[]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let line = list
        .stdout
        .lines()
        .find(|l| l.starts_with(&name))
        .expect("the member is listed");
    assert!(
        line.contains("https://127.0.0.1:") && line.ends_with("e2e=cli"),
        "{line}"
    );
    let probe = run(&["cluster", "probe", &name, "--kubeconfig", hub], None, &[]);
    assert_eq!(probe.code, 0, "{}", probe.stderr);
    assert!(
        probe
            .stdout
            .starts_with(&format!("Cluster {name} is reachable: Kubernetes v1.")),
        "{}",
        probe.stdout
    );
    let local = run(&["cluster", "probe", "local", "--kubeconfig", hub], None, &[]);
    assert!(
        local.stdout.contains("(the hub)"),
        "{}{}",
        local.stdout,
        local.stderr
    );
    let detach = run(&["cluster", "detach", &name, "--kubeconfig", hub], None, &[]);
    assert_eq!(detach.code, 0, "{}", detach.stderr);
}
