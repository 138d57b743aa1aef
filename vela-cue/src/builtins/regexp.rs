//! The `regexp` package (RE2 syntax, as Go's `regexp`).

use std::rc::Rc;

use super::R;
use super::args::{Args, list, record, s, strs};
use crate::ast::Name;
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "regexp.Find",
    "regexp.FindAll",
    "regexp.FindAllNamedSubmatch",
    "regexp.FindAllSubmatch",
    "regexp.FindNamedSubmatch",
    "regexp.FindSubmatch",
    "regexp.Match",
    "regexp.QuoteMeta",
    "regexp.ReplaceAll",
    "regexp.ReplaceAllLiteral",
    "regexp.Valid",
];

fn compile(ctx: &Ctx, pat: &str) -> Result<Rc<regex::Regex>, String> {
    ctx.regex(pat).ok_or_else(|| {
        // the message of Go's regexp.Compile names the pattern
        format!("error parsing regexp: invalid syntax: `{pat}`")
    })
}

/// Go's `FindAll*` limit: `n < 0` is all matches.
fn limit(n: i128) -> usize {
    if n < 0 {
        usize::MAX
    } else {
        usize::try_from(n).unwrap_or(usize::MAX)
    }
}

fn groups(c: &regex::Captures) -> Vec<String> {
    c.iter()
        .map(|m| m.map(|m| m.as_str().to_string()).unwrap_or_default())
        .collect()
}

/// The named groups of one match as a struct with the names in sorted order.
fn named(ctx: &Ctx, re: &regex::Regex, c: &regex::Captures) -> Val {
    let mut fields: Vec<(Name, Val)> = re
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| {
            let n = n?;
            let v = c.get(i).map(|m| m.as_str()).unwrap_or_default();
            Some((Name::from(n), s(v)))
        })
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    fields.dedup_by(|a, b| a.0 == b.0);
    record(ctx, fields)
}

fn no_match() -> String {
    "no match".into()
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let a = Args::new(ctx, a);
    let f = name.strip_prefix("regexp.").unwrap_or(name);
    if f == "QuoteMeta" {
        // Go escapes exactly these (regex::escape also escapes `#&-~`)
        let x = a.str(0)?;
        let mut out = String::with_capacity(x.len());
        for c in x.chars() {
            if r"\.+*?()|[]{}^$".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        return Ok(s(out));
    }
    let re = compile(ctx, &a.str(0)?)?;
    Ok(match f {
        "Valid" => Val::Bool(true),
        "Match" => Val::Bool(re.is_match(&a.str(1)?)),
        "Find" => s(re.find(&a.str(1)?).ok_or_else(no_match)?.as_str()),
        "FindAll" => {
            let (x, n) = (a.str(1)?, limit(a.int(2)?));
            let all: Vec<&str> = re.find_iter(&x).take(n).map(|m| m.as_str()).collect();
            if all.is_empty() {
                return Err(no_match());
            }
            strs(all)
        }
        "FindSubmatch" => strs(groups(&re.captures(&a.str(1)?).ok_or_else(no_match)?)),
        "FindAllSubmatch" => {
            let (x, n) = (a.str(1)?, limit(a.int(2)?));
            let all: Vec<Val> = re.captures_iter(&x).take(n).map(|c| strs(groups(&c))).collect();
            if all.is_empty() {
                return Err(no_match());
            }
            list(all)
        }
        "FindNamedSubmatch" => {
            let x = a.str(1)?;
            let c = re.captures(&x).ok_or_else(no_match)?;
            named(ctx, &re, &c)
        }
        "FindAllNamedSubmatch" => {
            let (x, n) = (a.str(1)?, limit(a.int(2)?));
            let all: Vec<Val> = re
                .captures_iter(&x)
                .take(n)
                .map(|c| named(ctx, &re, &c))
                .collect();
            if all.is_empty() {
                return Err(no_match());
            }
            list(all)
        }
        "ReplaceAll" => s(re.replace_all(&a.str(1)?, &*a.str(2)?).into_owned()),
        "ReplaceAllLiteral" => s(re
            .replace_all(&a.str(1)?, regex::NoExpand(&a.str(2)?))
            .into_owned()),
        _ => return Err(format!("unknown function {name}")),
    })
}
