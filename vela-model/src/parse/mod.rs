//! Parsing OAM objects from YAML or JSON text.
//!
//! * Multi-document YAML (`---`) and JSON (one object, an array of objects, or a `kind: List`).
//! * Syntax errors name the line and column in the whole text.
//! * Type errors name the field path (`spec.components[0].traits`) and, for YAML, the line.
//! * [`Mode::Strict`] rejects unknown fields with their paths, as an API server with strict field
//!   validation does. Free-form parts (`properties`, `parameter`) accept anything in both modes.
//!
//! ```
//! use vela_model::parse::{self, Document, Mode};
//!
//! let text = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\nspec:\n  components: []\n  componets: []\n";
//! // Lenient mode ignores the typo ...
//! assert!(matches!(&parse::documents(text).unwrap()[0], Document::Application(_)));
//! // ... strict mode names it.
//! let err = parse::documents_with(text, Mode::Strict).unwrap_err();
//! assert!(err.to_string().contains("spec.componets"), "{err}");
//! ```

use serde::de::DeserializeOwned;
use serde_json::Value;

mod path;

use path::{Segment, is_object_header, kind_of, path_segments, path_string, segments, value_at};

use crate::{
    application::Application,
    definition::{
        ComponentDefinition, DefinitionRevision, PolicyDefinition, TraitDefinition, WorkflowStepDefinition,
        WorkloadDefinition,
    },
    policy::Policy,
    resource_tracker::ResourceTracker,
    revision::ApplicationRevision,
    workflow::{Workflow, WorkflowRun},
};

/// How unknown fields are treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Ignore unknown fields (what KubeVela's Go types do).
    #[default]
    Lenient,
    /// Reject unknown fields, naming each path.
    Strict,
}

/// Why text did not parse. Documents are numbered from 1, lines and columns from 1, in the whole
/// text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not valid YAML or JSON.
    #[error("document {document}: syntax error at line {line}, column {column}: {message}")]
    Syntax {
        /// Document number.
        document: usize,
        /// Line.
        line: usize,
        /// Column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A field has the wrong type or value.
    #[error("document {document}: invalid value at `{path}`{}: {message}", line_suffix(*line, *column))]
    InvalidValue {
        /// Document number.
        document: usize,
        /// Field path, e.g. `spec.components[0].traits`.
        path: String,
        /// Line, when known.
        line: Option<usize>,
        /// Column, when known.
        column: Option<usize>,
        /// What was expected.
        message: String,
    },
    /// Strict mode found fields the kind does not have.
    #[error("document {document} ({kind}): unknown field(s) {}", paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "))]
    UnknownFields {
        /// Document number.
        document: usize,
        /// The document's kind.
        kind: String,
        /// Every unknown field path.
        paths: Vec<String>,
    },
    /// A document has no `kind` (or no `apiVersion`).
    #[error("document {document} (line {line}): missing `apiVersion` or `kind`")]
    MissingKind {
        /// Document number.
        document: usize,
        /// First line of the document.
        line: usize,
    },
    /// The text does not hold exactly one object of the expected kind.
    #[error("expected exactly one {expected} document, found {found}")]
    Count {
        /// The kind expected.
        expected: &'static str,
        /// How many were found.
        found: usize,
    },
}

fn line_suffix(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
        (Some(l), None) => format!(" (line {l})"),
        _ => String::new(),
    }
}

/// Result of parsing.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One parsed document.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Document {
    /// `Application`.
    Application(Box<Application>),
    /// `ApplicationRevision`.
    ApplicationRevision(Box<ApplicationRevision>),
    /// `ComponentDefinition`.
    ComponentDefinition(Box<ComponentDefinition>),
    /// `TraitDefinition`.
    TraitDefinition(Box<TraitDefinition>),
    /// `PolicyDefinition`.
    PolicyDefinition(Box<PolicyDefinition>),
    /// `WorkflowStepDefinition`.
    WorkflowStepDefinition(Box<WorkflowStepDefinition>),
    /// `WorkloadDefinition`.
    WorkloadDefinition(Box<WorkloadDefinition>),
    /// `DefinitionRevision`.
    DefinitionRevision(Box<DefinitionRevision>),
    /// `ResourceTracker`.
    ResourceTracker(Box<ResourceTracker>),
    /// `Policy` (`v1alpha1`).
    Policy(Box<Policy>),
    /// `Workflow` (`v1alpha1`).
    Workflow(Box<Workflow>),
    /// `WorkflowRun` (`v1alpha1`).
    WorkflowRun(Box<WorkflowRun>),
    /// Any other object (a ConfigMap, a Deployment, ...), kept as JSON.
    Other(Value),
}

impl Document {
    /// The object's kind.
    pub fn kind(&self) -> &str {
        match self {
            Document::Application(_) => "Application",
            Document::ApplicationRevision(_) => "ApplicationRevision",
            Document::ComponentDefinition(_) => "ComponentDefinition",
            Document::TraitDefinition(_) => "TraitDefinition",
            Document::PolicyDefinition(_) => "PolicyDefinition",
            Document::WorkflowStepDefinition(_) => "WorkflowStepDefinition",
            Document::WorkloadDefinition(_) => "WorkloadDefinition",
            Document::DefinitionRevision(_) => "DefinitionRevision",
            Document::ResourceTracker(_) => "ResourceTracker",
            Document::Policy(_) => "Policy",
            Document::Workflow(_) => "Workflow",
            Document::WorkflowRun(_) => "WorkflowRun",
            Document::Other(v) => v.get("kind").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The Application, if this document is one.
    pub fn into_application(self) -> Option<Application> {
        match self {
            Document::Application(a) => Some(*a),
            _ => None,
        }
    }
}

/// Parses every document of a YAML or JSON text, ignoring unknown fields.
///
/// # Errors
/// See [`Error`].
pub fn documents(text: &str) -> Result<Vec<Document>> {
    documents_with(text, Mode::Lenient)
}

/// Parses every document of a YAML or JSON text.
///
/// # Errors
/// See [`Error`].
pub fn documents_with(text: &str, mode: Mode) -> Result<Vec<Document>> {
    raw_documents(text)?
        .into_iter()
        .map(|raw| raw.typed(mode))
        .collect()
}

/// Parses a text that holds exactly one Application, ignoring unknown fields.
///
/// # Errors
/// See [`Error`]; [`Error::Count`] when there is not exactly one Application.
pub fn application(text: &str) -> Result<Application> {
    application_with(text, Mode::Lenient)
}

/// Parses a text that holds exactly one Application.
///
/// # Errors
/// See [`Error`]; [`Error::Count`] when there is not exactly one Application.
pub fn application_with(text: &str, mode: Mode) -> Result<Application> {
    let mut apps: Vec<Application> = documents_with(text, mode)?
        .into_iter()
        .filter_map(Document::into_application)
        .collect();
    match apps.len() {
        1 => Ok(apps.remove(0)),
        found => Err(Error::Count {
            expected: "Application",
            found,
        }),
    }
}

/// Parses a single YAML or JSON document into any type of this crate (or any serde type).
///
/// # Errors
/// See [`Error`]; [`Error::Count`] when the text holds more or fewer than one document.
pub fn from_str<T: DeserializeOwned>(text: &str, mode: Mode) -> Result<T> {
    let mut raws = raw_documents(text)?;
    if raws.len() != 1 {
        return Err(Error::Count {
            expected: "single",
            found: raws.len(),
        });
    }
    let raw = raws.remove(0);
    let kind = raw.kind().unwrap_or_default().to_string();
    raw.deserialize(mode, &kind)
}

/// A plain (unquoted) YAML scalar that KubeVela, which reads YAML 1.1, would read as a different
/// value than this crate, which reads YAML 1.2 (see the book's "Known differences").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Yaml11Scalar {
    /// Line in the text (from 1).
    pub line: usize,
    /// The scalar as written.
    pub text: String,
    /// What YAML 1.1 makes of it, e.g. `true` or `420`.
    pub yaml11: String,
}

/// Finds plain scalars that YAML 1.1 (KubeVela) and YAML 1.2 (this crate) read differently:
/// `yes`/`no`/`on`/`off`/`y`/`n` (booleans in 1.1), `0644` (octal in 1.1) and `1_000`
/// (a number in 1.1). Only simple `key: value` and `- value` lines are checked.
///
/// ```
/// let found = vela_model::parse::yaml11_differences("a: yes\nb: \"no\"\nmode: 0644\n");
/// assert_eq!(found.len(), 2);
/// assert_eq!(found[1].yaml11, "420");
/// ```
pub fn yaml11_differences(text: &str) -> Vec<Yaml11Scalar> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let body = line.trim_start();
        if body.starts_with('#') {
            continue;
        }
        let value = match body.strip_prefix("- ") {
            Some(rest) if !rest.contains(": ") => rest,
            _ => match body.split_once(": ") {
                Some((_, v)) => v,
                None => continue,
            },
        };
        let value = match value.split_once(" #") {
            Some((v, _)) => v,
            None => value,
        }
        .trim();
        if let Some(yaml11) = yaml11_reading(value) {
            found.push(Yaml11Scalar {
                line: i + 1,
                text: value.to_string(),
                yaml11,
            });
        }
    }
    found
}

fn yaml11_reading(v: &str) -> Option<String> {
    match v {
        "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => return Some("true".into()),
        "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => return Some("false".into()),
        _ => {}
    }
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let n = i64::from_str_radix(digits, 8).ok()?;
        return Some(if v.starts_with('-') {
            format!("-{n}")
        } else {
            n.to_string()
        });
    }
    if digits.contains('_')
        && !digits.starts_with('_')
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Some(digits.replace('_', ""));
    }
    None
}

/// One document before typing: its source (YAML text or a JSON value) and where it starts.
struct Raw {
    /// 1-based document number.
    number: usize,
    /// 0-based line offset of the document in the whole text.
    line_offset: usize,
    source: Source,
    value: Value,
}

enum Source {
    Yaml(String),
    Json,
}

impl Raw {
    fn kind(&self) -> Option<&str> {
        self.value.get("kind").and_then(Value::as_str)
    }

    fn typed(self, mode: Mode) -> Result<Document> {
        let api_version = self.value.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let Some(kind) = self.kind().map(str::to_string) else {
            return Err(Error::MissingKind {
                document: self.number,
                line: self.line_offset + 1,
            });
        };
        if api_version.is_empty() {
            return Err(Error::MissingKind {
                document: self.number,
                line: self.line_offset + 1,
            });
        }
        let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
        if group != crate::GROUP {
            return Ok(Document::Other(self.value));
        }
        let k = kind.as_str();
        Ok(match k {
            "Application" => Document::Application(Box::new(self.deserialize(mode, k)?)),
            "ApplicationRevision" => Document::ApplicationRevision(Box::new(self.deserialize(mode, k)?)),
            "ComponentDefinition" => Document::ComponentDefinition(Box::new(self.deserialize(mode, k)?)),
            "TraitDefinition" => Document::TraitDefinition(Box::new(self.deserialize(mode, k)?)),
            "PolicyDefinition" => Document::PolicyDefinition(Box::new(self.deserialize(mode, k)?)),
            "WorkflowStepDefinition" => {
                Document::WorkflowStepDefinition(Box::new(self.deserialize(mode, k)?))
            }
            "WorkloadDefinition" => Document::WorkloadDefinition(Box::new(self.deserialize(mode, k)?)),
            "DefinitionRevision" => Document::DefinitionRevision(Box::new(self.deserialize(mode, k)?)),
            "ResourceTracker" => Document::ResourceTracker(Box::new(self.deserialize(mode, k)?)),
            "Policy" => {
                self.check_flattened::<crate::policy::Spec>(mode, k)?;
                Document::Policy(Box::new(self.deserialize(mode, k)?))
            }
            "Workflow" => {
                self.check_flattened::<crate::workflow::Spec>(mode, k)?;
                Document::Workflow(Box::new(self.deserialize(mode, k)?))
            }
            "WorkflowRun" => Document::WorkflowRun(Box::new(self.deserialize(mode, k)?)),
            _ => Document::Other(self.value),
        })
    }

    /// Kinds without a `spec` keep their fields at the top level, where the generated type
    /// flattens them and unknown fields go unseen; strict mode checks them separately.
    fn check_flattened<S: DeserializeOwned>(&self, mode: Mode, kind: &str) -> Result<()> {
        if mode != Mode::Strict {
            return Ok(());
        }
        let mut fields = self.value.clone();
        let mut unknown = Vec::new();
        if let Some(map) = fields.as_object_mut() {
            for key in ["apiVersion", "kind", "status"] {
                map.remove(key);
            }
            if let Some(meta) = map.remove("metadata") {
                let mut track =
                    |path: serde_ignored::Path<'_>| unknown.push(format!("metadata.{}", path_string(&path)));
                let _ = serde_ignored::deserialize::<_, _, crate::common::ObjectMeta>(&meta, &mut track);
            }
        }
        let mut track = |path: serde_ignored::Path<'_>| unknown.push(path_string(&path));
        // Type errors are reported by the full deserialization that follows.
        let _ = serde_ignored::deserialize::<_, _, S>(&fields, &mut track);
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(Error::UnknownFields {
                document: self.number,
                kind: kind.to_string(),
                paths: unknown,
            })
        }
    }

    fn invalid_value(&self, path: String, segments: &[Segment], cause: &crate::yaml::Error) -> Error {
        let mut message = strip_path(cause.message(), &path);
        // serde-saphyr says what it expected ("expected string scalar") but not what it found;
        // the document's value at the path tells, as serde's "invalid type" messages do.
        if let Some(expected) = message.strip_prefix("expected ")
            && let Some(found) = value_at(&self.value, segments).map(kind_of)
        {
            let expected = match expected {
                "string scalar" => "a string",
                other => other,
            };
            message = format!("invalid type: {found}, expected {expected}");
        }
        Error::InvalidValue {
            document: self.number,
            line: cause.line().map(|l| l + self.line_offset),
            column: cause.column(),
            message,
            path,
        }
    }

    fn deserialize<T: DeserializeOwned>(&self, mode: Mode, kind: &str) -> Result<T> {
        let mut unknown = Vec::new();
        let result = match &self.source {
            Source::Yaml(text) => {
                let mut track =
                    |path: serde_ignored::Path<'_>| unknown.push((path_string(&path), segments(&path)));
                // The field path of a failure, kept aside: serde-saphyr's closure returns its
                // own error type.
                let mut failed_at = (String::new(), Vec::new());
                crate::yaml::with_deserializer(text, |de| {
                    let de = serde_ignored::Deserializer::new(de, &mut track);
                    serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
                        failed_at = (e.path().to_string(), path_segments(e.path()));
                        e.into_inner()
                    })
                })
                .map_err(|e| self.invalid_value(failed_at.0, &failed_at.1, &crate::yaml::Error::read(&e)))
            }
            Source::Json => {
                let mut track =
                    |path: serde_ignored::Path<'_>| unknown.push((path_string(&path), segments(&path)));
                let de = serde_ignored::Deserializer::new(&self.value, &mut track);
                serde_path_to_error::deserialize::<_, T>(de).map_err(|e| {
                    let path = e.path().to_string();
                    Error::InvalidValue {
                        document: self.number,
                        line: None,
                        column: None,
                        message: strip_path(&e.into_inner().to_string(), &path),
                        path,
                    }
                })
            }
        };
        let value = result?;
        // The `apiVersion` and `kind` of the object (and of objects embedded in it, such as the
        // Application inside an ApplicationRevision) are read by the generated CustomResource
        // types without being struct fields.
        unknown.retain(|(_, segs)| !is_object_header(&self.value, segs));
        let unknown: Vec<String> = unknown.into_iter().map(|(p, _)| p).collect();
        if mode == Mode::Strict && !unknown.is_empty() {
            return Err(Error::UnknownFields {
                document: self.number,
                kind: kind.to_string(),
                paths: unknown,
            });
        }
        Ok(value)
    }
}

/// serde_json ends messages with "at line X column Y"; the error carries the position apart.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Serde messages may start with the path the error already names.
fn strip_path(message: &str, path: &str) -> String {
    message
        .strip_prefix(path)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
        .to_string()
}

fn raw_documents(text: &str) -> Result<Vec<Raw>> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        json_documents(text)
    } else {
        yaml_documents(text)
    }
}

fn json_documents(text: &str) -> Result<Vec<Raw>> {
    let mut out = Vec::new();
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    for item in stream {
        let value = item.map_err(|e| Error::Syntax {
            document: out.len() + 1,
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })?;
        let items = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for value in items {
            push_expanding_lists(&mut out, value, 0, || Source::Json);
        }
    }
    Ok(out)
}

fn push_expanding_lists(out: &mut Vec<Raw>, value: Value, line_offset: usize, source: impl Fn() -> Source) {
    let is_list = value.get("kind").and_then(Value::as_str) == Some("List");
    if is_list && let Some(items) = value.get("items").and_then(Value::as_array) {
        for item in items {
            out.push(Raw {
                number: out.len() + 1,
                line_offset,
                source: Source::Json,
                value: item.clone(),
            });
        }
        return;
    }
    out.push(Raw {
        number: out.len() + 1,
        line_offset,
        source: source(),
        value,
    });
}

/// Splits YAML text at document markers (`---` at the start of a line), keeping the line where
/// each document starts.
fn split_yaml(text: &str) -> Vec<(usize, String)> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    let mut last_is_content = false;
    for (i, line) in text.lines().enumerate() {
        last_is_content = false;
        let is_marker = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        let is_end = line == "..." || line.starts_with("... ");
        if is_marker || is_end {
            docs.push((start, std::mem::take(&mut current)));
            start = i + 1;
            if is_marker {
                // Content after the marker on the same line (`--- !tag` or `--- {a: 1}`).
                let rest = line[3..].trim();
                if !rest.is_empty() && !rest.starts_with('#') {
                    start = i;
                    current.push_str(rest);
                    current.push('\n');
                }
            }
            continue;
        }
        current.push_str(line);
        current.push('\n');
        last_is_content = true;
    }
    // A last line without a line break stays without one: a block scalar ending there has none.
    if last_is_content && !text.ends_with('\n') {
        current.pop();
    }
    docs.push((start, current));
    docs
}

fn yaml_documents(text: &str) -> Result<Vec<Raw>> {
    let mut out = Vec::new();
    for (line_offset, chunk) in split_yaml(text) {
        let blank = chunk
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.starts_with('%'));
        if blank {
            continue;
        }
        let value: Value = crate::yaml::from_str(&chunk).map_err(|e| Error::Syntax {
            document: out.len() + 1,
            line: e.line().map_or(line_offset + 1, |l| l + line_offset),
            column: e.column().unwrap_or(1),
            message: e.message().to_string(),
        })?;
        if value.is_null() {
            continue;
        }
        push_expanding_lists(&mut out, value, line_offset, || Source::Yaml(chunk.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: a\nspec:\n  components:\n    - name: web\n      type: webservice\n";

    #[test]
    fn reads_multi_document_yaml_with_other_kinds() {
        let text = format!(
            "# leading comment\n---\n{APP}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n---\n"
        );
        let docs = documents(&text).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].kind(), "Application");
        assert_eq!(docs[1].kind(), "ConfigMap");
    }

    #[test]
    fn a_block_scalar_ending_the_text_without_a_line_break_has_none() {
        let v: Value = from_str("data:\n  main.tf: |\n    a\n    b", Mode::Lenient).unwrap();
        assert_eq!(v, serde_json::json!({"data": {"main.tf": "a\nb"}}));
        let v: Value = from_str("data:\n  main.tf: |\n    a\n    b\n", Mode::Lenient).unwrap();
        assert_eq!(v, serde_json::json!({"data": {"main.tf": "a\nb\n"}}));
        let text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: |\n    x\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  b: |\n    y";
        let docs = documents(text).unwrap();
        let data: Vec<&Value> = docs
            .iter()
            .map(|d| match d {
                Document::Other(v) => &v["data"],
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            data,
            [&serde_json::json!({"a": "x\n"}), &serde_json::json!({"b": "y"})]
        );
    }

    #[test]
    fn syntax_errors_name_the_absolute_line() {
        let text = format!("{APP}---\napiVersion: v1\nkind: ConfigMap\ndata: [unclosed\n");
        let err = documents(&text).unwrap_err();
        let Error::Syntax { document, line, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(document, 2);
        // The bracket opens on line 12; the parser notices at the end of the input (line 13).
        assert!((12..=13).contains(&line), "line {line}");
    }

    #[test]
    fn type_errors_name_path_and_line() {
        let text = APP.replace(
            "    - name: web\n      type: webservice\n",
            "    - name: web\n      type: webservice\n      traits: {}\n",
        );
        let err = documents(&text).unwrap_err();
        let Error::InvalidValue { path, line, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "spec.components[0].traits");
        assert_eq!(*line, Some(9));
    }

    #[test]
    fn strict_mode_lists_every_unknown_field() {
        let text = APP.replace(
            "      type: webservice\n",
            "      type: webservice\n      trait: []\n      properties: {free: form}\n",
        ) + "status:\n  bogus: 1\n";
        assert!(documents(&text).is_ok());
        let err = documents_with(&text, Mode::Strict).unwrap_err();
        let Error::UnknownFields { paths, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(paths, &["spec.components[0].trait", "status.bogus"]);
    }

    #[test]
    fn strict_mode_accepts_embedded_objects_but_not_stray_kinds() {
        let text = "apiVersion: core.oam.dev/v1beta1\nkind: ApplicationRevision\nmetadata: {name: a-v1}\nspec:\n  application:\n    apiVersion: core.oam.dev/v1beta1\n    kind: Application\n    metadata: {name: a}\n    spec:\n      components:\n        - {name: web, type: webservice, kind: oops}\n";
        let err = documents_with(text, Mode::Strict).unwrap_err();
        let Error::UnknownFields { paths, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(paths, &["spec.application.spec.components[0].kind"]);
    }

    #[test]
    fn strict_mode_sees_top_level_fields_of_kinds_without_spec() {
        let text = "apiVersion: core.oam.dev/v1alpha1\nkind: Policy\nmetadata: {name: p, labelz: {}}\ntype: topology\ntypo: 1\n---\napiVersion: core.oam.dev/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nsteps:\n  - {name: a, type: suspend, tmeout: 1m}\n";
        assert_eq!(documents(text).unwrap().len(), 2);
        let err = documents_with(text, Mode::Strict).unwrap_err();
        let Error::UnknownFields { paths, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(paths, &["metadata.labelz", "typo"]);
        let workflow = text.split("---\n").nth(1).unwrap();
        let err = documents_with(workflow, Mode::Strict).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownFields { paths, .. } if paths == &["steps[0].tmeout"]),
            "{err:?}"
        );
    }

    #[test]
    fn reads_json_objects_arrays_and_lists() {
        let one = r#"{"apiVersion":"core.oam.dev/v1beta1","kind":"Application","metadata":{"name":"a"},"spec":{"components":[]}}"#;
        assert_eq!(documents(one).unwrap().len(), 1);
        let arr = format!("[{one},{one}]");
        assert_eq!(documents(&arr).unwrap().len(), 2);
        let list = format!(r#"{{"apiVersion":"v1","kind":"List","items":[{one}]}}"#);
        assert_eq!(documents(&list).unwrap()[0].kind(), "Application");
        let err = documents("{\n  \"kind\": }").unwrap_err();
        assert!(matches!(err, Error::Syntax { line: 2, .. }), "{err:?}");
        let strict = one.replace("\"components\":[]", "\"components\":[],\"extra\":1");
        let err = documents_with(&strict, Mode::Strict).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownFields { paths, .. } if paths == &["spec.extra"]),
            "{err:?}"
        );
    }

    #[test]
    fn deep_properties_parse_up_to_the_budget_and_fail_beyond_it() {
        // `properties` sits at depth 5 (document, spec, components, item, properties).
        let nested = |depth: usize| {
            let inner = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
            APP.replace(
                "      type: webservice\n",
                &format!("      type: webservice\n      properties: {{a: {inner}}}\n"),
            )
        };
        for mode in [Mode::Lenient, Mode::Strict] {
            assert!(documents_with(&nested(crate::yaml::MAX_DEPTH - 6), mode).is_ok());
            let err = documents_with(&nested(crate::yaml::MAX_DEPTH), mode).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Syntax {
                        document: 1,
                        line: 9,
                        ..
                    }
                ),
                "{err}"
            );
        }
    }

    #[test]
    fn alias_bombs_are_syntax_errors() {
        let mut text = String::from(APP);
        text.push_str("status:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = documents(&text).unwrap_err();
        assert!(matches!(err, Error::Syntax { document: 1, .. }), "{err}");
    }

    #[test]
    fn application_wants_exactly_one() {
        assert!(application(APP).is_ok());
        let two = format!("{APP}---\n{APP}");
        assert_eq!(
            application(&two).unwrap_err(),
            Error::Count {
                expected: "Application",
                found: 2
            }
        );
        assert!(matches!(
            documents("kind: Application\n"),
            Err(Error::MissingKind { .. })
        ));
    }
}
