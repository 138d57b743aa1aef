//! YAML the way every Vela-rs crate reads and writes it (serde-saphyr underneath).
//!
//! * Scalars follow YAML 1.2, as before: only `true`/`false` are booleans (`yes`, `on` stay
//!   strings), `0644` and `1_000` stay strings, `0x1F` and `0o17` are numbers. KubeVela reads
//!   YAML 1.1; [`crate::parse::yaml11_differences`] finds the scalars the two read differently.
//! * Budgets stop hostile input with an error, never a crash or an exhausted machine: nesting
//!   deeper than [`MAX_DEPTH`], alias expansion beyond [`MAX_REPLAYED_EVENTS`] events (the
//!   "billion laughs"), and serde-saphyr's default caps on nodes, documents and scalar bytes.
//!   Flow collections (`[[[[`, `{a: {a:`) nested deeper than [`MAX_DEPTH`] are refused by a
//!   linear pre-scan ([`vela_yaml_guard`]) before the text reaches the parser, whose scanner is
//!   quadratic in their depth (200 KB of `[` took it over a minute).
//! * A key repeated in a mapping keeps the last value in free-form data and is an error
//!   (`duplicate field`) in a typed struct; merge keys (`<<: *base`) are expanded, as go-yaml
//!   does for KubeVela.
//! * A `|` or `>` block scalar whose last line ends the text without a line break has no final
//!   line break, as go-yaml reads it for KubeVela (YAML 1.2 lets the end of the input stand in
//!   for the final line break of "clip" and "keep" chomping); serde-saphyr's parser would add
//!   one, so it is given that scalar's header with strip chomping (`|-`), which reads the same.
//! * Errors name the line and column (from 1) in the text.
//!
//! ```
//! let v: serde_json::Value = vela_model::yaml::from_str("a: yes\nb: 0644\nc: 0x1F\n").unwrap();
//! assert_eq!(v, serde_json::json!({"a": "yes", "b": "0644", "c": 31}));
//! let err = vela_model::yaml::from_str::<serde_json::Value>("a: [1, 2\n").unwrap_err();
//! assert_eq!(err.line(), Some(1));
//! // Strings YAML 1.1 would read as something else are quoted for KubeVela.
//! assert_eq!(vela_model::yaml::to_string(&v).unwrap(), "a: \"yes\"\nb: \"0644\"\nc: 31\n");
//! ```

use std::borrow::Cow;

use serde::{Serialize, de::DeserializeOwned};
use serde_saphyr::granit_parser::{self, ScalarStyle, Scanner, StrInput, TokenType};

/// The deepest nesting of sequences and mappings accepted (serde-saphyr's default). Kubernetes
/// objects nest about 20 deep; a debug build reading into `serde_json::Value` overflows a 2 MiB
/// thread stack a little beyond 80.
pub const MAX_DEPTH: usize = 64;

/// The most parser events that aliases (`*name`) may replay in one text: a few copies of a large
/// anchor are fine, an exponential "billion laughs" is not.
pub const MAX_REPLAYED_EVENTS: usize = 1_000_000;

/// Why YAML could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not YAML, does not fit the target type, or exceeds a budget.
    ///
    /// The parser's own error is not kept as the `source`: its text is `message`, and its
    /// position is in `line` and `column`, which callers re-base when the text was one document
    /// of a larger stream.
    #[error("{}{message}", position(*line, *column))]
    Read {
        /// Line (from 1), when known.
        line: Option<usize>,
        /// Column (from 1), when known.
        column: Option<usize>,
        /// What the parser said, without its position.
        message: String,
    },
    /// The value cannot be written as YAML (a map with non-string keys, a custom `Serialize`
    /// that fails).
    #[error("cannot write YAML: {message}")]
    Write {
        /// What the serializer said.
        message: String,
    },
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

impl Error {
    /// The line (from 1) of a read error, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Read { line, .. } => *line,
            Error::Write { .. } => None,
        }
    }

    /// The column (from 1) of a read error, when known.
    pub fn column(&self) -> Option<usize> {
        match self {
            Error::Read { column, .. } => *column,
            Error::Write { .. } => None,
        }
    }

    /// The message without its position.
    pub fn message(&self) -> &str {
        match self {
            Error::Read { message, .. } | Error::Write { message } => message,
        }
    }

    pub(crate) fn read(e: &serde_saphyr::Error) -> Error {
        let e = e.without_snippet();
        let location = e.location();
        Error::Read {
            line: location.map(|l| usize::try_from(l.line()).unwrap_or(usize::MAX)),
            column: location.map(|l| usize::try_from(l.column()).unwrap_or(usize::MAX)),
            message: strip_location(&e.to_string()),
        }
    }
}

/// serde-saphyr ends messages with "at line X, column Y"; [`Error`] keeps the position apart.
pub(crate) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The reader options: YAML 1.2 scalars, the budgets, no source snippets in messages.
pub(crate) fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_REPLAYED_EVENTS,
        },
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
    }
}

/// Refuses text whose flow collections nest deeper than [`MAX_DEPTH`], before parsing it.
fn check_flow_depth(text: &str) -> Result<(), Error> {
    vela_yaml_guard::check_flow_depth(text, MAX_DEPTH).map_err(|too_deep| Error::Read {
        line: Some(too_deep.line()),
        column: Some(too_deep.column()),
        message: format!("flow sequences and mappings nested deeper than {MAX_DEPTH}"),
    })
}

/// Reads one YAML document (an empty text reads as null).
///
/// # Errors
/// [`Error::Read`] with the line and column.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    check_flow_depth(text)?;
    serde_saphyr::from_str_with_options(&eof_block_scalar(text), options()).map_err(|e| Error::read(&e))
}

/// Reads every document of a YAML stream (`---` separated), skipping empty ones.
///
/// # Errors
/// [`Error::Read`] with the line and column in the whole text.
///
/// ```
/// let docs: Vec<serde_json::Value> = vela_model::yaml::documents("a: 1\n---\n---\nb: 2\n").unwrap();
/// assert_eq!(docs.len(), 2);
/// ```
pub fn documents<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, Error> {
    check_flow_depth(text)?;
    serde_saphyr::from_multiple_with_options(&eof_block_scalar(text), options()).map_err(|e| Error::read(&e))
}

/// Reads one YAML document with the reader options, handing the deserializer to `f`; serde
/// adapters (`serde_ignored`, `serde_path_to_error`) wrap it there. The text must have been read
/// by [`from_str`] first (which pre-scans its flow depth).
pub(crate) fn with_deserializer<R>(
    text: &str,
    f: impl for<'de, 'e> FnOnce(serde_saphyr::Deserializer<'de, 'e>) -> Result<R, serde_saphyr::Error>,
) -> Result<R, serde_saphyr::Error> {
    serde_saphyr::with_deserializer_from_str_with_options(&eof_block_scalar(text), options(), f)
}

/// The text as serde-saphyr must read it for a block scalar that ends the text without a line
/// break to have none, as in go-yaml: that scalar's header set to strip chomping (`|` and `|+`
/// become `|-`), which reads such a last line the same way. serde-saphyr's parser adds the line
/// break (its scanner option `block_scalar_eof_without_line_feed` is not reachable through
/// serde-saphyr's options).
///
/// Any other text is returned as it is: one that ends with a line break or holds no `|` or `>`
/// at once, others after a scan of their tokens. The changed text is scanned again and used only
/// when its last scalar reads as the scanner's option reads the original; a text the scanner
/// refuses is left to the parser to report.
fn eof_block_scalar(text: &str) -> Cow<'_, str> {
    if text.is_empty() || text.ends_with(['\n', '\r']) || !text.contains(['|', '>']) {
        return Cow::Borrowed(text);
    }
    let Some((header, wanted)) = last_block_scalar(text, true) else {
        return Cow::Borrowed(text);
    };
    let Some(changed) = strip_chomping(text, header) else {
        return Cow::Borrowed(text);
    };
    match last_block_scalar(&changed, false) {
        Some((_, read)) if read == wanted => Cow::Owned(changed),
        _ => Cow::Borrowed(text),
    }
}

/// The last scalar of the text when it is a block scalar ending at the end of the text: the
/// byte offset where the search for its header starts (the end of the token before it) and its
/// value, read with or without libyaml's reading of a last line without a line break.
fn last_block_scalar(text: &str, libyaml_eof: bool) -> Option<(usize, String)> {
    let options = granit_parser::options! {
        block_scalar_eof_without_line_feed: libyaml_eof,
    };
    let mut before = 0;
    let mut last = None;
    for token in Scanner::with_options(StrInput::new(text), options) {
        let (span, kind) = token.ok()?.into_parts();
        let end = span.end.byte_offset()?;
        match kind {
            TokenType::Scalar(ScalarStyle::Literal | ScalarStyle::Folded, value) => {
                last = (end == text.len()).then(|| (before, value.into_owned()));
            }
            TokenType::Scalar(..) => last = None,
            _ => {}
        }
        before = before.max(end);
    }
    last
}

/// The text with the chomping of the block scalar header found from byte `from` (past blanks,
/// line breaks, comments and the `:`, `-` or `?` indicator before it) set to strip, or `None`
/// when there is no header there or it strips already.
fn strip_chomping(text: &str, from: usize) -> Option<String> {
    let mut chars = text.get(from..)?.char_indices();
    let indicator = loop {
        match chars.next()? {
            (at, '|' | '>') => break from + at,
            (_, '#') => {
                chars.find(|&(_, c)| c == '\n')?;
            }
            (_, ' ' | '\t' | '\r' | '\n' | ':' | '-' | '?') => {}
            _ => return None,
        }
    };
    let after = indicator + 1;
    let flags: String = text[after..]
        .chars()
        .take_while(|c| matches!(c, '1'..='9' | '+' | '-'))
        .collect();
    let mut out = String::with_capacity(text.len() + 1);
    if flags.contains('-') {
        return None;
    } else if let Some(keep) = flags.find('+') {
        out.push_str(&text[..after + keep]);
        out.push('-');
        out.push_str(&text[after + keep + 1..]);
    } else {
        out.push_str(&text[..after]);
        out.push('-');
        out.push_str(&text[after..]);
    }
    Some(out)
}

/// Writes a value as one YAML document: block style, sequences not indented under their key,
/// multi-line strings as `|` blocks, long lines never folded.
///
/// # Errors
/// [`Error::Write`] when the value cannot be YAML.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, Error> {
    let options = serde_saphyr::ser_options! {
        compact_list_indent: true,
        prefer_block_scalars: true,
        min_fold_chars: usize::MAX,
        folded_wrap_chars: usize::MAX,
    };
    serde_saphyr::to_string_with_options(value, options).map_err(|e| Error::Write {
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn scalars_read_as_yaml_1_2() {
        let v: Value =
            from_str("[yes, no, on, off, y, 0644, 1_000, 12:30, 0x10, 0o10, true, ~, 1e3]").unwrap();
        assert_eq!(
            v,
            json!([
                "yes", "no", "on", "off", "y", "0644", "1_000", "12:30", 16, 8, true, null, 1000.0
            ])
        );
    }

    #[test]
    fn alias_bombs_stop_at_the_budget() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = from_str::<Value>(&text).unwrap_err();
        assert!(matches!(err, Error::Read { .. }), "{err}");
        // A few copies of an anchor are fine.
        let v: Value = from_str("base: &b {x: 1}\none: *b\ntwo: {<<: *b, y: 2}\n").unwrap();
        assert_eq!(v["two"], json!({"x": 1, "y": 2}));
    }

    #[test]
    fn deep_nesting_stops_at_the_budget() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(from_str::<Value>(&ok).is_ok());
        let over = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(from_str::<Value>(&over).is_err());
        for deep in [
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
            (0..10_000)
                .map(|i| format!("{}- \n", " ".repeat(i * 2)))
                .collect(),
            (0..10_000).map(|i| format!("{}k:\n", " ".repeat(i))).collect(),
        ] {
            let err = from_str::<Value>(&deep).unwrap_err();
            assert!(err.line().is_some(), "{err}");
        }
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = from_str::<Value>("a: 1\nb: c: d\n").unwrap_err();
        assert_eq!((err.line(), err.column()), (Some(2), Some(5)), "{err}");
        assert!(err.to_string().starts_with("line 2, column 5: "), "{err}");
        assert!(!err.message().contains("at line"), "{err}");
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_in_free_form_data() {
        let v: Value = from_str("a: 1\na: 2\n").unwrap();
        assert_eq!(v, json!({"a": 2}));
    }

    #[test]
    fn a_block_scalar_ending_the_text_without_a_line_break_has_none() {
        for (text, want) in [
            ("a: |\n  x\n  y", json!({"a": "x\ny"})),
            ("a: >\n  x\n  y", json!({"a": "x y"})),
            ("a: |+\n  x", json!({"a": "x"})),
            ("a: |-\n  x", json!({"a": "x"})),
            ("a: |2\n   x", json!({"a": " x"})),
            ("a: |+2\n   x", json!({"a": " x"})),
            ("a: >  # folded\n\n  x", json!({"a": "\nx"})),
            ("a: !!str |\n  x", json!({"a": "x"})),
            ("a:\n  # before\n  |\n   x", json!({"a": "x"})),
            (
                "k: v\nl:\n- 'not | a header'\n- |\n  x\n\n  y",
                json!({"k": "v", "l": ["not | a header", "x\n\ny"]}),
            ),
            ("|\n x", json!("x")),
            // with a line break, or not the last node, or only indentation after the last break
            ("a: |\n  x\n", json!({"a": "x\n"})),
            ("a: |+\n  x\n\n", json!({"a": "x\n\n"})),
            ("a: |\n  x\nb: y", json!({"a": "x\n", "b": "y"})),
            ("a: |\n  x\n  ", json!({"a": "x\n"})),
            ("a: x |\n  y", json!({"a": "x | y"})),
        ] {
            assert_eq!(from_str::<Value>(text).unwrap(), want, "{text:?}");
            assert_eq!(documents::<Value>(text).unwrap(), vec![want], "{text:?}");
        }
        assert_eq!(
            documents::<Value>("a: |\n  x\n---\nb: >\n  y").unwrap(),
            [json!({"a": "x\n"}), json!({"b": "y"})]
        );
        // Only the header's chomping changes: errors keep their lines.
        let err = from_str::<Value>("a: [\nb: |\n  x").unwrap_err();
        assert!(err.line().is_some(), "{err}");
    }

    #[test]
    fn writes_blocks_and_reads_back() {
        let v = json!({"s": "line 1\nline 2\n", "num": "1000", "l": ["a", {"b": ""}], "e": {}, "long": "x ".repeat(100)});
        let text = to_string(&v).unwrap();
        assert!(text.contains("s: |\n  line 1\n  line 2\n"), "{text}");
        assert!(text.contains("num: \"1000\"\n"), "{text}");
        assert!(text.contains("l:\n- a\n- b: \"\"\n"), "{text}");
        assert_eq!(from_str::<Value>(&text).unwrap(), v);
    }
}
