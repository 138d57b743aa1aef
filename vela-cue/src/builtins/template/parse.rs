//! The parser of the `text/template` subset: text, `{{ }}` actions with `-` trim markers and
//! comments, pipelines, variables, `if`/`else if`/`else`, `range`, `with`.

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    /// `range [$i[, $v] :=] pipeline`: the variables, the pipeline, the body, the `else`.
    Range(Vec<String>, Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
}

/// `[$x := | $x =] command | command ...`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Pipeline {
    /// Declared (`:=`) or assigned (`=`) variable.
    pub var: Option<(String, bool)>,
    pub cmds: Vec<Vec<Arg>>,
}

/// One operand of a command.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    /// `.a.b` (empty: `.`).
    Field(Vec<String>),
    /// `$x.a` (`$` is the data).
    Var(String, Vec<String>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    /// A function name.
    Func(String),
    /// `(pipeline)` with fields after it.
    Sub(Box<Pipeline>, Vec<String>),
}

/// Lexer tokens of an action.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Field(Vec<String>),
    Var(String, Vec<String>),
    Str(String),
    Num(String),
    Pipe,
    Open,
    Close(Vec<String>),
    Declare,
    Assign,
    Comma,
}

fn fields_after(chars: &[char], i: &mut usize) -> Vec<String> {
    let mut out = Vec::new();
    while *i < chars.len()
        && chars[*i] == '.'
        && chars
            .get(*i + 1)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
    {
        *i += 1;
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
            *i += 1;
        }
        out.push(chars[start..*i].iter().collect());
    }
    out
}

fn lex(action: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = action.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '|' => {
                out.push(Tok::Pipe);
                i += 1;
            }
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                i += 1;
                out.push(Tok::Close(fields_after(&chars, &mut i)));
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                out.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                out.push(Tok::Assign);
                i += 1;
            }
            '.' => {
                let f = fields_after(&chars, &mut i);
                if f.is_empty() {
                    if chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                        return Err("numbers like .5 are not supported".into());
                    }
                    i += 1;
                }
                out.push(Tok::Field(f));
            }
            '$' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                out.push(Tok::Var(name, fields_after(&chars, &mut i)));
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err("unterminated quoted string".into());
                }
                i += 1;
                let lit: String = chars[start..i].iter().collect();
                let s: String = serde_json::from_str(&lit).map_err(|_| format!("invalid string {lit}"))?;
                out.push(Tok::Str(s));
            }
            '`' => {
                let start = i + 1;
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err("unterminated raw quoted string".into());
                }
                out.push(Tok::Str(chars[start..i].iter().collect()));
                i += 1;
            }
            c if c.is_ascii_digit()
                || ((c == '-' || c == '+') && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '_' | '+' | '-'))
                {
                    if matches!(chars[i], '+' | '-') && !matches!(chars[i - 1], 'e' | 'E') {
                        break;
                    }
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect()));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            c => return Err(format!("unexpected {c:?} in action")),
        }
    }
    Ok(out)
}

/// Parses the tokens of one action into a pipeline.
fn pipeline(toks: &[Tok], pos: &mut usize) -> Result<Pipeline, String> {
    let mut p = Pipeline {
        var: None,
        cmds: Vec::new(),
    };
    if let (Some(Tok::Var(v, f)), Some(t @ (Tok::Declare | Tok::Assign))) =
        (toks.get(*pos), toks.get(*pos + 1))
        && f.is_empty()
    {
        p.var = Some((v.clone(), *t == Tok::Declare));
        *pos += 2;
    }
    let mut cmd = Vec::new();
    while let Some(t) = toks.get(*pos) {
        *pos += 1;
        let arg = match t {
            Tok::Pipe => {
                if cmd.is_empty() {
                    return Err("missing command before |".into());
                }
                p.cmds.push(std::mem::take(&mut cmd));
                continue;
            }
            Tok::Close(_) => {
                *pos -= 1;
                break;
            }
            Tok::Open => {
                let inner = pipeline(toks, pos)?;
                match toks.get(*pos) {
                    Some(Tok::Close(f)) => {
                        *pos += 1;
                        Arg::Sub(Box::new(inner), f.clone())
                    }
                    _ => return Err("unclosed left paren".into()),
                }
            }
            Tok::Field(f) => Arg::Field(f.clone()),
            Tok::Var(v, f) => Arg::Var(v.clone(), f.clone()),
            Tok::Str(s) => Arg::Str(s.clone()),
            Tok::Num(n) => match n.parse::<i64>() {
                Ok(i) => Arg::Int(i),
                Err(_) => Arg::Float(n.parse().map_err(|_| format!("bad number syntax: {n:?}"))?),
            },
            Tok::Word(w) => match w.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                _ => Arg::Func(w.clone()),
            },
            Tok::Declare | Tok::Assign | Tok::Comma => return Err("unexpected := , or = in operand".into()),
        };
        cmd.push(arg);
    }
    if !cmd.is_empty() {
        p.cmds.push(cmd);
    }
    if p.cmds.is_empty() {
        return Err("missing value for command".into());
    }
    Ok(p)
}

fn full_pipeline(action: &str) -> Result<Pipeline, String> {
    let toks = lex(action)?;
    let mut pos = 0;
    let p = pipeline(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err("unexpected \")\" in command".into());
    }
    Ok(p)
}

/// The `range` header: `[$i[, $v] :=] pipeline`.
fn range_header(action: &str) -> Result<(Vec<String>, Pipeline), String> {
    let toks = lex(action)?;
    let decl = toks.iter().position(|t| *t == Tok::Declare);
    let (vars, rest) = match decl {
        Some(d) => {
            let vars: Vec<String> = toks[..d]
                .iter()
                .filter(|t| **t != Tok::Comma)
                .map(|t| match t {
                    Tok::Var(v, f) if f.is_empty() => Ok(v.clone()),
                    _ => Err("range can only initialize variables".to_string()),
                })
                .collect::<Result<_, _>>()?;
            if vars.is_empty() || vars.len() > 2 {
                return Err("too many declarations in range".into());
            }
            (vars, &toks[d + 1..])
        }
        None => (Vec::new(), &toks[..]),
    };
    let mut pos = 0;
    let p = pipeline(rest, &mut pos)?;
    Ok((vars, p))
}

/// The pieces of a template: text, and actions with their trimmed content.
fn split(src: &str) -> Result<Vec<(bool, String)>, String> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("{{") {
        let mut text = rest[..i].to_string();
        let mut inner = &rest[i + 2..];
        if inner.starts_with("- ")
            || inner.starts_with("-\t")
            || inner.starts_with("-\n")
            || inner.starts_with("-\r")
        {
            text = text.trim_end().to_string();
            inner = &inner[1..];
        }
        let end = inner.find("}}").ok_or("unclosed action")?;
        let mut action = &inner[..end];
        let mut after = &inner[end + 2..];
        if action.ends_with(" -")
            || action.ends_with("\t-")
            || action.ends_with("\n-")
            || action.ends_with("\r-")
        {
            action = &action[..action.len() - 1];
            after = after.trim_start();
        }
        if !text.is_empty() {
            out.push((false, text));
        }
        let a = action.trim();
        if !(a.starts_with("/*") && a.ends_with("*/")) {
            out.push((true, a.to_string()));
        }
        rest = after;
    }
    if !rest.is_empty() {
        out.push((false, rest.to_string()));
    }
    Ok(out)
}

/// Parses a whole template.
pub(super) fn parse(src: &str) -> Result<Vec<Node>, String> {
    let pieces = split(src)?;
    let mut pos = 0;
    let (nodes, end) = block(&pieces, &mut pos)?;
    match end {
        None => Ok(nodes),
        Some(e) => Err(format!("unexpected {{{{{e}}}}}")),
    }
}

/// Nodes up to an `{{end}}` or `{{else ...}}` (returned as the terminator).
fn block(pieces: &[(bool, String)], pos: &mut usize) -> Result<(Vec<Node>, Option<String>), String> {
    let mut nodes = Vec::new();
    while let Some((is_action, text)) = pieces.get(*pos) {
        *pos += 1;
        if !is_action {
            nodes.push(Node::Text(text.clone()));
            continue;
        }
        let word = text.split_whitespace().next().unwrap_or_default();
        let rest = text[word.len()..].trim();
        match word {
            "end" => return Ok((nodes, Some("end".into()))),
            "else" => return Ok((nodes, Some(text.clone()))),
            "if" | "with" => nodes.push(control(word, rest, pieces, pos)?),
            "range" => {
                let (vars, p) = range_header(rest)?;
                let (body, end) = block(pieces, pos)?;
                let alt = else_part("range", end, pieces, pos)?;
                nodes.push(Node::Range(vars, p, body, alt));
            }
            "define" | "template" | "block" | "break" | "continue" => {
                return Err(format!(
                    "{{{{{word}}}}} is not supported by vela-cue's text/template"
                ));
            }
            _ => nodes.push(Node::Action(full_pipeline(text)?)),
        }
    }
    Ok((nodes, None))
}

/// `if`/`with` with its body and `else` (an `else if` nests).
fn control(word: &str, header: &str, pieces: &[(bool, String)], pos: &mut usize) -> Result<Node, String> {
    let p = full_pipeline(header)?;
    let (body, end) = block(pieces, pos)?;
    let alt = else_part(word, end, pieces, pos)?;
    Ok(if word == "if" {
        Node::If(p, body, alt)
    } else {
        Node::With(p, body, alt)
    })
}

fn else_part(
    word: &str,
    end: Option<String>,
    pieces: &[(bool, String)],
    pos: &mut usize,
) -> Result<Vec<Node>, String> {
    match end.as_deref() {
        Some("end") => Ok(Vec::new()),
        Some(e) => {
            let rest = e["else".len()..].trim();
            if rest.is_empty() {
                let (alt, end) = block(pieces, pos)?;
                match end.as_deref() {
                    Some("end") => Ok(alt),
                    _ => Err(format!("expected end after else of {word}")),
                }
            } else {
                let w = rest.split_whitespace().next().unwrap_or_default();
                if w != "if" && w != "with" {
                    return Err(format!("unexpected {rest:?} after else"));
                }
                Ok(vec![control(w, rest[w.len()..].trim(), pieces, pos)?])
            }
        }
        None => Err(format!("unexpected EOF: {word} without end")),
    }
}
