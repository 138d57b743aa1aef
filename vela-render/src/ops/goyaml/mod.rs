//! YAML text exactly as KubeVela prints it: `sigs.k8s.io/yaml.Marshal`, which turns an object
//! into JSON, reads the JSON back with go-yaml v2 and writes it with the go-yaml v2 emitter.
//!
//! The layout that results, reproduced here byte for byte:
//!
//! * mapping keys in go-yaml v2's order: letters before other characters, runs of digits
//!   compared as numbers (`a2` before `a10`);
//! * block mappings indented by two, sequences inside a mapping not indented (`key:\n- a`),
//!   `{}` and `[]` for empty collections;
//! * a string that a YAML 1.1 reader would take for something else (`yes`, `on`, `N`, `~`,
//!   `0777`, `1_000`, `1:20`, `2024-01-01`, `1e3`, the empty string) in double quotes; a string
//!   that cannot be plain (`a: b`, `#x`, leading or trailing spaces) in single quotes; one that
//!   single quotes cannot hold (tabs, control characters, characters beyond U+FFFF) in double
//!   quotes with escapes; a string with a line break as a literal block (`|`, `|-`, `|+`, with
//!   an indentation indicator when it starts with a space);
//! * long scalars folded at spaces once a line passes 80 columns (go-yaml v2's default width);
//! * numbers as Go prints them after the JSON round trip (`2.0` becomes `2`, `1e21` `1e+21`).
//!
//! Every string therefore reads back as the same string in YAML 1.1 (kubectl, go-yaml v2,
//! PyYAML) and YAML 1.2.

use serde_json::{Map, Value};

mod scalars;

use scalars::{key_order, number, requested_style};

/// Width of one indentation level.
const INDENT: usize = 2;
/// Column after which go-yaml v2 folds a long scalar at its next space.
const BEST_WIDTH: usize = 80;
/// Longest key (in bytes) written as a simple `key: value` pair.
const MAX_SIMPLE_KEY: usize = 128;

/// The YAML text of `v` as KubeVela's `yaml.Marshal` writes it, ending with a newline.
///
/// ```
/// let v = serde_json::json!({"b": ["yes", "a: b", ""], "a10": 1, "a2": 2.0});
/// assert_eq!(
///     vela_render::ops::goyaml::marshal(&v),
///     "a2: 2\na10: 1\nb:\n- \"yes\"\n- 'a: b'\n- \"\"\n"
/// );
/// ```
pub fn marshal(v: &Value) -> String {
    let mut e = Emitter::default();
    e.node(v, None, Context::Root);
    // document end: finish the line (go-yaml's encoder clears `open_ended` before the stream
    // ends, so a trailing `|+` block gets no `...` marker)
    e.write_indent(0);
    e.out
}

/// Where a node is written.
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Root,
    /// A sequence item (after `- `).
    Item,
    /// A mapping value (after `key:`).
    Value,
    /// A mapping key written as `key:`.
    SimpleKey,
    /// A mapping key written after `? `.
    ComplexKey,
}

struct Emitter {
    out: String,
    /// Column of the next character (characters, not bytes).
    column: usize,
    /// Only indentation and indicators written on this line so far.
    indention: bool,
    /// The last thing written was white space.
    whitespace: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indention: true,
            whitespace: true,
        }
    }
}

/// How a scalar is written.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// A line break of the value: `\n` as a newline, the other YAML breaks as themselves.
    fn write_break(&mut self, c: char) {
        self.out.push(c);
        self.column = 0;
    }

    /// go-yaml's `write_indent`: a new line unless this one holds only indentation short of
    /// `indent`, then spaces up to `indent`.
    fn write_indent(&mut self, indent: usize) {
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// go-yaml's `write_indicator`.
    fn indicator(&mut self, s: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in s.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// Writes `v`; `indent` is the indentation of the enclosing block collection (`None` at
    /// the root).
    fn node(&mut self, v: &Value, indent: Option<usize>, ctx: Context) {
        match v {
            Value::Object(m) if !m.is_empty() => self.mapping(m, indent),
            Value::Array(a) if !a.is_empty() => self.sequence(a, indent, ctx),
            Value::Object(_) => self.indicator("{}", true, false, false),
            Value::Array(_) => self.indicator("[]", true, false, false),
            Value::Null => self.scalar("null", Style::Plain, indent, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, indent, ctx),
            Value::Number(n) => self.scalar(&number(n), Style::Plain, indent, ctx),
            Value::String(s) => self.scalar(s, requested_style(s), indent, ctx),
        }
    }

    fn mapping(&mut self, m: &Map<String, Value>, indent: Option<usize>) {
        let indent = indent.map_or(0, |i| i + INDENT);
        let mut keys: Vec<&String> = m.keys().collect();
        keys.sort_by(|a, b| key_order(a, b));
        for k in keys {
            self.write_indent(indent);
            let simple = k.len() <= MAX_SIMPLE_KEY && !analyze(k).multiline;
            if simple {
                self.scalar(k, requested_style(k), Some(indent), Context::SimpleKey);
                self.indicator(":", false, false, false);
            } else {
                self.indicator("?", true, false, true);
                self.scalar(k, requested_style(k), Some(indent), Context::ComplexKey);
                self.write_indent(indent);
                self.indicator(":", true, false, true);
            }
            self.node(&m[k], Some(indent), Context::Value);
        }
    }

    fn sequence(&mut self, a: &[Value], indent: Option<usize>, ctx: Context) {
        // a sequence that is a mapping value is not indented (unless it starts a line)
        let indentless = matches!(ctx, Context::Value | Context::ComplexKey) && !self.indention;
        let indent = match indent {
            None => 0,
            Some(i) if indentless => i,
            Some(i) => i + INDENT,
        };
        for v in a {
            self.write_indent(indent);
            self.indicator("-", true, false, true);
            self.node(v, Some(indent), Context::Item);
        }
    }

    fn scalar(&mut self, s: &str, requested: Style, indent: Option<usize>, ctx: Context) {
        let simple_key = ctx == Context::SimpleKey;
        let style = select_style(s, requested, simple_key);
        let indent = indent.map_or(INDENT, |i| i + INDENT);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, indent, allow_breaks),
            Style::Single => self.single_quoted(s, indent, allow_breaks),
            Style::Double => self.double_quoted(s, indent, allow_breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_space {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                self.indention = false;
                spaces = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn single_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("'", true, false, false);
        let chars: Vec<char> = s.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < chars.len()
                    && !next_space
                {
                    self.write_indent(indent);
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn double_quoted(&mut self, s: &str, indent: usize, allow_breaks: bool) {
        self.indicator("\"", true, false, false);
        // go-yaml checks for a byte order mark at the start of the value, not at each
        // character: a value starting with one has every character escaped
        let bom = s.starts_with('\u{FEFF}');
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let code = c as u32;
                        let escaped = if code <= 0xFF {
                            format!("x{code:02X}")
                        } else if code <= 0xFFFF {
                            format!("u{code:04X}")
                        } else {
                            format!("U{code:08X}")
                        };
                        escaped.chars().for_each(|e| self.put(e));
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < chars.len() {
                    self.write_indent(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.indicator("|", true, false, false);
        if s.starts_with(' ') || s.chars().next().is_some_and(is_break) {
            self.indicator(&INDENT.to_string(), false, false, false);
        }
        let mut rev = s.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(prev)) if is_break(prev) => Some("+"),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.indicator(ch, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent(indent);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

// vela-cue's `yaml.Marshal` emitter (vela-cue/src/builtins/yaml_emit.rs) makes the same kind
// of choice and keeps its own copy on purpose: each reproduces a different Go library byte for
// byte and is compared with it, and their rules differ. Here (`sigs.k8s.io/yaml` on go-yaml
// v2) the quoting follows v2's YAML 1.1 resolver alone (`yes`, `on`, base-60 `1:20`), so `t`,
// `f`, `.Nan` and `1-2` stay plain, and a tab is a special character (no single quotes, no
// literal block). There (CUE v0.14.1 on go-yaml v3) CUE's `shouldQuote` list and time pattern
// quote those too, and a tab still allows a literal block. Only the shape of `analyze`
// (libyaml's scalar analysis) is common.

/// The emitter's final choice (`yaml_emitter_select_scalar_style`).
fn select_style(s: &str, requested: Style, simple_key: bool) -> Style {
    let a = analyze(s);
    let mut style = requested;
    if simple_key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || simple_key) {
        style = Style::Double;
    }
    style
}

/// What go-yaml's scalar analysis allows for a string.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading, mut trailing_space, mut trailing_break) = (false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    let mut preceded_by_ws = true;
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = chars.get(i + 1).is_none_or(|&n| n == ' ' || n == '\t');
        let last = i + 1 == chars.len();
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@'
                | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading |= i == 0;
            trailing_space |= last;
            break_space |= prev_break;
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading |= i == 0;
            trailing_break |= last;
            space_break |= prev_space;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = c == ' ' || c == '\t' || c == '\0' || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading || trailing_space || trailing_break || line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    a
}

/// YAML's line breaks.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's printable set: no tab, no control characters, nothing beyond U+FFFD.
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout_matches_go_yaml_v2() {
        let v = json!({"a": 1, "c": ["x", {"d": 1, "e": [1, 2]}, []], "f": {}, "o": [[1, 2], [3]]});
        assert_eq!(
            marshal(&v),
            "a: 1\nc:\n- x\n- d: 1\n  e:\n  - 1\n  - 2\n- []\nf: {}\no:\n- - 1\n  - 2\n- - 3\n"
        );
        assert_eq!(marshal(&json!({})), "{}\n");
    }

    #[test]
    fn strings_that_cannot_be_plain_are_single_quoted() {
        for (s, want) in [
            ("a: b", "'a: b'"),
            ("#x", "'#x'"),
            ("a #x", "'a #x'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("- x", "'- x'"),
            ("*", "'*'"),
            ("{a}", "'{a}'"),
            ("it's", "it's"),
            ("'q'", "'''q'''"),
            ("a:b", "a:b"),
            ("tab\there", "\"tab\\there\""),
            ("😀", "\"\\U0001F600\""),
            ("é", "é"),
            // plain for go-yaml v2; CUE's `yaml.Marshal` (go-yaml v3 and `shouldQuote`) quotes them
            ("t", "t"),
            (".Nan", ".Nan"),
            ("1-2", "1-2"),
        ] {
            assert_eq!(marshal(&json!({"k": s})), format!("k: {want}\n"), "{s:?}");
        }
        // a tab is special for go-yaml v2: no literal block (v3 writes one)
        assert_eq!(marshal(&json!({"k": "a\tb\nc"})), "k: \"a\\tb\\nc\"\n");
    }

    #[test]
    fn line_breaks_make_literal_blocks() {
        assert_eq!(marshal(&json!({"g": "multi\nline\n"})), "g: |\n  multi\n  line\n");
        assert_eq!(marshal(&json!({"p": ["a\nb"]})), "p:\n- |-\n  a\n  b\n");
        assert_eq!(
            marshal(&json!({"b": "foo\n\n", "c": 1})),
            "b: |+\n  foo\n\nc: 1\n"
        );
        assert_eq!(marshal(&json!({"b": "foo\n\n"})), "b: |+\n  foo\n\n");
        assert_eq!(marshal(&json!({"l": " lead\nx"})), "l: |2-\n   lead\n  x\n");
        assert_eq!(marshal(&json!({"t": "a \nb"})), "t: \"a \\nb\"\n");
    }

    #[test]
    fn long_scalars_fold_after_80_columns() {
        let words = "word ".repeat(30);
        let s = words.trim_end();
        let text = marshal(&json!({"description": s}));
        assert!(text.lines().count() > 1, "{text}");
        assert!(text.lines().skip(1).all(|l| l.starts_with("  word")), "{text}");
        // a folded plain scalar reads back as the same string
        let back: Value = vela_model::yaml::from_str(&text).unwrap();
        assert_eq!(back["description"], s);
        // keys never fold
        let key = "k ".repeat(50);
        assert_eq!(marshal(&json!({key.trim_end(): 1})).lines().count(), 1);
    }
}
