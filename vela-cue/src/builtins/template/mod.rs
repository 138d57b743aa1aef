//! `text/template`: `Execute` for the subset of Go's templates that KubeVela definitions can use
//! (see the book), and Go's `HTMLEscapeString` and `JSEscapeString`.

mod exec;
mod parse;

use super::R;
use super::args::{Args, s};
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &["template.Execute", "template.HTMLEscape", "template.JSEscape"];

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let args = Args::new(ctx, a);
    Ok(match name {
        "template.HTMLEscape" => s(exec::html_escape(&args.str(0)?)),
        "template.JSEscape" => s(exec::js_escape(&args.str(0)?)),
        "template.Execute" => {
            let text = args.str(0)?;
            let nodes = parse::parse(&text).map_err(|e| format!("template: :{e}"))?;
            let data = exec::Data::from_val(ctx, args.val(1)?)?;
            s(exec::run(&nodes, &data, ctx.limits.max_output).map_err(|e| format!("template: :{e}"))?)
        }
        _ => return Err(format!("unknown function {name}")),
    })
}
