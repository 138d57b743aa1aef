//! `vela-controller`: reconciles KubeVela Applications in the cluster of a kubeconfig (or the
//! pod's service account), with metrics and health endpoints and optional leader election.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::Parser;
use tokio::sync::{oneshot, watch};
use vela_controller::lease::{self, Elector};
use vela_controller::metrics::Metrics;
use vela_controller::ratelimit::RateLimitLayer;
use vela_controller::shard::Sharding;
use vela_controller::{Controller, Settings, serve};
use vela_engine::Engine;
use vela_engine::admission::Admission;
use vela_render::{Registry, Renderer};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn duration(text: &str) -> Result<Duration, String> {
    vela_model::duration::parse(text).map_err(|e| e.to_string())
}

/// Reconciles KubeVela Applications (core.oam.dev/v1beta1) with the Vela-rs engine.
#[derive(Debug, Clone, Parser)]
#[command(name = "vela-controller", version, about, args_override_self = true)]
struct Args {
    /// The kubeconfig of the hub cluster (default: $KUBECONFIG, ~/.kube/config, or the pod's
    /// service account when running in a cluster).
    #[arg(long, env = "KUBECONFIG")]
    kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use (default: the current one).
    #[arg(long)]
    context: Option<String>,
    /// Reconcile only the Applications of this namespace (default: every namespace).
    #[arg(long)]
    namespace: Option<String>,
    /// How many Applications are reconciled at once.
    #[arg(long, default_value_t = 4)]
    concurrency: u16,
    /// How long after a reconcile an Application is reconciled again when nothing changes (a
    /// Go duration; the annotation app.oam.dev/reconcile-interval overrides it per app).
    #[arg(long, default_value = "5m", value_parser = duration)]
    resync_period: Duration,
    /// The longest wait before retrying a failed reconcile (it doubles from 1s).
    #[arg(long, default_value = "5m", value_parser = duration)]
    max_backoff: Duration,
    /// Requests per second to the hub's API server, after a burst (0: no limit).
    #[arg(long, default_value_t = 50.0)]
    kube_api_qps: f64,
    /// How many requests may go at once before --kube-api-qps holds them back.
    #[arg(long, default_value_t = 100)]
    kube_api_burst: u32,
    /// Where /metrics, /healthz and /readyz are served.
    #[arg(long, default_value = "0.0.0.0:8080")]
    metrics_addr: SocketAddr,
    /// Extra definitions (CUE files or directories); they override the built-in ones and the
    /// ones stored in the hub.
    #[arg(long = "definitions", value_name = "PATH")]
    definitions: Vec<PathBuf>,
    /// The namespace whose stored definitions (CUE ComponentDefinitions, TraitDefinitions,
    /// PolicyDefinitions) are loaded at start, over the built-in ones, as KubeVela's flag of
    /// the same name.
    #[arg(long, default_value = "vela-system")]
    system_definition_namespace: String,
    /// How often the stored definitions are read again (a changed one is used from the next
    /// reconcile on); `0s`: only at start.
    #[arg(long, default_value = "30s", value_parser = duration)]
    definitions_refresh_period: Duration,
    /// Keep DefinitionRevisions and schema ConfigMaps of the stored definitions, at most this
    /// many revisions besides the latest per definition (KubeVela's default: 20); `0`: do not
    /// write them. With sharding, only the master writes them.
    #[arg(long, default_value_t = vela_engine::defrev::DEFAULT_LIMIT)]
    definition_revision_limit: usize,
    /// How many ApplicationRevisions to keep per application.
    #[arg(long, default_value_t = 10)]
    application_revision_limit: usize,
    /// Reconcile only while holding the leader Lease (run several replicas for availability).
    #[arg(long)]
    leader_elect: bool,
    /// The namespace of the leader Lease.
    #[arg(long, default_value = "vela-system")]
    leader_election_namespace: String,
    /// The name of the leader Lease.
    #[arg(long, default_value = "vela-controller")]
    leader_election_id: String,
    /// How long a leader's Lease lasts without renewal before another replica takes over.
    #[arg(long, default_value = "15s", value_parser = duration)]
    leader_election_lease_duration: Duration,
    /// This replica's identity in the Lease (default: host name, process id and start time).
    #[arg(long)]
    leader_election_identity: Option<String>,
    /// Let Applications deliver objects outside their own namespace, and cluster-scoped ones
    /// (KubeVela allows it by default; vela-controller does not).
    #[arg(long, num_args = 0..=1, default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
    allow_cross_namespace_resource: bool,
    /// Restrict the resource types Applications may deliver, in KubeVela's syntax:
    /// `whitelist:Deployment.v1.apps,Service.v1` or `blacklist:Secret.v1`.
    #[arg(long, default_value = "")]
    allow_resource_types: String,
    /// The most components an Application may have (a larger one gets a `Parsed` condition).
    #[arg(long, default_value_t = vela_controller::reconcile::DEFAULT_MAX_COMPONENTS)]
    max_application_components: usize,
    /// Deliver the objects of an Application annotated `app.oam.dev/service-account-name` as
    /// that service account of its namespace (`=false`: always as the controller).
    #[arg(long, num_args = 0..=1, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    enable_impersonation: bool,
    /// Deliver every Application as the user (and groups) the admission webhook recorded in its
    /// annotations app.oam.dev/username and app.oam.dev/group (KubeVela's flag). Set it only
    /// where the webhook is registered: it is what overwrites those annotations with the real
    /// requesting user. Without a recorded user: the service account annotation, else
    /// system:anonymous.
    #[arg(long, num_args = 0..=1, default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
    authentication_with_user: bool,
    /// Which of the requesting user's groups the webhook records (`*` matches any run of
    /// characters; the whole group must match).
    #[arg(long, default_value = "kubevela:*")]
    authentication_group_pattern: String,
    /// Serve the mutating admission webhook that records the requesting user of each
    /// Application create and update (needs --authentication-with-user).
    #[arg(long, num_args = 0..=1, default_value_t = false, default_missing_value = "true", action = clap::ArgAction::Set)]
    use_webhook: bool,
    /// The port of the admission webhook (HTTPS).
    #[arg(long, default_value_t = 9443)]
    webhook_port: u16,
    /// The address the admission webhook listens on.
    #[arg(long, default_value = "0.0.0.0")]
    webhook_bind_address: std::net::IpAddr,
    /// The directory holding the webhook's serving certificate and key, tls.crt and tls.key
    /// (PEM; read again when they change).
    #[arg(long, default_value = "/k8s-webhook-server/serving-certs")]
    webhook_cert_dir: PathBuf,
    /// Reconcile only the Applications labelled
    /// `controller.core.oam.dev/scheduled-shard-id=<--shard-id>` (KubeVela's sharding).
    #[arg(long)]
    enable_sharding: bool,
    /// This controller's shard; the `master` shard also labels unscheduled Applications.
    #[arg(long, default_value = "master")]
    shard_id: String,
    /// The shards the master assigns new Applications to, in turn (comma-separated; default:
    /// the shards discovered from their heartbeat Leases, the master included).
    #[arg(long, value_delimiter = ',')]
    schedulable_shards: Vec<String>,
    /// How often the master lists the shards' heartbeat Leases (without
    /// `--schedulable-shards`).
    #[arg(long, default_value = "10s", value_parser = duration)]
    sharding_slave_discovery_resync_period: Duration,
    /// Log format: json (one object per line) or text.
    #[arg(long, default_value = "json", value_parser = ["json", "text"])]
    log_format: String,
}

fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}

fn identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "vela-controller".into());
    let started = jiff::Timestamp::now().as_millisecond();
    format!("{host}_{}_{started}", std::process::id())
}

/// The hub client, its configuration, and the rate limit it goes through (`None`: unlimited).
async fn client(args: &Args) -> Result<(kube::Client, kube::Config, Option<RateLimitLayer>)> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let config = if args.kubeconfig.is_none() && args.context.is_none() {
        // the pod's service account, else ~/.kube/config
        kube::Config::infer()
            .await
            .context("find the cluster (in-cluster service account or ~/.kube/config)")?
    } else {
        let (kubeconfig, from) = match &args.kubeconfig {
            Some(path) => (Kubeconfig::read_from(path), path.display().to_string()),
            None => (Kubeconfig::read(), "~/.kube/config".to_owned()),
        };
        let kubeconfig = kubeconfig.with_context(|| format!("read the kubeconfig {from}"))?;
        let options = KubeConfigOptions {
            context: args.context.clone(),
            ..KubeConfigOptions::default()
        };
        kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .with_context(|| format!("use the kubeconfig {from}"))?
    };
    let builder =
        kube::client::ClientBuilder::try_from(config.clone()).context("build the Kubernetes client")?;
    if args.kube_api_qps == 0.0 {
        return Ok((builder.build(), config, None));
    }
    let limit =
        RateLimitLayer::new(args.kube_api_qps, args.kube_api_burst).map_err(|e| anyhow::anyhow!(e))?;
    Ok((builder.with_layer(&limit).build(), config, Some(limit)))
}

/// Completes `stop` on SIGTERM or ctrl-c.
fn on_signal(stop: watch::Sender<bool>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupted: shutting down"),
            () = term => tracing::info!("SIGTERM: shutting down"),
        }
        let _ = stop.send(true);
    });
}

async fn until_true(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

/// The built-in definitions, then the hub's stored ones, then `--definitions` (each stronger),
/// and what the stored ones were (kind, name and resourceVersion of each object, to notice a
/// change).
/// The definitions the engines render with.
struct Loaded {
    /// The built-ins, the system namespace's stored definitions, then `--definitions`.
    base: Registry,
    /// For each namespace storing definitions of its own: the built-ins, the system
    /// namespace's, that namespace's, then `--definitions`.
    namespaces: BTreeMap<String, Registry>,
    /// Every stored definition read, with its resourceVersion: equal lists mean nothing changed.
    versions: Vec<String>,
}

fn log_skipped(ns: &str, stored: &vela_engine::definitions::Stored) {
    use vela_engine::definitions::Skip;
    for (object, why) in &stored.skipped {
        match why {
            Skip::Invalid(_) => {
                tracing::warn!(%object, namespace = %ns, reason = %why, "stored definition not used")
            }
            _ => tracing::debug!(%object, reason = %why, "stored definition not loaded"),
        }
    }
}

fn load_paths(args: &Args, registry: &mut Registry) -> Result<()> {
    for p in &args.definitions {
        registry
            .load_path(p)
            .with_context(|| format!("load definitions from {}", p.display()))?;
    }
    Ok(())
}

async fn load_registry(args: &Args, hub: &vela_multicluster::Fleet) -> Result<Loaded> {
    use vela_engine::definitions;
    let mut system = Registry::builtin();
    let ns = &args.system_definition_namespace;
    let stored = definitions::stored(hub, ns)
        .await
        .with_context(|| format!("read the definitions stored in namespace {ns}"))?;
    log_skipped(ns, &stored);
    tracing::info!(namespace = %ns, count = stored.definitions.len(), "loaded stored definitions");
    stored.add_to(&mut system);
    let mut versions = stored.versions;
    let mut base = system.clone();
    load_paths(args, &mut base)?;
    // the definitions of the applications' own namespaces (in the watched namespace only,
    // when there is one); not fatal: the system definitions still serve every application
    let mut namespaces = BTreeMap::new();
    match definitions::stored_by_namespace(hub, args.namespace.as_deref(), ns).await {
        Ok(by_namespace) => {
            for (app_ns, stored) in by_namespace {
                log_skipped(&app_ns, &stored);
                versions.extend(stored.versions.iter().map(|v| format!("{app_ns}/{v}")));
                if stored.definitions.is_empty() {
                    continue;
                }
                tracing::info!(namespace = %app_ns, count = stored.definitions.len(),
                    "loaded the definitions stored in an application namespace");
                let mut registry = system.clone();
                stored.add_to(&mut registry);
                load_paths(args, &mut registry)?;
                namespaces.insert(app_ns, registry);
            }
        }
        Err(e) => tracing::warn!(error = %vela_controller::error::chain(&e),
            "reading the definitions stored in the applications' namespaces (using the system ones)"),
    }
    Ok(Loaded {
        base,
        namespaces,
        versions,
    })
}

/// An engine per namespace that stores definitions of its own.
fn namespace_engines(
    namespaces: BTreeMap<String, Registry>,
    build: &impl Fn(Registry) -> Engine,
) -> HashMap<String, Engine> {
    namespaces.into_iter().map(|(ns, r)| (ns, build(r))).collect()
}

/// Brings the DefinitionRevisions and schema ConfigMaps of the stored definitions up to date;
/// a failure is logged (the next change tries again).
async fn sync_revisions(hub: &vela_multicluster::Fleet, namespace: &str, registry: &Registry, limit: usize) {
    match vela_engine::defrev::sync(hub, namespace, registry, limit).await {
        Ok(done) => tracing::info!(
            namespace,
            definitions = done.definitions,
            created = ?done.created,
            deleted = ?done.deleted,
            "definition revisions up to date"
        ),
        Err(e) => {
            tracing::warn!(namespace, error = %vela_controller::error::chain(&e), "definition revisions")
        }
    }
}

/// The user the API server knows the controller as (a SelfSubjectReview): the webhook leaves
/// its requests alone.
async fn own_user(client: &kube::Client) -> Result<String> {
    use k8s_openapi::api::authentication::v1::SelfSubjectReview;
    let api: kube::Api<SelfSubjectReview> = kube::Api::all(client.clone());
    let review = api
        .create(&kube::api::PostParams::default(), &SelfSubjectReview::default())
        .await
        .context(
            "ask the API server who the controller is (a SelfSubjectReview, Kubernetes 1.28 or later)",
        )?;
    review
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .filter(|u| !u.is_empty())
        .context("the SelfSubjectReview names no user")
}

/// Starts the admission webhook when `--use-webhook` is given.
async fn start_webhook(args: &Args, client: &kube::Client, stop: watch::Receiver<bool>) -> Result<()> {
    use vela_controller::webhook::{GroupPattern, Mutator, server};
    if !args.use_webhook {
        if args.authentication_with_user {
            tracing::warn!(
                "--authentication-with-user without --use-webhook: the user annotations are \
                 trusted, so another replica or deployment must serve the webhook"
            );
        }
        return Ok(());
    }
    if !args.authentication_with_user {
        anyhow::bail!("--use-webhook records the requesting user for --authentication-with-user: give both");
    }
    let pattern = GroupPattern::new(&args.authentication_group_pattern)?;
    let user = own_user(client).await?;
    let tls = server::tls_config(&args.webhook_cert_dir)?;
    let addr = SocketAddr::new(args.webhook_bind_address, args.webhook_port);
    let listener = server::bind(addr).await?;
    tracing::info!(addr = %listener.local_addr().unwrap_or(addr), path = vela_controller::webhook::PATH,
        skipping = %user, "serving the admission webhook");
    let mutator = std::sync::Arc::new(Mutator::new(pattern).skipping(user));
    tokio::spawn(server::serve(listener, tls, mutator, until_true(stop)));
    Ok(())
}

async fn run(args: Args) -> Result<ExitCode> {
    if args.authentication_with_user && !args.enable_impersonation {
        anyhow::bail!(
            "--authentication-with-user delivers as the recorded user: it cannot be combined with \
             --enable-impersonation=false"
        );
    }
    let settings = Settings::new()
        .with_concurrency(args.concurrency)
        .with_resync(args.resync_period)
        .with_max_backoff(args.max_backoff)
        .with_namespace(args.namespace.clone())
        .with_max_components(args.max_application_components)
        .with_sharding(if args.enable_sharding {
            Some(
                Sharding::new(args.shard_id.clone(), args.schedulable_shards.clone())
                    .map_err(|e| anyhow::anyhow!(e))?
                    .with_heartbeat(
                        &args.leader_election_namespace,
                        args.leader_election_identity.clone().unwrap_or_else(identity),
                        args.leader_election_lease_duration,
                    )
                    .with_discovery_period(args.sharding_slave_discovery_resync_period),
            )
        } else {
            None
        });
    settings.validate().map_err(|e| anyhow::anyhow!(e))?;
    let (client, config, limit) = client(&args).await?;
    let fleet = Arc::new(vela_multicluster::Fleet::kube(client.clone()));
    let admission = Admission::new()
        .with_cross_namespace(args.allow_cross_namespace_resource)
        .with_resource_types(&args.allow_resource_types)
        .context("--allow-resource-types")?;
    let loaded = load_registry(&args, fleet.as_ref()).await?;
    let mut seen = loaded.versions;
    let render_stats = Arc::new(vela_engine::RenderStats::default());
    let build = {
        let (fleet, admission, limit) = (fleet.clone(), admission.clone(), args.application_revision_limit);
        let stats = render_stats.clone();
        move |registry: Registry| {
            Engine::new(Renderer::new(registry), fleet.clone())
                .with_revision_limit(limit)
                .with_admission(admission.clone())
                .with_render_stats(stats.clone())
        }
    };
    let engine = build(loaded.base);

    let (stop_tx, stop) = watch::channel(false);
    on_signal(stop_tx);
    let metrics = Arc::new(Metrics::default());
    metrics.set_render_stats(render_stats);
    let listener = serve::bind(args.metrics_addr).await?;
    let bound = listener.local_addr().context("the metrics address")?;
    tracing::info!(addr = %bound, "serving /metrics, /healthz and /readyz");
    tokio::spawn(serve::serve(listener, metrics.clone(), until_true(stop.clone())));
    // every replica answers the webhook, leader or not
    start_webhook(&args, &client, stop.clone()).await?;

    // with leader election: wait for the Lease, and stop when it is lost
    let (leading_tx, leading) = watch::channel(!args.leader_elect);
    let elector = if args.leader_elect {
        let settings = lease::Settings::new(
            &args.leader_election_namespace,
            &args.leader_election_id,
            args.leader_election_identity.clone().unwrap_or_else(identity),
        )
        .with_lease_duration(args.leader_election_lease_duration);
        let elector = Elector::new(client.clone(), settings).map_err(|e| anyhow::anyhow!(e))?;
        tracing::info!(identity = %elector.settings().identity, lease = %args.leader_election_id,
            namespace = %args.leader_election_namespace, "waiting for the leader lease");
        let running = elector.clone();
        let renewing = tokio::spawn(async move {
            if let Err(e) = running.run(leading_tx).await {
                tracing::error!(error = %e, "leader election");
            }
        });
        // a follower is ready: it stands by to take over
        metrics.set_ready(true);
        let mut lead = leading.clone();
        tokio::select! {
            _ = lead.wait_for(|v| *v) => {}
            () = until_true(stop.clone()) => return Ok(ExitCode::SUCCESS),
        }
        // ready again once this leader's cache is filled
        metrics.set_ready(false);
        Some((elector, renewing))
    } else {
        drop(leading_tx);
        None
    };
    metrics.set_leader(true);

    let (halt_tx, halt) = oneshot::channel::<()>();
    let lost = Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let (stop, mut leading, lost) = (stop.clone(), leading.clone(), lost.clone());
        let elected = elector.is_some();
        tokio::spawn(async move {
            tokio::select! {
                () = until_true(stop) => {}
                _ = leading.wait_for(|v| !*v), if elected => {
                    lost.store(true, std::sync::atomic::Ordering::SeqCst);
                    tracing::error!("lost the leader lease: stopping");
                }
            }
            let _ = halt_tx.send(());
        });
    }
    let mut controller = Controller::new(client, engine, settings).with_metrics(metrics.clone());
    controller
        .engine_slot()
        .replace_namespaces(namespace_engines(loaded.namespaces, &build));
    if args.enable_impersonation {
        controller = controller.with_impersonation(
            vela_controller::impersonation::Impersonation::new(config, limit)
                .with_users(args.authentication_with_user)
                .with_fleet(fleet.clone()),
        );
    }
    // the definitions' revisions and schemas are the master's work (KubeVela runs its definition
    // controllers in the master shard only)
    let revisions = Some(args.definition_revision_limit)
        .filter(|n| *n > 0 && (!args.enable_sharding || args.shard_id == "master"));
    let refresher = {
        let (slot, period, args) = (
            controller.engine_slot(),
            args.definitions_refresh_period,
            args.clone(),
        );
        let mut registry = Some(slot.get().renderer().registry().clone());
        tokio::spawn(async move {
            loop {
                if let (Some(limit), Some(registry)) = (revisions, registry.take()) {
                    sync_revisions(
                        fleet.as_ref(),
                        &args.system_definition_namespace,
                        &registry,
                        limit,
                    )
                    .await;
                }
                if period.is_zero() {
                    return;
                }
                tokio::time::sleep(period).await;
                match load_registry(&args, fleet.as_ref()).await {
                    Ok(loaded) if loaded.versions != seen => {
                        tracing::info!(
                            definitions = loaded.base.len(),
                            namespaces = loaded.namespaces.len(),
                            "stored definitions changed: rendering with them from now on"
                        );
                        registry = Some(loaded.base.clone());
                        slot.replace(build(loaded.base));
                        slot.replace_namespaces(namespace_engines(loaded.namespaces, &build));
                        seen = loaded.versions;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "reading the stored definitions again")
                    }
                }
            }
        })
    };
    controller
        .run(async {
            let _ = halt.await;
        })
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    refresher.abort();
    metrics.set_leader(false);
    if lost.load(std::sync::atomic::Ordering::SeqCst) {
        return Ok(ExitCode::FAILURE);
    }
    if let Some((elector, renewing)) = elector {
        // stop renewing first: a renewal after the release would take the Lease back
        renewing.abort();
        let _ = renewing.await;
        if let Err(e) = elector.release().await {
            tracing::warn!(error = %e, "releasing the leader lease");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(&args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vela-controller: start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "vela-controller failed");
            eprintln!("vela-controller: {e:#}");
            ExitCode::FAILURE
        }
    }
}
