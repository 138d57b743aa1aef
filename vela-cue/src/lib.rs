//! `vela-cue`: a pure-Rust evaluator for the CUE language as KubeVela's definitions use it.
//!
//! Compile a program once with [`Program::compile`], evaluate it many times with injected values
//! ([`Program::eval_with`]), and read the results in CUE's field order ([`Value::to_json`]).
//!
//! ```
//! use serde_json::json;
//! let program = vela_cue::Program::compile(
//!     "template.cue",
//!     r#"
//! output: {
//!     kind: "Deployment"
//!     // +patchKey=name
//!     spec: replicas: *1 | int
//!     metadata: name: context.name
//! }
//! "#,
//! )
//! .unwrap();
//! let inst = program.eval_with(&[("context", &json!({"name": "web"}))]).unwrap();
//! let out = inst.lookup("output").unwrap();
//! assert_eq!(
//!     out.to_json_string().unwrap(),
//!     r#"{"kind":"Deployment","spec":{"replicas":1},"metadata":{"name":"web"}}"#
//! );
//! assert_eq!(out.lookup("spec").unwrap().comments(), vec![" +patchKey=name".to_string()]);
//! ```

//!
//! The public API is the evaluator: [`Program`], [`Instance`], [`Value`] and what they return,
//! [`Error`], [`Limits`], the [`definition`] splitter, the [`export`] helpers, a [`syntax`]
//! check, and [`time`] (Go's time layouts, as CUE's `time` package reads and writes them). The
//! lexer, parser, syntax tree and the evaluator's internal values are private: they change
//! whenever the evaluator does.

mod api;
mod ast;
mod builtins;
pub mod definition;
mod error;
mod eval;
pub mod export;
mod hash;
mod lexer;
mod num;
mod parser;
mod resolve;
pub mod syntax;
pub mod time;
mod value;

pub use api::{Bound, DeclaredField, Disjunct, Input, Instance, Kind, Program, Task, Value};
pub use ast::Constraint;
pub use builtins::{STDLIB, supported_functions};
pub use error::{Error, MAX_MESSAGE_BYTES, Pos, Result};
pub use eval::{Limits, Usage};

/// The README's examples, compiled and run as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
