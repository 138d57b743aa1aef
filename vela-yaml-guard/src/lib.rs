//! A linear pre-scan that refuses YAML whose flow collections (`[...]`, `{...}`) nest deeper
//! than a budget, run before a YAML parser reads untrusted text.
//!
//! The YAML scanner underneath serde-saphyr keeps a candidate "simple key" per open flow
//! collection and revisits all of them at every token, so text like 200 KB of `[[[[` costs it
//! minutes of CPU before the depth budget of the deserializer ever sees an event.
//! [`check_flow_depth`] runs first, in one pass over the bytes, and refuses such text with the
//! line and column of the bracket that goes too deep. `vela-model` (every YAML read) and
//! `vela-cue` (`yaml.Unmarshal`, `yaml.UnmarshalStream`, `yaml.Validate`) call it with their
//! depth budget of 64.
//!
//! ```
//! use vela_yaml_guard::check_flow_depth;
//!
//! let manifest = "spec:\n  ports: [{port: 80}, {port: 443}]\n  args: ['[[[[']\n";
//! assert!(check_flow_depth(manifest, 64).is_ok());
//!
//! let hostile = format!("a: {}", "[".repeat(100_000));
//! let err = check_flow_depth(&hostile, 64).unwrap_err();
//! assert_eq!((err.line(), err.column(), err.max_depth()), (1, 68, 64));
//! ```
//!
//! # What it follows of YAML
//!
//! Only as much as is needed to find flow collections: they start where a node starts (at the
//! beginning of a line, after `- `, `? `, `: `, `---`, an anchor or a tag); inside them every
//! bracket counts (a plain scalar in flow context cannot contain one) except in quoted scalars
//! and comments. Quoted scalars and block scalars (`|`, `>`) met at a node start are skipped
//! whole, so brackets in them never count:
//!
//! ```
//! # use vela_yaml_guard::check_flow_depth;
//! let template = "template: |\n  output: {{{{{{\n  }}}}}}\nname: \"[[[[[[\"\n# [[[[[[\n";
//! assert!(check_flow_depth(template, 2).is_ok());
//! ```
//!
//! Where it is unsure it counts a bracket: it may refuse absurd text (a plain scalar
//! continuation line that starts with more `[` than the budget), and never lets a flow
//! collection deeper than the budget through. Block collections (indentation) are not its
//! concern: a parser's depth budget handles them at linear cost.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod scan;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Refuses `text` when its flow collections nest deeper than `max_depth`, before a YAML parser
/// reads it. Takes the text as `&str` or as bytes (invalid UTF-8 is scanned as it is; the
/// column counts characters as a lossy UTF-8 decoding shows them).
///
/// ```
/// # use vela_yaml_guard::check_flow_depth;
/// assert!(check_flow_depth(b"a: [[1]]\n", 2).is_ok());
/// assert!(check_flow_depth("a: [[[1]]]\n", 2).is_err());
/// ```
///
/// # Errors
/// [`TooDeep`] with the 1-based line and column of the bracket that opens level
/// `max_depth + 1`.
pub fn check_flow_depth(text: impl AsRef<[u8]>, max_depth: usize) -> Result<(), TooDeep> {
    match scan::too_deep(text.as_ref(), max_depth) {
        Some((line, column)) => Err(TooDeep {
            line,
            column,
            max_depth,
        }),
        None => Ok(()),
    }
}

/// YAML text whose flow collections nest deeper than the budget: where the first bracket beyond
/// it stands.
///
/// ```
/// # use vela_yaml_guard::check_flow_depth;
/// let err = check_flow_depth("- x\n- {a: {a: {a: 1}}}\n", 2).unwrap_err();
/// assert_eq!((err.line(), err.column(), err.max_depth()), (2, 11, 2));
/// assert_eq!(
///     err.to_string(),
///     "flow sequences and mappings nested deeper than 2 at line 2, column 11"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep {
    line: usize,
    column: usize,
    max_depth: usize,
}

impl TooDeep {
    /// The line (from 1) of the bracket that opens the first level beyond the budget.
    #[must_use]
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (from 1, in characters) of that bracket.
    #[must_use]
    pub fn column(&self) -> usize {
        self.column
    }

    /// The budget the text went beyond.
    #[must_use]
    pub fn max_depth(&self) -> usize {
        self.max_depth
    }
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "flow sequences and mappings nested deeper than {} at line {}, column {}",
            self.max_depth, self.line, self.column
        )
    }
}

impl std::error::Error for TooDeep {}

#[cfg(test)]
mod tests {
    use super::check_flow_depth;

    #[test]
    fn str_and_bytes_give_the_same_answer() {
        let text = "é: [[[[\n";
        let from_str = check_flow_depth(text, 2).unwrap_err();
        let from_bytes = check_flow_depth(text.as_bytes(), 2).unwrap_err();
        assert_eq!(from_str, from_bytes);
        // the column counts characters, not bytes
        assert_eq!((from_str.line(), from_str.column()), (1, 6));
    }

    #[test]
    fn invalid_utf8_is_scanned_not_refused() {
        assert!(check_flow_depth(b"a: \xff\xfe\nb: [[1]]\n", 2).is_ok());
        // a plain scalar holds brackets, a flow collection after an invalid key counts them
        assert!(check_flow_depth(b"a: \xff [[[[\n", 2).is_ok());
        let err = check_flow_depth(b"\xff\xfe: [[[[\n", 2).unwrap_err();
        assert_eq!((err.line(), err.column()), (1, 7));
    }

    #[test]
    fn within_budget_is_ok() {
        assert_eq!(check_flow_depth("", 0), Ok(()));
        assert_eq!(check_flow_depth("a: 1\n", 0), Ok(()));
        assert!(check_flow_depth("a: []\n", 0).is_err());
    }
}
