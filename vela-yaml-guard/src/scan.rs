//! The scanner behind [`crate::check_flow_depth`]: one pass over the bytes, following YAML only
//! as far as needed to find flow collections (see the crate documentation).

/// Where the flow nesting of `bytes` first exceeds `max`: the 1-based line and column of the
/// bracket that opens level `max + 1`, or `None` when it never does.
pub(crate) fn too_deep(bytes: &[u8], max: usize) -> Option<(usize, usize)> {
    Scan {
        bytes,
        at: 0,
        line: 1,
        line_start: 0,
        max,
    }
    .run()
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
    line_start: usize,
    max: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// Moves one byte on, counting lines.
    fn bump(&mut self) {
        if self.peek() == Some(b'\n') {
            self.line += 1;
            self.line_start = self.at + 1;
        }
        self.at += 1;
    }

    fn position(&self) -> (usize, usize) {
        let col = String::from_utf8_lossy(&self.bytes[self.line_start..self.at])
            .chars()
            .count();
        (self.line, col + 1)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.bump();
        }
    }

    fn skip_to_line_end(&mut self) {
        while !matches!(self.peek(), None | Some(b'\n')) {
            self.bump();
        }
    }

    /// Indentation (spaces) of the line the scan is on.
    fn indent_of_line(&self) -> usize {
        self.bytes[self.line_start..]
            .iter()
            .take_while(|b| **b == b' ')
            .count()
    }

    fn run(mut self) -> Option<(usize, usize)> {
        while self.peek().is_some() {
            // a line in block context: indentation, then a node may start
            self.skip_spaces();
            if self.bytes[self.at..].starts_with(b"---") || self.bytes[self.at..].starts_with(b"...") {
                self.at += 3;
            }
            if let Some(deep) = self.node() {
                return Some(deep);
            }
            self.skip_to_line_end();
            self.bump();
        }
        None
    }

    /// At a place where a node may start (block context): skips node properties and
    /// indicators, then a flow collection, a quoted scalar, a block scalar or a plain scalar up
    /// to a `: ` that starts the next node.
    fn node(&mut self) -> Option<(usize, usize)> {
        loop {
            self.skip_spaces();
            match self.peek() {
                None | Some(b'\n' | b'#') => return None,
                Some(b'-' | b'?' | b':') if matches!(self.peek_at(1), None | Some(b' ' | b'\t' | b'\n')) => {
                    self.bump();
                }
                Some(b'&' | b'!' | b'*') => {
                    while !matches!(self.peek(), None | Some(b' ' | b'\t' | b'\n')) {
                        self.bump();
                    }
                }
                Some(b'[' | b'{') => {
                    if self.flow().is_some() {
                        return Some(self.position());
                    }
                    // (a flow collection may be a key: `[a]: [...]`)
                }
                Some(q @ (b'"' | b'\'')) => {
                    self.quoted(q);
                }
                Some(b'|' | b'>') => {
                    self.block_scalar();
                    return None;
                }
                Some(_) => {
                    // a plain scalar (or key): on to `: `, after which a node starts
                    loop {
                        match self.peek() {
                            None | Some(b'\n') => return None,
                            Some(b':') if matches!(self.peek_at(1), None | Some(b' ' | b'\t' | b'\n')) => {
                                self.bump();
                                break;
                            }
                            Some(b' ' | b'\t') if self.peek_at(1) == Some(b'#') => return None,
                            Some(_) => self.bump(),
                        }
                    }
                }
            }
        }
    }

    /// A flow collection from its opening bracket: `None` when it closes (or the text ends)
    /// within the budget, `Some(())` with the scan on the bracket that goes too deep.
    ///
    /// A quote opens a quoted scalar only where a node starts (after a bracket, `,`, `:` or
    /// `?`): `a'b` is a plain scalar. A `#` after white space starts a comment.
    fn flow(&mut self) -> Option<()> {
        let mut depth = 0usize;
        let mut node_start = true;
        let mut after_space = false;
        while let Some(b) = self.peek() {
            match b {
                b'[' | b'{' => {
                    depth += 1;
                    if depth > self.max {
                        return Some(());
                    }
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.bump();
                        return None;
                    }
                }
                b'"' | b'\'' if node_start => {
                    self.quoted(b);
                    node_start = false;
                    after_space = false;
                    continue;
                }
                b'#' if after_space => {
                    self.skip_to_line_end();
                    continue;
                }
                _ => {}
            }
            let space = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
            if !space {
                node_start = matches!(b, b'[' | b'{' | b',' | b':' | b'?');
            }
            after_space = space;
            self.bump();
        }
        None
    }

    /// A quoted scalar from its opening quote to past its closing one (or the end of text).
    fn quoted(&mut self, quote: u8) {
        self.bump();
        while let Some(b) = self.peek() {
            self.bump();
            if quote == b'"' && b == b'\\' {
                self.bump();
            } else if b == quote {
                if quote == b'\'' && self.peek() == Some(b'\'') {
                    self.bump();
                } else {
                    return;
                }
            }
        }
    }

    /// A block scalar from its indicator: its content lines are the following blank lines and
    /// lines indented more than the line of the indicator.
    fn block_scalar(&mut self) {
        let indent = self.indent_of_line();
        self.skip_to_line_end();
        while self.peek() == Some(b'\n') {
            let next = self.at + 1;
            let rest = &self.bytes[next..];
            let spaces = rest.iter().take_while(|b| **b == b' ').count();
            let blank = matches!(rest.get(spaces), None | Some(b'\n' | b'\r'));
            if !blank && spaces <= indent {
                return;
            }
            self.bump();
            self.skip_to_line_end();
        }
    }
}

#[cfg(test)]
mod tests {
    fn too_deep(text: &str, max: usize) -> Option<(usize, usize)> {
        super::too_deep(text.as_bytes(), max)
    }

    #[test]
    fn finds_deep_flow_collections() {
        let deep = format!("a: {}", "[".repeat(65));
        assert_eq!(too_deep(&deep, 64), Some((1, 68)));
        assert_eq!(
            too_deep(&format!("{}{}", "[".repeat(64), "]".repeat(64)), 64),
            None
        );
        let nested = format!("- x\n- k: {}1{}\n", "{a: ".repeat(70), "}".repeat(70));
        assert_eq!(too_deep(&nested, 64).map(|p| p.0), Some(2));
        // after an anchor, a tag, `---` and inside a sequence entry
        for text in ["a: &x [[[", "a: !!seq [[[", "--- [[[", "- - [[["] {
            assert!(too_deep(text, 2).is_some(), "{text}");
        }
    }

    #[test]
    fn brackets_outside_flow_collections_do_not_count() {
        let texts = [
            // plain scalars, quoted scalars, comments
            "a: x[[[[[\nb: '[[[[[['\nc: \"[[[[\\\"[[[\"\n# [[[[[[\n",
            // a block scalar (a CUE template) full of braces
            "t: |\n  {{{{{{\n    [[[[[[\n\n  }\nu: 1\n",
            // quotes and comments inside a flow collection
            "a: [\"[[[[\", '[[[[', 'it''s [[[' # [[[[\n  , b]\n",
            "a: {\"k\":\"[[[\", 'q': '{{{'}\n",
            // an apostrophe in a plain scalar does not start a quoted one
            "a: don't\nb: [1]\n",
        ];
        for text in texts {
            assert_eq!(too_deep(text, 2), None, "{text}");
        }
        // ... and cannot hide a deep collection after it
        assert!(too_deep("a: don't\nb: [[[[\n", 2).is_some());
        assert!(too_deep("t: |\n  x\nb: [[[[\n", 2).is_some());
        // a quote inside a plain scalar of a flow collection, a collection as a key, `,#`
        assert!(too_deep("a: [b'c, [[[[\n", 2).is_some());
        assert!(too_deep("[a]: [[[[\n", 2).is_some());
        assert!(too_deep("a: [b,# [[[[\n", 2).is_some());
    }

    proptest::proptest! {
        /// Any text: no panic, and a position inside the text when it reports one.
        #[test]
        fn never_panics(text in "[\\[\\]{}'\"#:,|>&!*? a\n-]{0,200}") {
            if let Some((line, column)) = too_deep(&text, 3) {
                proptest::prop_assert!(line >= 1 && line <= text.lines().count().max(1));
                proptest::prop_assert!(column >= 1);
            }
        }

        /// JSON (flow style) nested `depth` deep is refused exactly when it is deeper than the
        /// budget, whatever the keys and strings hold.
        #[test]
        fn json_depth_is_exact(depth in 1usize..80, key in "[\\[\\]{}'\"a-z #:,]{0,8}") {
            let mut v = serde_json::json!(key.clone());
            for i in 0..depth {
                v = if i % 2 == 0 { serde_json::json!([v, key.clone()]) } else { serde_json::json!({key.clone(): v}) };
            }
            let text = format!("value: {v}\n");
            proptest::prop_assert_eq!(too_deep(&text, 64).is_some(), depth > 64, "{}", text);
        }
    }
}
