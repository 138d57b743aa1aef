//! `text/tabwriter.Write`: Go's elastic tabstops with CUE's settings (minimum width 0, padding
//! 1, spaces): a tab ends a cell, the cells of a column in consecutive lines are padded to the
//! widest, the text after a line's last tab is not part of any column.

use super::R;
use super::args::s;
use crate::eval::Ctx;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &["tabwriter.Write"];

/// Lays out `text` (Go's `tabwriter.Writer` with padding 1 and `' '`).
fn layout(text: &str) -> String {
    // lines of cells; the last cell of a line is its text after the last tab
    let ends_with_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<Vec<&str>> = if text.is_empty() {
        Vec::new()
    } else {
        body.split('\n').map(|l| l.split('\t').collect()).collect()
    };
    let mut out = String::with_capacity(text.len() * 2);
    let mut widths: Vec<usize> = Vec::new();
    format(&lines, 0, lines.len(), &mut widths, &mut out);
    if !ends_with_newline && out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Go's `Writer.format`: the column blocks of lines `line0..line1`, recursively.
fn format(lines: &[Vec<&str>], mut line0: usize, line1: usize, widths: &mut Vec<usize>, out: &mut String) {
    let column = widths.len();
    let mut this = line0;
    while this < line1 {
        if column + 1 >= lines[this].len() {
            this += 1;
            continue;
        }
        write_lines(lines, line0, this, widths, out);
        line0 = this;
        let mut width = 0;
        while this < line1 && column + 1 < lines[this].len() {
            width = width.max(lines[this][column].chars().count() + 1);
            this += 1;
        }
        widths.push(width);
        format(lines, line0, this, widths, out);
        widths.pop();
        line0 = this;
    }
    write_lines(lines, line0, line1, widths, out);
}

fn write_lines(lines: &[Vec<&str>], line0: usize, line1: usize, widths: &[usize], out: &mut String) {
    for line in &lines[line0..line1] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if j + 1 < line.len() {
                let w = widths.get(j).copied().unwrap_or(0);
                let n = cell.chars().count();
                out.extend(std::iter::repeat_n(' ', w.saturating_sub(n)));
            }
        }
        out.push('\n');
    }
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    if name != "tabwriter.Write" {
        return Err(format!("unknown function {name}"));
    }
    let v = super::arg(a, 0)?;
    let text = match v {
        Val::Str(t) => t.to_string(),
        Val::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        Val::List(l) => {
            let mut t = String::new();
            for e in &l.elems {
                match ctx.resolve(e.clone()) {
                    Val::Str(x) => t.push_str(&x),
                    Val::Bytes(b) => t.push_str(&String::from_utf8_lossy(&b)),
                    other => return Err(format!("cannot use {} as bytes", ctx.describe(&other))),
                }
                t.push('\n');
            }
            t
        }
        other => {
            return Err(format!(
                "tabwriter.Write: unsupported type {}",
                crate::value::kind::name(other.kind())
            ));
        }
    };
    Ok(s(layout(&text)))
}

#[cfg(test)]
mod tests {
    use super::layout;

    #[test]
    fn columns_are_padded_like_go() {
        assert_eq!(layout("a\tbb\tc\naaa\tb\tc\n"), "a   bb c\naaa b  c\n");
        assert_eq!(layout("x\ty\nno tabs\nlonger\tz"), "x y\nno tabs\nlonger z");
    }
}
