//! `yaml.Marshal`'s text, laid out the way CUE v0.14.1 lays it out.
//!
//! CUE turns the value into YAML nodes (quoting every string a YAML 1.1 reader would take for
//! something else: `yes`, `on`, `y`, times, hex numbers) and hands them to the go-yaml v3 emitter
//! with an indent of two and no line width. This module reproduces that layout: block mappings
//! and sequences (a sequence inside a mapping is indented), `{}`/`[]` for empty collections,
//! plain scalars where go-yaml allows them, single quotes where a plain scalar is not allowed,
//! double quotes (with YAML escapes) where single quotes are not allowed either, and literal
//! blocks (`|`, `|-`, `|+`, indentation indicator) for strings with line breaks.

/// A value to marshal: JSON's shapes, with numbers as the text CUE prints for them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    /// A number's text (`1.0`, `1E+10`).
    Num(String),
    Str(String),
    /// Bytes, as their base64 text (written `!!binary <base64>`).
    Binary(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// Width of one indentation level.
const INDENT: usize = 2;
/// Longest key go-yaml writes as a simple `key: value` pair.
const MAX_SIMPLE_KEY: usize = 128;

/// The YAML text of `v`, ending with a newline.
pub(crate) fn marshal(v: &Node) -> String {
    let mut e = Emitter::default();
    match v {
        // a document's block scalar is indented one level
        Node::Str(s) => e.string(s, INDENT, false),
        v => e.value(v, 0),
    }
    if e.col != 0 {
        e.out.push('\n');
    }
    e.out
}

struct Emitter {
    out: String,
    /// Column of the next character (0 at the start of a line).
    col: usize,
    /// Only indentation (and `- ` / `? ` / `: ` indicators) written on this line so far.
    indention: bool,
    /// The last character written was white space.
    whitespace: bool,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            out: String::new(),
            col: 0,
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
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        self.col += s.chars().count();
        self.indention = false;
        self.whitespace = s.ends_with(' ');
    }

    fn push_char(&mut self, c: char) {
        self.out.push(c);
        self.col += 1;
        self.indention = false;
        self.whitespace = c == ' ';
    }

    /// An indicator that keeps the line an indentation line (`- `, `? `, `: ` of a complex key).
    fn indicator(&mut self, s: &str) {
        let indention = self.indention;
        self.push(s);
        self.indention = indention;
    }

    /// A line break: `\n` as a newline, the other YAML breaks written as themselves.
    fn line_break(&mut self, c: char) {
        self.out.push(c);
        self.col = 0;
        self.indention = true;
        self.whitespace = true;
    }

    /// go-yaml's `write_indent`: start a new line unless this one holds only indentation
    /// short of `indent`, then pad to `indent`.
    fn indent_to(&mut self, indent: usize) {
        if !self.indention || self.col > indent || (self.col == indent && !self.whitespace) {
            self.line_break('\n');
        }
        while self.col < indent {
            self.out.push(' ');
            self.col += 1;
        }
        self.indention = true;
        self.whitespace = true;
    }

    /// A value whose first line continues the current one (after `key:` or `- `); block
    /// content is at `indent`.
    fn value(&mut self, v: &Node, indent: usize) {
        match v {
            Node::Map(m) if !m.is_empty() => self.mapping(m, indent),
            Node::Seq(a) if !a.is_empty() => self.sequence(a, indent),
            Node::Map(_) => self.push("{}"),
            Node::Seq(_) => self.push("[]"),
            Node::Null => self.push("null"),
            Node::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Node::Num(n) => self.push(n),
            Node::Binary(b) => {
                self.push("!!binary ");
                self.push(b);
            }
            Node::Str(s) => self.string(s, indent, false),
        }
    }

    fn mapping(&mut self, m: &[(String, Node)], indent: usize) {
        for (i, (k, v)) in m.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            let simple = k.len() <= MAX_SIMPLE_KEY && !k.chars().any(is_break);
            if simple {
                self.string(k, indent, true);
                self.push_char(':');
            } else {
                // go-yaml's explicit key: `? key` on its own line, then `: value`
                self.indicator("? ");
                self.string(k, indent + INDENT, false);
                self.indent_to(indent);
                self.indicator(":");
            }
            match v {
                Node::Map(o) if !o.is_empty() => {
                    self.indent_to(indent + INDENT);
                    self.mapping(o, indent + INDENT);
                }
                Node::Seq(a) if !a.is_empty() => {
                    self.indent_to(indent + INDENT);
                    self.sequence(a, indent + INDENT);
                }
                _ => {
                    self.push_char(' ');
                    self.value(v, indent + INDENT);
                }
            }
        }
    }

    fn sequence(&mut self, a: &[Node], indent: usize) {
        for (i, v) in a.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            self.indicator("- ");
            self.value(v, indent + INDENT);
        }
    }

    fn string(&mut self, s: &str, indent: usize, key: bool) {
        match select_style(s, key) {
            Style::Plain => self.push(s),
            Style::Single => self.single_quoted(s, indent),
            Style::Double => self.double_quoted(s),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn single_quoted(&mut self, s: &str, indent: usize) {
        self.push_char('\'');
        let mut breaks = false;
        for c in s.chars() {
            if is_break(c) {
                if !breaks && c == '\n' {
                    self.line_break('\n');
                }
                self.line_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                if c == '\'' {
                    self.push("''");
                } else {
                    self.push_char(c);
                }
                breaks = false;
            }
        }
        self.push_char('\'');
    }

    fn double_quoted(&mut self, s: &str) {
        self.push_char('"');
        for c in s.chars() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.push_char('\\');
                match c {
                    '\0' => self.push_char('0'),
                    '\u{7}' => self.push_char('a'),
                    '\u{8}' => self.push_char('b'),
                    '\t' => self.push_char('t'),
                    '\n' => self.push_char('n'),
                    '\u{b}' => self.push_char('v'),
                    '\u{c}' => self.push_char('f'),
                    '\r' => self.push_char('r'),
                    '\u{1b}' => self.push_char('e'),
                    '"' => self.push_char('"'),
                    '\\' => self.push_char('\\'),
                    '\u{85}' => self.push_char('N'),
                    '\u{a0}' => self.push_char('_'),
                    '\u{2028}' => self.push_char('L'),
                    '\u{2029}' => self.push_char('P'),
                    c if (c as u32) <= 0xFF => self.push(&format!("x{:02X}", c as u32)),
                    c if (c as u32) <= 0xFFFF => self.push(&format!("u{:04X}", c as u32)),
                    c => self.push(&format!("U{:08X}", c as u32)),
                }
            } else {
                self.push_char(c);
            }
        }
        self.push_char('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.push_char('|');
        let mut chars = s.chars();
        if chars.next().is_some_and(|c| c == ' ' || is_break(c)) {
            self.push(&INDENT.to_string());
        }
        let mut rev = s.chars().rev();
        match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => self.push_char('-'),
            (Some(_), None) => self.push_char('+'),
            (Some(_), Some(prev)) if is_break(prev) => self.push_char('+'),
            (None, _) => self.push_char('-'),
            _ => {}
        }
        let mut breaks = true;
        for c in s.chars() {
            if is_break(c) {
                self.line_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                self.push_char(c);
                breaks = false;
            }
        }
    }
}

// vela-render's KubeVela printer (vela-render/src/ops/goyaml/) makes the same kind of choice
// and keeps its own copy on purpose: each reproduces a different Go library byte for byte and
// is compared with it, and their rules differ. Here (CUE v0.14.1 on go-yaml v3) CUE's
// `shouldQuote` decides first and also quotes `t`, `f`, `.Nan` and anything shaped like a time
// (`1-2`, `2024-1-1`), which go-yaml v2 writes plain; a tab still allows a literal block,
// where v2 falls back to double quotes. There (`sigs.k8s.io/yaml` on go-yaml v2) YAML 1.1's
// readings (`yes`, `on`, base-60 `1:20`) are v2's own resolver's. Only the shape of `analyze`
// (libyaml's scalar analysis) is common.

/// go-yaml's choice of style for a string, after CUE's own quoting rule.
fn select_style(s: &str, key: bool) -> Style {
    let requested = if cue_should_quote(s) {
        Style::Double
    } else if s.contains('\n') && !key {
        Style::Literal
    } else if !resolves_to_str(s) {
        Style::Double
    } else {
        Style::Plain
    };
    let a = analyze(s);
    let mut style = requested;
    if key && a.multiline {
        style = Style::Double;
    }
    if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && key)) {
        style = Style::Single;
    }
    if style == Style::Single && !a.single_quoted_allowed {
        style = Style::Double;
    }
    if style == Style::Literal && (!a.block_allowed || key) {
        style = Style::Double;
    }
    style
}

/// CUE's `shouldQuote`: YAML 1.1 booleans and similar words, and strings that look like a
/// time, a date, a base-60 number or a hex number.
fn cue_should_quote(s: &str) -> bool {
    const LEGACY: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "t", "T", "f", "F", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".Nan",
    ];
    LEGACY.contains(&s) || looks_like_time(s) || looks_like_hex(s)
}

/// `^[\-+0-9:\. \t]+([-:]|[tT])[\-+0-9:\. \t]+[zZ]?$`
fn looks_like_time(s: &str) -> bool {
    let body = s.strip_suffix(['z', 'Z']).unwrap_or(s);
    let class = |c: char| matches!(c, '-' | '+' | '0'..='9' | ':' | '.' | ' ' | '\t');
    // some split point whose separator is `-`, `:`, `t` or `T` with class characters on both sides
    let chars: Vec<char> = body.chars().collect();
    let try_split = |chars: &[char]| {
        (1..chars.len().saturating_sub(1)).any(|i| {
            matches!(chars[i], '-' | ':' | 't' | 'T')
                && chars[..i].iter().all(|&c| class(c))
                && chars[i + 1..].iter().all(|&c| class(c))
        })
    };
    try_split(&chars)
}

/// `^0x[a-fA-F0-9]+$`
fn looks_like_hex(s: &str) -> bool {
    s.strip_prefix("0x")
        .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether go-yaml v3 reads `s`, written plain, back as a string (otherwise it quotes it).
fn resolves_to_str(s: &str) -> bool {
    let Some(first) = s.bytes().next() else {
        return false; // null
    };
    const MAPPED: &[&str] = &[
        "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL", ".nan", ".NaN",
        ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    ];
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => !MAPPED.contains(&s),
        b'.' => !MAPPED.contains(&s) && s.parse::<f64>().is_err(),
        b'+' | b'-' | b'0'..=b'9' => !MAPPED.contains(&s) && !is_yaml_number_or_time(s),
        _ => true,
    }
}

/// go-yaml v3's int/float/timestamp resolution for a plain scalar starting with a sign or digit.
fn is_yaml_number_or_time(s: &str) -> bool {
    if is_timestamp(s) {
        return true;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if go_parse_int(&plain) {
        return true;
    }
    if is_yaml_float(&plain) {
        return true;
    }
    for (prefix, radix) in [("0b", 2), ("-0b", 2), ("0o", 8), ("-0o", 8)] {
        if let Some(d) = plain.strip_prefix(prefix) {
            return !d.is_empty() && u64::from_str_radix(d, radix).is_ok();
        }
    }
    false
}

/// Go's `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeding (underscores removed).
fn go_parse_int(s: &str) -> bool {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (digits, radix) = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (h, 16)
    } else if let Some(b) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (b, 2)
    } else if let Some(o) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (o, 8)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return false;
    }
    // ParseInt fits in i64, ParseUint in u64: any u64 fits unless negative beyond i64::MIN
    u64::from_str_radix(digits, radix).is_ok_and(|v| !neg || v <= 1 << 63)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (and within f64 range).
fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mant, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mant),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mant_ok && exp_ok && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// go-yaml's timestamp check: `YYYY-` then one of its accepted layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some((&s[i..i + 1], &s[i + 1..]))),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let num = |x: &str, max: u32| {
        (1..=2).contains(&x.len())
            && x.bytes().all(|c| c.is_ascii_digit())
            && x.parse::<u32>().is_ok_and(|v| v >= 1 && v <= max)
    };
    if y.len() != 4 || !num(m, 12) || !num(d, 31) {
        return false;
    }
    let Some((sep, t)) = time else {
        return true;
    };
    // `15:4:5.999999999` then `Z07:00` (required after T/t, absent after a space)
    let (clock, zone) = if sep == " " {
        (t, "")
    } else {
        match t.find(['Z', '+', '-']) {
            Some(i) => (&t[..i], &t[i..]),
            None => return false,
        }
    };
    let (hms, frac) = match clock.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (clock, None),
    };
    let mut c = hms.split(':');
    let (Some(h), Some(mi), Some(se), None) = (c.next(), c.next(), c.next(), c.next()) else {
        return false;
    };
    let num0 = |x: &str, max: u32| {
        (1..=2).contains(&x.len())
            && x.bytes().all(|c| c.is_ascii_digit())
            && x.parse::<u32>().is_ok_and(|v| v <= max)
    };
    if !num0(h, 23) || !num0(mi, 59) || !num0(se, 59) {
        return false;
    }
    if frac.is_some_and(|f| f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit())) {
        return false;
    }
    match zone {
        "" | "Z" => true,
        z => {
            let z = &z[1..];
            z.len() == 5 && z.as_bytes()[2] == b':' && num0(&z[..2], 23) && num0(&z[3..], 59)
        }
    }
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
    let (mut line_breaks, mut special, mut tabs) = (false, false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
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
        if c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= prev_break;
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= prev_space;
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = c == ' ' || c == '\t' || is_break(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || tabs || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// YAML's line breaks.
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's printable set (4-byte UTF-8 characters are not in it).
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value as Json, json};

    fn node(j: &Json) -> Node {
        match j {
            Json::Null => Node::Null,
            Json::Bool(b) => Node::Bool(*b),
            Json::Number(n) => Node::Num(n.to_string()),
            Json::String(s) => Node::Str(s.clone()),
            Json::Array(a) => Node::Seq(a.iter().map(node).collect()),
            Json::Object(m) => Node::Map(m.iter().map(|(k, v)| (k.clone(), node(v))).collect()),
        }
    }

    fn marshal(j: &Json) -> String {
        super::marshal(&node(j))
    }

    #[test]
    fn nested_collections_are_laid_out_like_go_yaml() {
        let v = json!({"a": 1, "c": ["x", {"d": 1, "e": [1, 2]}, []], "f": {}, "o": [[1, 2], [3]]});
        assert_eq!(
            marshal(&v),
            "a: 1\nc:\n  - x\n  - d: 1\n    e:\n      - 1\n      - 2\n  - []\n\"f\": {}\no:\n  - - 1\n    - 2\n  - - 3\n"
        );
    }

    #[test]
    fn strings_get_go_yaml_styles() {
        let cases = [
            ("yes", "\"yes\""),
            ("1.5", "\"1.5\""),
            ("", "\"\""),
            ("a: b", "'a: b'"),
            ("  lead", "'  lead'"),
            ("tab\there", "\"tab\\there\""),
            ("#x", "'#x'"),
            ("0644", "\"0644\""),
            ("12:30", "\"12:30\""),
            ("2001-12-14", "\"2001-12-14\""),
            ("1_000", "\"1_000\""),
            ("0o17", "\"0o17\""),
            ("a'b", "a'b"),
            ("- x", "'- x'"),
            ("-", "'-'"),
            ("x:y", "x:y"),
            ("é", "é"),
            ("😀", "\"\\U0001F600\""),
            // CUE's `shouldQuote`: go-yaml v2 (vela-render's goyaml) writes these plain
            ("t", "\"t\""),
            (".Nan", "\".Nan\""),
            ("1-2", "\"1-2\""),
        ];
        for (s, want) in cases {
            assert_eq!(marshal(&json!(s)), format!("{want}\n"), "{s:?}");
        }
        // a tab allows a literal block in go-yaml v3 (v2 double-quotes it)
        assert_eq!(marshal(&json!({"k": "a\tb\nc"})), "k: |-\n  a\tb\n  c\n");
    }

    #[test]
    fn line_breaks_make_literal_blocks_with_chomping_and_indent_hints() {
        assert_eq!(marshal(&json!({"g": "multi\nline\n"})), "g: |\n  multi\n  line\n");
        assert_eq!(marshal(&json!({"p": "a\nb"})), "p: |-\n  a\n  b\n");
        assert_eq!(
            marshal(&json!({"b": "foo\n\n", "c": 1})),
            "b: |+\n  foo\n\nc: 1\n"
        );
        assert_eq!(marshal(&json!(" lead\nx\n\n")), "|2+\n   lead\n  x\n\n");
        // a trailing space rules out a block: double quotes
        assert_eq!(marshal(&json!("a \nb")), "\"a \\nb\"\n");
    }
}
