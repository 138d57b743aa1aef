//! The command line's grammar: commands, flags and their help text (clap).

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// The exit codes, printed after `--help` and documented in the book (`book/src/cli.md`).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command failed: unreadable file, invalid Application or definition, render error,
     `def vet` found errors, a `cue` command's CUE error, output could not be written
  2  usage error: unknown command or flag, invalid flag value, missing argument

Logs go to stderr, results to stdout.";

/// Vela-rs: KubeVela's application delivery, as a Rust SDK.
#[derive(Debug, Parser)]
#[command(name = "vela", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Namespace of the Application when its file names none (otherwise `default`); a file that
    /// names a different namespace is an error, as with kubectl.
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Log more on stderr: -v info, -vv debug, -vvv trace (default: warnings), given before the
    /// subcommand (`vela -v up ...`; after it, `-v` is `addon enable`'s `--version`, as in
    /// KubeVela). `RUST_LOG` (e.g. `RUST_LOG=vela_render=debug`) replaces it when set.
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    pub verbose: u8,
    /// Format of the log lines on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// The hub is the cluster of this kubeconfig (else `KUBECONFIG`, when set; with none of
    /// --kubeconfig, --context and KUBECONFIG the hub is the embedded cluster).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context of the hub (for `cluster join`: of the member's kubeconfig).
    #[arg(long, global = true, value_name = "CONTEXT")]
    pub context: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// Format of the log lines.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event (`timestamp`, `level`, `fields`, `target`, `spans`).
    Json,
}

/// Output format of commands that print documents (`dry-run`, `def render`).
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DocumentFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// Output format of commands that print a listing (`def list`, `def show`).
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListingFormat {
    /// An aligned text table.
    Table,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render an Application to Kubernetes objects without a cluster.
    DryRun {
        /// The Application file (YAML or JSON); `-` reads standard input.
        #[arg(short = 'f', long = "file", default_value = "app.yaml")]
        file: PathBuf,
        /// Definition files or directories (`.cue`, `.yaml`); they override the built-ins.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Offline mode (always on: no cluster is contacted). Accepted for KubeVela compatibility.
        #[arg(long)]
        offline: bool,
        /// Output format. `yaml`: KubeVela's dry-run layout (comment headers and YAML
        /// documents). `json`: an array with one entry per section,
        /// `[{title, components: [{component, objects}]}]`.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = DocumentFormat::Yaml)]
        output: DocumentFormat,
        /// Reject properties a definition does not declare (KubeVela ignores them).
        #[arg(long)]
        strict: bool,
    },
    /// Deliver an Application. With no cluster configured it goes to the embedded cluster (a
    /// state file: --state, VELA_STATE, or the user's data directory), where the readiness of
    /// workloads is simulated.
    Up {
        /// The Application file (YAML or JSON); `-` reads standard input.
        #[arg(short = 'f', long = "file", default_value = "app.yaml")]
        file: PathBuf,
        /// Definition files or directories (`.cue`, `.yaml`); they override the built-ins.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
        /// Wait until the workflow is over (steps that wait or retry are run again after their
        /// backoff); without it, `vela up` returns once no step can progress right away.
        #[arg(short = 'w', long)]
        wait: bool,
        /// How long `-w` waits, as a Go duration (`90s`, `5m`).
        #[arg(long, default_value = "5m", value_parser = parse_timeout)]
        timeout: std::time::Duration,
        /// Run the workflow in this process even when a vela-controller leads the hub (by
        /// default the Application is handed to it).
        #[arg(long)]
        local: bool,
        /// Assign the Application to this controller shard (the label
        /// `controller.core.oam.dev/scheduled-shard-id`), as KubeVela's `vela up -s`.
        #[arg(short = 's', long)]
        shard_id: Option<String>,
    },
    /// Show an Application's phase and the health of every component; with --tree, every
    /// object it owns by cluster and namespace.
    Status {
        /// The Application's name.
        name: String,
        /// The objects the Application owns (from its ResourceTrackers), drawn as a tree:
        /// CLUSTER, NAMESPACE, RESOURCE, STATUS (`updated`: the current generation owns it;
        /// `outdated`: only an older generation, not collected yet; `missing`: not in its
        /// cluster; `unknown`: its cluster did not answer) and HEALTH (the component's or
        /// trait's, else `-`).
        #[arg(short = 't', long)]
        tree: bool,
        /// Output format (with --tree: `{application, namespace, clusters: [{name,
        /// namespaces: [{name, resources: [{apiVersion, kind, name, component, trait, status,
        /// health}]}]}]}`).
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// List Applications (in the namespace of -n, default `default`).
    Ls {
        /// In every namespace.
        #[arg(short = 'A', long = "all-namespaces")]
        all_namespaces: bool,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Delete an Application and everything it owns.
    Delete {
        /// The Application's name.
        name: String,
        /// Leave the objects in place; only the Application and its tracking go.
        #[arg(long)]
        orphan: bool,
        /// Return only once the Application and every object it owned are gone (objects with
        /// finalizers may take a while on a real cluster); fails after --timeout.
        #[arg(short = 'w', long)]
        wait: bool,
        /// How long `-w` waits, as a Go duration (`90s`, `5m`).
        #[arg(long, default_value = "5m", value_parser = parse_timeout)]
        timeout: std::time::Duration,
        /// Do not ask for confirmation (it is asked only when standard input is a terminal).
        #[arg(short = 'y', long)]
        yes: bool,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Install KubeVela's CRDs and the built-in definitions into the hub (the embedded cluster,
    /// or the cluster of --kubeconfig/--context/KUBECONFIG).
    ///
    /// Applies the CRDs of every OAM kind (as in charts/vela-crds/crds/), waits until a real
    /// API server has established them, then applies the definitions namespace (-n, default
    /// vela-system), one ComponentDefinition, TraitDefinition or PolicyDefinition per built-in
    /// definition (annotated vela.oam.dev/native-definition: they are compiled into vela, so
    /// they carry no CUE schematic) with its `<type>-schema-<name>` ConfigMap, and one
    /// WorkflowStepDefinition per built-in workflow step type. Objects already as wanted are
    /// left alone: a second run changes nothing and says so.
    ///
    /// With --controller, vela-controller too: a ServiceAccount with least-privilege RBAC (a
    /// ClusterRole for the kinds it manages, a Role for its Lease), a Deployment of
    /// --controller-image and a Service for /metrics, in the same namespace. Without it, `vela
    /// up` runs the delivery itself.
    Install {
        /// Also install vela-controller (its RBAC, Deployment and Service).
        #[arg(long)]
        controller: bool,
        /// The controller's image.
        #[arg(long, requires = "controller", value_name = "IMAGE")]
        controller_image: Option<String>,
        /// With --controller: deliver each Application as the user who created or last changed
        /// it (the controller's --authentication-with-user), with the admission webhook that
        /// records that user (a self-signed CA and serving certificate in a Secret, kept when
        /// already installed; a MutatingWebhookConfiguration) and the right to impersonate users
        /// and groups.
        #[arg(long, requires = "controller")]
        authentication_with_user: bool,
        /// Print what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: print the objects that would be applied (no hub is contacted).
        #[arg(short = 'o', long = "output", value_enum, requires = "dry_run")]
        output: Option<DocumentFormat>,
        /// How long a real API server may take to establish the CRDs, as a Go duration.
        #[arg(long, default_value = "2m", value_parser = parse_timeout)]
        timeout: std::time::Duration,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Suspend, resume, terminate or restart the workflow of an Application or of a standalone
    /// WorkflowRun (`-t workflow`).
    Workflow {
        #[command(subcommand)]
        command: WorkflowCommand,
        /// What NAME is: an Application (`app`) or a WorkflowRun (`workflow`).
        #[arg(short = 't', long = "type", value_enum, default_value = "app", global = true)]
        kind: WorkflowTarget,
        /// Definition files or directories (`.cue`, `.yaml`) the workflow's steps render with.
        #[arg(short = 'd', long = "definition", global = true)]
        definitions: Vec<PathBuf>,
        /// The embedded cluster's state file (when the hub is the embedded cluster).
        #[arg(long, env = "VELA_STATE", value_name = "PATH", global = true)]
        state: Option<PathBuf>,
    },
    /// The clusters the hub delivers to: KubeVela's cluster registry (Secrets in the hub's
    /// vela-system namespace).
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
        /// The embedded cluster's state file (when the hub is the embedded cluster).
        #[arg(long, env = "VELA_STATE", value_name = "PATH", global = true)]
        state: Option<PathBuf>,
    },
    /// KubeVela addons: enable one from a directory, a `.tgz` package or a registry (a local
    /// directory or a helm repository), disable it, list them, show one's status.
    Addon {
        #[command(subcommand)]
        command: AddonCommand,
        /// The embedded cluster's state file (when the hub is the embedded cluster).
        #[arg(long, env = "VELA_STATE", value_name = "PATH", global = true)]
        state: Option<PathBuf>,
        /// The local addon registry: a directory of addon directories (`enable NAME` and
        /// `list` read it).
        #[arg(long, env = "VELA_ADDON_REGISTRY", value_name = "DIR", global = true)]
        registry: Option<PathBuf>,
        /// Let a helm or git registry on a private, loopback or link-local address be read
        /// (only the registry's own host; refused by default, as every outbound call of vela).
        #[arg(long, env = "VELA_ALLOW_PRIVATE_REGISTRY", global = true)]
        allow_private_registry: bool,
    },
    /// Definition tooling.
    Def {
        #[command(subcommand)]
        command: DefCommand,
    },
    /// CUE's own commands, for the CUE vela-cue evaluates (debug a definition without Go).
    Cue {
        #[command(subcommand)]
        command: CueCommand,
    },
    /// Print the version of vela and of what it is compatible with.
    Version,
    /// Print a shell completion script.
    ///
    /// `vela completion bash > /etc/bash_completion.d/vela` (or `source <(vela completion
    /// bash)`), `vela completion zsh > "${fpath[1]}/_vela"`, `vela completion fish >
    /// ~/.config/fish/completions/vela.fish`.
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// The `addon` subcommands.
#[derive(Debug, Subcommand)]
pub enum AddonCommand {
    /// Enable an addon: render it with its arguments and deliver its Application
    /// `addon-<name>` (in vela-system) through the engine; its definitions, config templates,
    /// UI schemas and views are applied beside it, owned by it. Arguments are kept in the
    /// Secret `addon-secret-<name>`.
    Enable {
        /// An addon directory, a `.tgz` package, or the name of an addon of a registry.
        addon: String,
        /// The version to install from a registry (default: a helm registry's highest release).
        #[arg(short = 'v', long)]
        version: Option<String>,
        /// Arguments, `key=value` (`a.b=1` nests; `true`, `false` and integers are typed;
        /// `{x,y}` is a list).
        args: Vec<String>,
        /// Print the Application and the objects (YAML documents), apply nothing, contact no
        /// cluster.
        #[arg(long)]
        dry_run: bool,
        /// The clusters of a runtime-cluster addon, `{c1,c2}` or `c1,c2` (the `clusters`
        /// argument).
        #[arg(long)]
        clusters: Option<String>,
        /// Take over definitions that belong to another application.
        #[arg(long)]
        override_definitions: bool,
        /// Do not check the addon's `system.vela` (against KubeVela v1.11.0, which vela stands
        /// in for) and `system.kubernetes` (against the hub's version).
        #[arg(short = 's', long)]
        skip_version_validating: bool,
    },
    /// Upgrade an enabled addon: enable it again with the new arguments merged over the
    /// stored ones (`addon-secret-<name>`).
    Upgrade {
        /// An addon directory, a `.tgz` package, or the name of an addon of a registry.
        addon: String,
        /// The version to upgrade to from a registry (default: a helm registry's highest
        /// release).
        #[arg(short = 'v', long)]
        version: Option<String>,
        /// Arguments, `key=value`, merged over the stored ones.
        args: Vec<String>,
        /// The clusters of a runtime-cluster addon, `{c1,c2}` or `c1,c2`.
        #[arg(long)]
        clusters: Option<String>,
        /// Take over definitions that belong to another application.
        #[arg(long)]
        override_definitions: bool,
        /// Do not check the addon's `system.vela` (against KubeVela v1.11.0, which vela stands
        /// in for) and `system.kubernetes` (against the hub's version).
        #[arg(short = 's', long)]
        skip_version_validating: bool,
    },
    /// Disable an addon: delete its Application and everything it owns. Refused while
    /// applications use its definitions, unless --force.
    Disable {
        /// The addon's name.
        name: String,
        /// Disable even when applications use its definitions.
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Create a new addon: metadata.yaml, README.md, parameter.cue and template.cue, plus a
    /// sample component, trait definition, UI schema and view (unless --no-samples). It
    /// enables as it is.
    Init {
        /// The addon's name (lowercase letters, digits and dashes).
        name: String,
        /// The directory to create (default: the name).
        #[arg(long)]
        path: Option<PathBuf>,
        /// Only the required files.
        #[arg(long)]
        no_samples: bool,
    },
    /// Package an addon directory as a Helm-chart-compatible `<name>-<version>.tgz` (with a
    /// Chart.yaml made from metadata.yaml), for air-gapped installs and helm-style registries.
    Package {
        /// The addon directory.
        dir: PathBuf,
        /// The directory to write the package to.
        #[arg(short = 'o', long = "output", default_value = ".")]
        output: PathBuf,
    },
    /// Push an addon (a directory, packaged first, or a `.tgz`) to a helm registry of the hub
    /// that accepts uploads the way ChartMuseum does (`POST <url>/api/charts`), as KubeVela's
    /// `vela addon push`.
    Push {
        /// The addon directory or `.tgz` package.
        addon: PathBuf,
        /// The name of a helm registry of the hub (vela addon registry list).
        #[arg(value_name = "REGISTRY")]
        to: String,
        /// Replace the version if the registry has it already.
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// The addon registries of the hub (ConfigMap vela-system/vela-addon-registry).
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// List the addons of the registries (a helm registry's with their versions) and the addons
    /// enabled in the hub.
    List {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
    },
    /// Show an addon's status (enabled, enabling, disabling, suspend, disabled), version and
    /// arguments.
    Status {
        /// The addon's name.
        name: String,
    },
}

/// The settings of `addon registry add` and `update`.
#[derive(Debug, Args)]
pub struct RegistryFlags {
    /// The registry's type: `local`, `helm`, `git`, `gitee` or `gitlab` (add: default
    /// `local`; update: unchanged).
    #[arg(long = "type")]
    pub kind: Option<String>,
    /// The directory of a local registry, or the directory of a git repository that holds the
    /// addons (default: its root).
    #[arg(long)]
    pub path: Option<PathBuf>,
    /// The URL of a helm or git repository (`https://`, `http://`, `git://`, `file://` or a
    /// local path for git; the GitLab server for `gitlab`).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// The token of a git repository (sent as the password of basic auth; stored in the
    /// ConfigMap, as KubeVela does).
    #[arg(long = "gitToken")]
    pub git_token: Option<String>,
    /// The project of a `gitlab` registry, `group/project`.
    #[arg(long)]
    pub repo: Option<String>,
    /// The helm registry's username (basic auth).
    #[arg(long)]
    pub username: Option<String>,
    /// The helm registry's password (basic auth; stored in the ConfigMap, as KubeVela does).
    #[arg(long)]
    pub password: Option<String>,
    /// Do not verify the helm registry's TLS certificate.
    #[arg(long = "insecureSkipTLS")]
    pub insecure_skip_tls: bool,
}

/// The `addon registry` subcommands.
#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Add (or replace) a registry: `--type local --path DIR` (a directory of addon
    /// directories), `--type helm --endpoint URL` (a Helm chart repository of addon packages,
    /// its index.yaml read first; `--username`/`--password` for basic auth), or `--type git
    /// --endpoint URL [--path DIR] [--gitToken T]` (a git repository whose directory DIR holds
    /// addon directories, read at its HEAD; also `gitee`, and `gitlab` with `--repo`).
    Add {
        /// The registry's name.
        name: String,
        #[command(flatten)]
        flags: RegistryFlags,
    },
    /// Change a registry: the flags given replace its stored settings (the others are kept; a
    /// new `--type` starts from nothing); the registry is read again before it is stored.
    Update {
        /// The registry's name.
        name: String,
        #[command(flatten)]
        flags: RegistryFlags,
    },
    /// List the registries.
    List {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
    },
    /// Print one registry's settings.
    Get {
        /// The registry's name.
        name: String,
        /// Output format (YAML unless json).
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Yaml)]
        output: ListingFormat,
    },
    /// Delete a registry.
    Delete {
        /// The registry's name.
        name: String,
    },
}

/// The `cluster` subcommands.
#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Register a cluster: read its kubeconfig, inline the credentials (files it names are
    /// read; exec plugins are refused) and store them in the hub; or, with --embedded NAME, add
    /// a virtual member inside the embedded cluster.
    Join {
        /// The member's kubeconfig file (its current context, or --context).
        #[arg(value_name = "KUBECONFIG")]
        member_kubeconfig: Option<PathBuf>,
        /// The name to register (default: the kubeconfig context's name).
        #[arg(long)]
        name: Option<String>,
        /// A virtual member of the embedded cluster, with this name (no kubeconfig).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["member_kubeconfig", "name"])]
        embedded: Option<String>,
        /// The cluster's labels, `k=v,k2=v2` (what clusterLabelSelector matches).
        #[arg(long)]
        labels: Option<String>,
        /// An alias.
        #[arg(long)]
        alias: Option<String>,
    },
    /// List the clusters: local (the hub) first, then the registry.
    List {
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
    },
    /// Remove a cluster from the registry (what was delivered there stays).
    Detach {
        /// The cluster.
        name: String,
    },
    /// Add or remove a cluster's labels.
    Labels {
        #[command(subcommand)]
        command: LabelsCommand,
    },
    /// Check that a cluster answers (a real request, bounded by --timeout).
    Probe {
        /// The cluster (`local` is the hub).
        name: String,
        /// Seconds to wait for an answer.
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
}

/// `vela cluster labels` subcommands.
#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Add (or change) labels: `vela cluster labels add NAME k=v,k2=v2`.
    Add {
        /// The cluster.
        name: String,
        /// `k=v,k2=v2`.
        labels: String,
    },
    /// Remove labels: `vela cluster labels del NAME k,k2`.
    Del {
        /// The cluster.
        name: String,
        /// `k,k2`.
        keys: String,
    },
}

/// The `def` subcommands.
#[derive(Debug, Subcommand)]
pub enum DefCommand {
    /// List the available definitions.
    List {
        /// Extra definition files or directories.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Only this kind: component, trait, policy, workflow-step.
        #[arg(short = 't', long = "type")]
        kind: Option<String>,
        /// Output format: a table of name, type, source and description, or the same fields
        /// as an array of objects (`[{name, type, source, description}]`).
        #[arg(short = 'o', long = "output", value_enum, default_value_t = ListingFormat::Table)]
        output: ListingFormat,
    },
    /// Show a definition's parameters.
    Show {
        /// The definition name.
        name: String,
        /// Extra definition files or directories.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Print the OpenAPI v3 schema of the parameters (JSON, or YAML with `-o yaml`).
        #[arg(long)]
        schema: bool,
        /// Output format: a table of the parameters, or the definition's name, type, version,
        /// source, description and `parameters: [{name, description, type, required,
        /// default}]` as one object. With `--schema`: json (the default) or yaml.
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<ListingFormat>,
    },
    /// Convert a `vela def` CUE file to its definition CR.
    Render {
        /// The CUE file; `-` reads standard input.
        file: PathBuf,
        /// Output format of the CR (YAML prints the template as a block, as KubeVela does).
        #[arg(short = 'o', long = "output", value_enum, default_value_t = DocumentFormat::Yaml)]
        output: DocumentFormat,
    },
    /// Store definitions in the hub (its `vela-system`, or `-n`), where `vela up`, `vela addon enable`
    /// and the controller read them: `vela def` CUE files or definition CRs. Every template
    /// must compile before anything is written.
    Apply {
        /// The files (`.cue`, `.yaml`, `.yml`, `.json`); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the objects (YAML) instead of applying them.
        #[arg(long)]
        dry_run: bool,
        /// The embedded cluster's state file.
        #[arg(long, env = "VELA_STATE", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Check definition files: parse, evaluate with defaults, report every error.
    Vet {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// Output format of `vela cue export` (`cue export --out`).
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CueOutput {
    /// JSON, indented with four spaces, as `cue export`.
    Json,
    /// YAML, as `cue export --out yaml`.
    Yaml,
    /// The value, which must be a string, as raw text.
    Text,
    /// CUE syntax, as `cue eval`.
    Cue,
}

/// The `cue` subcommands.
#[derive(Debug, Subcommand)]
pub enum CueCommand {
    /// Evaluate CUE files and print the result as JSON, YAML or text, byte for byte what `cue
    /// export` prints. Every field must be concrete; several files are one package.
    Export {
        /// The CUE files (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the value of this expression instead of the whole file (`-e spec.replicas`).
        #[arg(short = 'e', long = "expression")]
        expression: Option<String>,
        /// Output format.
        #[arg(long = "out", value_enum, default_value_t = CueOutput::Json)]
        out: CueOutput,
    },
    /// Evaluate CUE files and print the result in CUE syntax, as `cue eval` lays it out
    /// (definitions included, hidden fields left out; not-yet-concrete fields print their type).
    Eval {
        /// The CUE files (`-` reads standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the value of this expression instead of the whole file.
        #[arg(short = 'e', long = "expression")]
        expression: Option<String>,
    },
}

/// A Go duration for `--timeout`.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    vela_workflow::time::parse_duration(text)
        .map_err(|e| format!("{e} (expected a Go duration such as 90s or 5m)"))
}

/// What `vela workflow` operates on (`-t/--type`, as KubeVela's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum WorkflowTarget {
    /// An Application's workflow.
    App,
    /// A standalone WorkflowRun (`core.oam.dev/v1alpha1`).
    Workflow,
}

/// `vela workflow` subcommands.
#[derive(Debug, Subcommand)]
pub enum WorkflowCommand {
    /// Suspend the workflow (or one step): no step runs until it is resumed.
    Suspend {
        /// The Application's (or WorkflowRun's) name.
        name: String,
        /// Only this step.
        #[arg(long)]
        step: Option<String>,
    },
    /// Resume a suspended workflow (an approval `suspend` step, or `vela workflow suspend`).
    Resume {
        /// The Application's (or WorkflowRun's) name.
        name: String,
        /// Only this suspended step.
        #[arg(long)]
        step: Option<String>,
    },
    /// Terminate the workflow: no step runs again until a restart.
    Terminate {
        /// The Application's (or WorkflowRun's) name.
        name: String,
    },
    /// Run the workflow again from the start, or from a failed step.
    Restart {
        /// The Application's (or WorkflowRun's) name.
        name: String,
        /// Restart from this failed step.
        #[arg(long)]
        step: Option<String>,
    },
}
