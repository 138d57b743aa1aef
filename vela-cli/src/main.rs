//! `vela`: the command line of Vela-rs.
//!
//! `vela up|status|ls|delete` (delivery through vela-engine, to the embedded cluster when no
//! cluster is configured; `status --tree` draws what an application owns), `vela install`
//! (KubeVela's CRDs and the built-in definitions into the hub), `vela cluster join|list|detach|labels|probe` (the cluster registry), `vela dry-run` (render an Application offline, KubeVela's output layout), `vela def
//! list|show|render|vet` (definition tooling), `vela cue export|eval` (CUE's own commands) and
//! `vela completion` (shell completion scripts).
//! Results go to stdout, logs and errors to stderr; the exit codes are in [`cli::EXIT_CODES`].

use std::io::Write as _;
use std::process::ExitCode;

/// JSON objects are many small allocations, which mimalloc serves with about 40% fewer
/// instructions than glibc's malloc (measured on a reconcile; see the book's delivery chapter).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory as _, Parser as _};

mod addon;
mod addon_registry;
mod cli;
mod cluster;
mod commands;
mod cue;
mod defapply;
mod deliver;
mod handover;
mod install;
mod logging;
mod runs;
mod tree;

use cli::{
    AddonCommand, Cli, ClusterCommand, Command, CueCommand, DefCommand, LabelsCommand, ListingFormat,
    RegistryCommand, WorkflowCommand, WorkflowTarget,
};

fn main() -> ExitCode {
    // Usage errors exit with 2 inside `parse` (clap's convention); `--help` and `--version` with 0.
    let cli = Cli::parse();
    logging::init(cli.verbose, cli.log_format);
    let namespace = cli.namespace.as_deref();
    let (kubeconfig, context) = (cli.kubeconfig.as_deref(), cli.context.as_deref());
    let hub_args = |state| cluster::HubArgs {
        kubeconfig,
        context,
        state,
    };
    let result = match cli.command {
        Command::DryRun {
            file,
            definitions,
            offline: _,
            output,
            strict,
        } => commands::DryRun {
            file: &file,
            definitions: &definitions,
            namespace,
            format: output,
            strict,
        }
        .run(),
        Command::Up {
            file,
            definitions,
            state,
            wait,
            timeout,
            shard_id,
            local,
        } => deliver::Up {
            file: &file,
            definitions: &definitions,
            namespace,
            hub: hub_args(state.as_deref()),
            wait,
            timeout,
            shard_id: shard_id.as_deref(),
            local,
        }
        .run(),
        Command::Status {
            name,
            tree,
            output,
            state,
        } => {
            if tree {
                tree::tree(&name, namespace, &hub_args(state.as_deref()), output)
            } else {
                deliver::status(&name, namespace, &hub_args(state.as_deref()), output)
            }
        }
        Command::Ls {
            all_namespaces,
            output,
            state,
        } => deliver::list(namespace, all_namespaces, &hub_args(state.as_deref()), output),
        Command::Delete {
            name,
            orphan,
            wait,
            timeout,
            yes,
            state,
        } => deliver::Delete {
            name: &name,
            namespace,
            orphan,
            hub: hub_args(state.as_deref()),
            wait,
            timeout,
            yes,
        }
        .run(),
        Command::Install {
            controller,
            controller_image,
            authentication_with_user,
            dry_run,
            output,
            timeout,
            state,
        } => install::Install {
            hub: hub_args(state.as_deref()),
            namespace: namespace.unwrap_or(vela_engine::install::DEFINITIONS_NAMESPACE),
            dry_run,
            output,
            timeout,
            controller: controller.then(|| {
                let mut options = vela_engine::controller_install::ControllerOptions {
                    namespace: namespace
                        .unwrap_or(vela_engine::install::DEFINITIONS_NAMESPACE)
                        .to_owned(),
                    ..Default::default()
                };
                if let Some(image) = controller_image {
                    options.image = image;
                }
                options
            }),
            authentication_with_user,
        }
        .run(),
        Command::Workflow {
            command,
            kind,
            definitions,
            state,
        } => {
            use vela_engine::Operation;
            let (name, operation) = match command {
                WorkflowCommand::Suspend { name, step } => (name, Operation::Suspend { step }),
                WorkflowCommand::Resume { name, step } => (name, Operation::Resume { step }),
                WorkflowCommand::Terminate { name } => (name, Operation::Terminate),
                WorkflowCommand::Restart { name, step } => (name, Operation::Restart { step }),
            };
            match kind {
                WorkflowTarget::App => deliver::workflow(
                    &name,
                    namespace,
                    &hub_args(state.as_deref()),
                    &definitions,
                    operation,
                ),
                WorkflowTarget::Workflow => runs::operate(
                    &name,
                    namespace,
                    &hub_args(state.as_deref()),
                    &definitions,
                    operation,
                ),
            }
        }
        Command::Addon {
            command,
            state,
            registry,
            allow_private_registry,
        } => {
            let hub = hub_args(state.as_deref());
            let registry = registry.as_deref();
            match command {
                AddonCommand::Enable {
                    addon: name,
                    version,
                    args,
                    dry_run,
                    clusters,
                    override_definitions,
                    skip_version_validating,
                } => addon::Enable {
                    addon: &name,
                    args: &args,
                    clusters: clusters.as_deref(),
                    dry_run,
                    override_definitions,
                    skip_version_validating,
                    registry,
                    version: version.as_deref(),
                    allow_private: allow_private_registry,
                    upgrade: false,
                    hub,
                }
                .run(),
                AddonCommand::Upgrade {
                    addon: name,
                    version,
                    args,
                    clusters,
                    override_definitions,
                    skip_version_validating,
                } => addon::Enable {
                    addon: &name,
                    args: &args,
                    clusters: clusters.as_deref(),
                    dry_run: false,
                    override_definitions,
                    skip_version_validating,
                    registry,
                    version: version.as_deref(),
                    allow_private: allow_private_registry,
                    upgrade: true,
                    hub,
                }
                .run(),
                AddonCommand::Disable { name, force } => addon::disable(&name, force, &hub),
                AddonCommand::Package { dir, output } => addon::package(&dir, &output),
                AddonCommand::Push {
                    addon: path,
                    to: target,
                    force,
                } => addon_registry::push(&path, &target, force, &hub, allow_private_registry),
                AddonCommand::Init {
                    name,
                    path,
                    no_samples,
                } => addon::init(&name, path.as_deref(), !no_samples),
                AddonCommand::Registry { command } => match command {
                    RegistryCommand::Add { name, flags } => {
                        registry_settings(&name, &flags, allow_private_registry).run(&hub)
                    }
                    RegistryCommand::Update { name, flags } => {
                        registry_settings(&name, &flags, allow_private_registry).update(&hub)
                    }
                    RegistryCommand::List { output } => addon_registry::list(&hub, output),
                    RegistryCommand::Get { name, output } => addon_registry::get(&name, &hub, output),
                    RegistryCommand::Delete { name } => addon_registry::delete(&name, &hub),
                },
                AddonCommand::List { output } => addon::list(registry, &hub, output, allow_private_registry),
                AddonCommand::Status { name } => addon::status(&name, &hub),
            }
        }
        Command::Cluster { command, state } => {
            let state = state.as_deref();
            match command {
                ClusterCommand::Join {
                    member_kubeconfig: member,
                    name,
                    embedded,
                    labels,
                    alias,
                } => cluster::Join {
                    kubeconfig: member.as_deref(),
                    context,
                    name: name.as_deref(),
                    embedded: embedded.as_deref(),
                    labels: labels.as_deref(),
                    alias: alias.as_deref(),
                }
                // `--context` names the member's context here; the hub is --kubeconfig's (or
                // KUBECONFIG's) current context
                .run(&cluster::HubArgs {
                    kubeconfig,
                    context: None,
                    state,
                }),
                ClusterCommand::List { output } => cluster::list(&hub_args(state), output),
                ClusterCommand::Detach { name } => cluster::detach(&hub_args(state), &name),
                ClusterCommand::Labels { command } => match command {
                    LabelsCommand::Add { name, labels } => cluster::parse_labels(&labels)
                        .and_then(|add| cluster::labels(&hub_args(state), &name, &add, &[])),
                    LabelsCommand::Del { name, keys } => {
                        let keys: Vec<String> = keys
                            .split(',')
                            .map(str::trim)
                            .filter(|k| !k.is_empty())
                            .map(str::to_owned)
                            .collect();
                        cluster::labels(&hub_args(state), &name, &Default::default(), &keys)
                    }
                },
                ClusterCommand::Probe { name, timeout } => {
                    cluster::probe(&hub_args(state), &name, std::time::Duration::from_secs(timeout))
                }
            }
        }
        Command::Def { command } => match command {
            DefCommand::List {
                definitions,
                kind,
                output,
            } => commands::def_list(&definitions, kind.as_deref(), output),
            DefCommand::Show {
                name,
                definitions,
                schema,
                output,
            } => {
                let format = match (schema, output) {
                    (true, Some(ListingFormat::Table)) => {
                        usage_error("`--schema` prints a document: use `-o json` (the default) or `-o yaml`")
                    }
                    (true, None) => ListingFormat::Json,
                    (false, None) => ListingFormat::Table,
                    (_, Some(format)) => format,
                };
                commands::def_show(&name, &definitions, schema, format)
            }
            DefCommand::Render { file, output } => commands::def_render(&file, output),
            DefCommand::Vet { files } => commands::def_vet(&files),
            DefCommand::Apply {
                files,
                dry_run,
                state,
            } => defapply::Apply {
                files: &files,
                namespace: namespace.unwrap_or(vela_engine::install::DEFINITIONS_NAMESPACE),
                dry_run,
                hub: hub_args(state.as_deref()),
            }
            .run(),
        },
        Command::Cue { command } => {
            let result = match command {
                CueCommand::Export {
                    files,
                    expression,
                    out,
                } => cue::export(&files, expression.as_deref(), out),
                CueCommand::Eval { files, expression } => cue::eval(&files, expression.as_deref()),
            };
            // CUE's own report, without `Error:`, as `cue` prints it
            return match result {
                Ok(text) => print_stdout(&text),
                Err(failure) => {
                    eprint!("{failure}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::Version => Ok(format!(
            "vela {}\nApplication API: core.oam.dev/v1beta1 (KubeVela v1.11.0's built-in definitions)\nCUE: the subset of CUE v0.14.1 KubeVela's definitions use\n",
            env!("CARGO_PKG_VERSION")
        )),
        Command::Completion { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "vela", &mut script);
            Ok(String::from_utf8_lossy(&script).into_owned())
        }
    };
    match result {
        Ok(text) => print_stdout(&text),
        Err(e) => {
            tracing::debug!(error = ?e, "command failed");
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Exits with clap's usage error (status 2) for a combination of flags clap cannot express.
fn usage_error(message: &str) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

/// Writes the result; a closed pipe (`vela def list | head -1`) is not an error.
fn print_stdout(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: write the output: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The settings of `addon registry add|update`.
fn registry_settings<'a>(
    name: &'a str,
    flags: &'a cli::RegistryFlags,
    allow_private: bool,
) -> addon_registry::Add<'a> {
    addon_registry::Add {
        name,
        kind: flags.kind.as_deref(),
        path: flags.path.as_deref(),
        endpoint: flags.endpoint.as_deref(),
        token: flags.git_token.as_deref(),
        repo: flags.repo.as_deref(),
        username: flags.username.as_deref(),
        password: flags.password.as_deref(),
        insecure_skip_tls: flags.insecure_skip_tls,
        allow_private,
    }
}
