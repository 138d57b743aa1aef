//! Execution of a parsed template over the data, with Go's printing (`fmt.Sprint`) of the
//! values CUE's `Decode` gives: `int64`, `float64`, `string`, `bool`, `nil`, slices and maps.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::parse::{Arg, Node, Pipeline};
use crate::eval::Ctx;
use crate::num::{GoFormat, format_go_float};
use crate::value::Val;

/// A value of the template's world.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Data {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Data>),
    Map(BTreeMap<String, Data>),
}

impl Data {
    /// The data of a CUE value (must be concrete), as CUE decodes it into `interface{}`.
    pub(crate) fn from_val(ctx: &Ctx, v: &Val) -> Result<Data, String> {
        let mut budget = ctx.limits.max_output;
        let j = ctx.export(v, "", &mut budget).map_err(|e| e.to_string())?;
        Ok(Data::from_json(&j))
    }

    fn from_json(j: &serde_json::Value) -> Data {
        use serde_json::Value as J;
        match j {
            J::Null => Data::Nil,
            J::Bool(b) => Data::Bool(*b),
            J::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Data::Int(i.into()),
                (_, Some(u)) => Data::Int(u.into()),
                _ => Data::Float(n.as_f64().unwrap_or(0.0)),
            },
            J::String(s) => Data::Str(s.clone()),
            J::Array(a) => Data::List(a.iter().map(Data::from_json).collect()),
            J::Object(m) => Data::Map(m.iter().map(|(k, v)| (k.clone(), Data::from_json(v))).collect()),
        }
    }

    /// Go's truth of a value in `if`, `with`, `and`, `or`, `not`.
    fn truth(&self) -> bool {
        match self {
            Data::Nil => false,
            Data::Bool(b) => *b,
            Data::Int(i) => *i != 0,
            Data::Float(f) => *f != 0.0,
            Data::Str(s) => !s.is_empty(),
            Data::List(l) => !l.is_empty(),
            Data::Map(m) => !m.is_empty(),
        }
    }

    fn is_string(&self) -> bool {
        matches!(self, Data::Str(_))
    }
}

/// `fmt.Sprint` of one value (`%v`).
fn show(d: &Data) -> String {
    match d {
        Data::Nil => "<nil>".into(),
        Data::Bool(b) => b.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => format_go_float(*f, GoFormat::General(false), -1, false),
        Data::Str(s) => s.clone(),
        Data::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(" ")),
        Data::Map(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", show(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// `fmt.Sprint(args...)`: a space between operands when neither is a string.
fn sprint(args: &[Data]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !a.is_string() && !args[i - 1].is_string() {
            out.push(' ');
        }
        out.push_str(&show(a));
    }
    out
}

/// `fmt.Sprintf` for the verbs `%v %s %d %q %t %f %g %e %x %X %o %b %c %%` with flags
/// `-`, `0`, `+`, width and precision.
fn sprintf(format: &str, args: &[Data]) -> Result<String, String> {
    let mut out = String::new();
    let mut it = format.chars().peekable();
    let mut next = args.iter();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let (mut minus, mut zero, mut plus) = (false, false, false);
        while let Some(f) = it
            .peek()
            .copied()
            .filter(|f| matches!(f, '-' | '0' | '+' | ' ' | '#'))
        {
            match f {
                '-' => minus = true,
                '0' => zero = true,
                '+' => plus = true,
                _ => {}
            }
            it.next();
        }
        let mut width = String::new();
        while let Some(d) = it.peek().copied().filter(char::is_ascii_digit) {
            width.push(d);
            it.next();
        }
        let mut prec: Option<usize> = None;
        if it.peek() == Some(&'.') {
            it.next();
            let mut p = String::new();
            while let Some(d) = it.peek().copied().filter(char::is_ascii_digit) {
                p.push(d);
                it.next();
            }
            prec = Some(p.parse().unwrap_or(0));
        }
        let verb = it.next().ok_or("missing verb")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = next.next() else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        let body = match (verb, arg) {
            ('v' | 's', Data::Str(s)) => match prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            },
            ('v', d) => show(d),
            ('d', Data::Int(i)) => {
                if plus && *i >= 0 {
                    format!("+{i}")
                } else {
                    i.to_string()
                }
            }
            ('x', Data::Int(i)) => format!("{:x}", i),
            ('X', Data::Int(i)) => format!("{:X}", i),
            ('o', Data::Int(i)) => format!("{:o}", i),
            ('b', Data::Int(i)) => format!("{:b}", i),
            ('c', Data::Int(i)) => u32::try_from(*i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{FFFD}')
                .to_string(),
            ('x', Data::Str(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('X', Data::Str(s)) => s.bytes().map(|b| format!("{b:02X}")).collect(),
            ('q', Data::Str(s)) => {
                super::super::go_unicode::quote(s, '"', super::super::go_unicode::Keep::Print)
            }
            ('t', Data::Bool(b)) => b.to_string(),
            ('f' | 'F', Data::Float(f)) => {
                format_go_float(*f, GoFormat::Fixed, prec.unwrap_or(6) as i32, false)
            }
            ('e', Data::Float(f)) => {
                format_go_float(*f, GoFormat::Exp(false), prec.unwrap_or(6) as i32, false)
            }
            ('E', Data::Float(f)) => {
                format_go_float(*f, GoFormat::Exp(true), prec.unwrap_or(6) as i32, false)
            }
            ('g', Data::Float(f)) => {
                format_go_float(*f, GoFormat::General(false), prec.map_or(-1, |p| p as i32), false)
            }
            ('G', Data::Float(f)) => {
                format_go_float(*f, GoFormat::General(true), prec.map_or(-1, |p| p as i32), false)
            }
            (v, d) => format!("%!{v}({}={})", type_name(d), show(d)),
        };
        let body = if plus && matches!(arg, Data::Float(f) if *f >= 0.0) && matches!(verb, 'f' | 'e' | 'g') {
            format!("+{body}")
        } else {
            body
        };
        let w: usize = width.parse().unwrap_or(0);
        let n = body.chars().count();
        if n >= w {
            out.push_str(&body);
        } else if minus {
            out.push_str(&body);
            out.push_str(&" ".repeat(w - n));
        } else if zero && matches!(arg, Data::Int(_) | Data::Float(_)) {
            let (sign, digits) = match body.strip_prefix(['-', '+']) {
                Some(d) => (&body[..1], d),
                None => ("", body.as_str()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(w - n));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(w - n));
            out.push_str(&body);
        }
    }
    if let Some(extra) = next.next() {
        let _ = write!(out, "%!(EXTRA {}={})", type_name(extra), show(extra));
    }
    Ok(out)
}

fn type_name(d: &Data) -> &'static str {
    match d {
        Data::Nil => "<nil>",
        Data::Bool(_) => "bool",
        Data::Int(_) => "int",
        Data::Float(_) => "float64",
        Data::Str(_) => "string",
        Data::List(_) => "[]interface {}",
        Data::Map(_) => "map[string]interface {}",
    }
}

/// Go's `template.HTMLEscapeString`.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(crate) fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' | '>' | '&' | '=' => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if (c as u32) < 0x80 && !(' '..='~').contains(&c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if (c as u32) >= 0x80 && !super::super::go_unicode::is_print(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The variables in scope, innermost last (`$` is the data).
struct Scope {
    vars: Vec<(String, Data)>,
}

impl Scope {
    fn get(&self, name: &str) -> Result<Data, String> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("undefined variable: {name}"))
    }
}

/// `x.a.b`: a missing key of a map is `nil` (printed `<no value>`).
fn select(mut d: Data, fields: &[String]) -> Result<Data, String> {
    for f in fields {
        d = match d {
            Data::Map(m) => m.get(f).cloned().unwrap_or(Data::Nil),
            Data::Nil => return Err(format!("nil pointer evaluating interface {{}}.{f}")),
            other => return Err(format!("can't evaluate field {f} in type {}", type_name(&other))),
        };
    }
    Ok(d)
}

fn compare(a: &Data, b: &Data) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Data::Int(x), Data::Int(y)) => Ok(x.cmp(y)),
        (Data::Float(x), Data::Float(y)) => x.partial_cmp(y).ok_or_else(|| "invalid comparison".into()),
        (Data::Str(x), Data::Str(y)) => Ok(x.cmp(y)),
        (Data::Bool(x), Data::Bool(y)) if x == y => Ok(std::cmp::Ordering::Equal),
        (Data::Bool(_), Data::Bool(_)) => Err("invalid type for comparison".into()),
        _ => Err("incompatible types for comparison".into()),
    }
}

/// Runs the template `nodes` over `data`; the output may not exceed `max` bytes.
pub(crate) fn run(nodes: &[Node], data: &Data, max: usize) -> Result<String, String> {
    let mut ex = Exec {
        out: String::new(),
        max,
        scope: Scope {
            vars: vec![("$".into(), data.clone())],
        },
    };
    ex.nodes(nodes, data)?;
    Ok(ex.out)
}

struct Exec {
    out: String,
    max: usize,
    scope: Scope,
}

impl Exec {
    fn emit(&mut self, s: &str) -> Result<(), String> {
        if self.out.len() + s.len() > self.max {
            return Err(format!("output larger than {} bytes", self.max));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn nodes(&mut self, nodes: &[Node], dot: &Data) -> Result<(), String> {
        for n in nodes {
            match n {
                Node::Text(t) => self.emit(t)?,
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    if p.var.is_none() {
                        let text = if v == Data::Nil {
                            "<no value>".to_string()
                        } else {
                            show(&v)
                        };
                        self.emit(&text)?;
                    }
                }
                Node::If(p, body, alt) => {
                    let mark = self.scope.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let r = self.nodes(if v.truth() { body } else { alt }, dot);
                    self.scope.vars.truncate(mark);
                    r?;
                }
                Node::With(p, body, alt) => {
                    let mark = self.scope.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let r = if v.truth() {
                        self.nodes(body, &v)
                    } else {
                        self.nodes(alt, dot)
                    };
                    self.scope.vars.truncate(mark);
                    r?;
                }
                Node::Range(vars, p, body, alt) => {
                    let mark = self.scope.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let items: Vec<(Data, Data)> = match v {
                        Data::List(l) => l
                            .into_iter()
                            .enumerate()
                            .map(|(i, x)| (Data::Int(i as i128), x))
                            .collect(),
                        Data::Map(m) => m.into_iter().map(|(k, x)| (Data::Str(k), x)).collect(),
                        Data::Int(n) => (0..n.max(0)).map(|i| (Data::Int(i), Data::Int(i))).collect(),
                        Data::Nil => Vec::new(),
                        other => return Err(format!("range can't iterate over {}", show(&other))),
                    };
                    if items.is_empty() {
                        self.nodes(alt, dot)?;
                    }
                    for (k, x) in items {
                        let inner = self.scope.vars.len();
                        match vars.as_slice() {
                            [v] => self.scope.vars.push((v.clone(), x.clone())),
                            [i, v] => {
                                self.scope.vars.push((i.clone(), k));
                                self.scope.vars.push((v.clone(), x.clone()));
                            }
                            _ => {}
                        }
                        let r = self.nodes(body, &x);
                        self.scope.vars.truncate(inner);
                        r?;
                    }
                    self.scope.vars.truncate(mark);
                }
            }
        }
        Ok(())
    }

    fn pipeline(&mut self, p: &Pipeline, dot: &Data) -> Result<Data, String> {
        let mut value: Option<Data> = None;
        for cmd in &p.cmds {
            value = Some(self.command(cmd, dot, value)?);
        }
        let v = value.unwrap_or(Data::Nil);
        if let Some((name, declare)) = &p.var {
            if *declare {
                self.scope.vars.push((name.clone(), v.clone()));
            } else {
                let slot = self.scope.vars.iter_mut().rev().find(|(n, _)| n == name);
                match slot {
                    Some(s) => s.1 = v.clone(),
                    None => return Err(format!("undefined variable: {name}")),
                }
            }
        }
        Ok(v)
    }

    fn arg(&mut self, a: &Arg, dot: &Data) -> Result<Data, String> {
        Ok(match a {
            Arg::Field(f) => select(dot.clone(), f)?,
            Arg::Var(v, f) => select(self.scope.get(v)?, f)?,
            Arg::Str(s) => Data::Str(s.clone()),
            Arg::Int(i) => Data::Int((*i).into()),
            Arg::Float(f) => Data::Float(*f),
            Arg::Bool(b) => Data::Bool(*b),
            Arg::Nil => return Err("nil is not a command".into()),
            Arg::Func(f) => self.call(f, &[], dot)?,
            Arg::Sub(p, f) => {
                let v = self.pipeline(p, dot)?;
                select(v, f)?
            }
        })
    }

    fn command(&mut self, cmd: &[Arg], dot: &Data, piped: Option<Data>) -> Result<Data, String> {
        match cmd.first() {
            Some(Arg::Func(f)) => {
                let mut args = Vec::new();
                for a in &cmd[1..] {
                    args.push(self.arg(a, dot)?);
                }
                if let Some(p) = piped {
                    args.push(p);
                }
                self.call(f, &args, dot)
            }
            Some(a) if cmd.len() == 1 && piped.is_none() => self.arg(a, dot),
            Some(_) if piped.is_some() => Err("can't give argument to non-function".into()),
            _ => Err("can't give argument to non-function".into()),
        }
    }

    fn call(&mut self, f: &str, args: &[Data], _dot: &Data) -> Result<Data, String> {
        let want = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "wrong number of args for {f}: want {n} got {}",
                    args.len()
                ))
            }
        };
        Ok(match f {
            "and" => args
                .iter()
                .find(|a| !a.truth())
                .or(args.last())
                .cloned()
                .unwrap_or(Data::Nil),
            "or" => args
                .iter()
                .find(|a| a.truth())
                .or(args.last())
                .cloned()
                .unwrap_or(Data::Nil),
            "not" => {
                want(1)?;
                Data::Bool(!args[0].truth())
            }
            "len" => {
                want(1)?;
                Data::Int(match &args[0] {
                    Data::Str(s) => s.len() as i128,
                    Data::List(l) => l.len() as i128,
                    Data::Map(m) => m.len() as i128,
                    other => return Err(format!("len of type {}", type_name(other))),
                })
            }
            "index" => {
                let mut v = args.first().cloned().ok_or("wrong number of args for index")?;
                for k in &args[1..] {
                    v = match (v, k) {
                        (Data::List(l), Data::Int(i)) => usize::try_from(*i)
                            .ok()
                            .and_then(|i| l.get(i).cloned())
                            .ok_or_else(|| format!("index out of range: {i}"))?,
                        (Data::Map(m), Data::Str(s)) => m.get(s).cloned().unwrap_or(Data::Nil),
                        (Data::Str(s), Data::Int(i)) => Data::Int(
                            usize::try_from(*i)
                                .ok()
                                .and_then(|i| s.as_bytes().get(i).copied())
                                .ok_or_else(|| format!("index out of range: {i}"))?
                                .into(),
                        ),
                        (x, _) => return Err(format!("can't index item of type {}", type_name(&x))),
                    };
                }
                v
            }
            "eq" => {
                let first = args.first().ok_or("missing argument for comparison")?;
                if args.len() < 2 {
                    return Err("missing argument for comparison".into());
                }
                let mut any = false;
                for b in &args[1..] {
                    if compare(first, b).is_ok_and(|o| o.is_eq()) {
                        any = true;
                    } else if matches!((first, b), (Data::Bool(_), Data::Bool(_))) {
                    } else {
                        compare(first, b)?;
                    }
                }
                Data::Bool(any)
            }
            "ne" | "lt" | "le" | "gt" | "ge" => {
                want(2)?;
                use std::cmp::Ordering::*;
                if f == "ne" {
                    return Ok(Data::Bool(match (&args[0], &args[1]) {
                        (Data::Bool(x), Data::Bool(y)) => x != y,
                        (a, b) => compare(a, b)? != Equal,
                    }));
                }
                let o = compare(&args[0], &args[1])?;
                Data::Bool(match f {
                    "lt" => o == Less,
                    "le" => o != Greater,
                    "gt" => o == Greater,
                    _ => o != Less,
                })
            }
            "print" => Data::Str(sprint(args)),
            "println" => Data::Str(args.iter().map(show).collect::<Vec<_>>().join(" ") + "\n"),
            "printf" => {
                let Some(Data::Str(format)) = args.first() else {
                    return Err("wrong type for value; expected string".into());
                };
                Data::Str(sprintf(format, &args[1..])?)
            }
            "html" => Data::Str(html_escape(&sprint(args))),
            "js" => Data::Str(js_escape(&sprint(args))),
            "urlquery" => Data::Str(
                sprint(args)
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                            (b as char).to_string()
                        } else if b == b' ' {
                            "+".into()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect(),
            ),
            other => return Err(format!("function {other:?} not defined")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn exec(t: &str, data: serde_json::Value) -> String {
        run(&parse(t).unwrap(), &Data::from_json(&data), 1 << 20).unwrap()
    }

    #[test]
    fn templates_print_as_go_does() {
        let d = serde_json::json!({"a": 1, "b": 1.5, "l": [1, "x"], "m": {"y": 1, "x": "s"}});
        assert_eq!(
            exec("{{.a}}|{{.b}}|{{.l}}|{{.m}}|{{.nope}}", d.clone()),
            "1|1.5|[1 x]|map[x:s y:1]|<no value>"
        );
        assert_eq!(
            exec("{{range $i, $v := .l}}{{$i}}={{$v}};{{end}}", d.clone()),
            "0=1;1=x;"
        );
        assert_eq!(
            exec("{{if eq .a 2}}two{{else if .b}}b{{else}}no{{end}}", d.clone()),
            "b"
        );
        assert_eq!(
            exec("{{ .a | printf \"%03d|\" }}{{ printf \"%5.2f\" .b }}", d.clone()),
            "001| 1.50"
        );
        assert_eq!(
            exec("{{- \" x \" -}} {{/* c */}}{{with .m}}{{.y}}{{end}}", d),
            " x 1"
        );
    }
}
