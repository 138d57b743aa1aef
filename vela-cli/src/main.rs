//! `vela`: the command line of Vela-rs.
//!
//! First commands: `vela dry-run` (render an Application offline, KubeVela's output layout)
//! and `vela def list|show|render|vet` (definition tooling).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod commands;

/// Vela-rs: KubeVela's application delivery, as a Rust SDK.
#[derive(Debug, Parser)]
#[command(name = "vela", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Output format of `dry-run`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// KubeVela's dry-run layout: comment headers and YAML documents.
    Yaml,
    /// A JSON array of `{component, objects}`.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render an Application to Kubernetes objects without a cluster.
    DryRun {
        /// The Application file (YAML or JSON).
        #[arg(short = 'f', long = "file", default_value = "app.yaml")]
        file: PathBuf,
        /// Definition files or directories (`.cue`, `.yaml`); they override the built-ins.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Offline mode (always on: no cluster is contacted). Accepted for KubeVela compatibility.
        #[arg(long)]
        offline: bool,
        /// Output format.
        #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
        output: Format,
        /// Reject properties a definition does not declare (KubeVela ignores them).
        #[arg(long)]
        strict: bool,
    },
    /// Definition tooling.
    Def {
        #[command(subcommand)]
        command: DefCommand,
    },
}

#[derive(Debug, Subcommand)]
enum DefCommand {
    /// List the available definitions.
    List {
        /// Extra definition files or directories.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Only this kind: component, trait, policy, workflow-step.
        #[arg(short = 't', long = "type")]
        kind: Option<String>,
    },
    /// Show a definition's parameters as a table.
    Show {
        /// The definition name.
        name: String,
        /// Extra definition files or directories.
        #[arg(short = 'd', long = "definition")]
        definitions: Vec<PathBuf>,
        /// Print the OpenAPI v3 JSON schema instead of the table.
        #[arg(long)]
        schema: bool,
    },
    /// Convert a `vela def` CUE file to its definition CR (YAML).
    Render {
        /// The CUE file.
        file: PathBuf,
    },
    /// Check definition files: parse, evaluate with defaults, report every error.
    Vet {
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::DryRun {
            file,
            definitions,
            offline: _,
            output,
            strict,
        } => commands::dry_run(&file, &definitions, output == Format::Json, strict),
        Command::Def { command } => match command {
            DefCommand::List { definitions, kind } => commands::def_list(&definitions, kind.as_deref()),
            DefCommand::Show {
                name,
                definitions,
                schema,
            } => commands::def_show(&name, &definitions, schema),
            DefCommand::Render { file } => commands::def_render(&file),
            DefCommand::Vet { files } => commands::def_vet(&files),
        },
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
