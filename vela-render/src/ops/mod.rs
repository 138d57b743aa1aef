//! The operations of the `vela` command line, built on the core ([`crate::Registry`],
//! [`crate::Renderer`], ...): checking an Application before it renders ([`check`]), reading
//! input files within limits ([`input`]), definitions from files ([`load`]), KubeVela's
//! `vela dry-run` ([`dryrun`]) and its text and JSON layout ([`output`], with KubeVela's YAML
//! printer in [`goyaml`]), and `vela def vet` ([`vet`]).
//!
//! A program that only renders Applications with its own definitions needs none of them; a
//! tool that behaves like `vela` uses them.

pub mod check;
pub mod dryrun;
pub mod goyaml;
pub mod input;
pub mod load;
pub mod output;
pub mod vet;
