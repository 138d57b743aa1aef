//! `encoding/csv`: Go's `csv.Writer` quoting and `csv.Reader.ReadAll` (RFC 4180, `\r\n`
//! read as `\n`, every record as long as the first).

use super::R;
use super::args::{list, strs};
use crate::eval::Ctx;
use crate::value::Val;

/// Whether Go's writer quotes the field.
fn needs_quotes(f: &str) -> bool {
    if f.is_empty() {
        return false;
    }
    f == "\\." || f.contains([',', '"', '\r', '\n']) || f.chars().next().is_some_and(char::is_whitespace)
}

/// `csv.Encode`: a list of rows; a field that is not a string is written as its JSON.
pub(crate) fn encode(ctx: &Ctx, v: &Val) -> Result<String, String> {
    let Val::List(rows) = v else {
        return Err(format!("cannot use {} as list", ctx.describe(v)));
    };
    let mut out = String::new();
    for row in &rows.elems {
        let Val::List(cols) = ctx.resolve(row.clone()) else {
            return Err(format!("cannot use {} as list", ctx.describe(row)));
        };
        for (i, c) in cols.elems.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let c = ctx.resolve(c.clone());
            let field = match &c {
                Val::Str(s) => s.to_string(),
                other => {
                    let mut budget = ctx.limits.max_output;
                    ctx.export_text(other, "", &mut budget)
                        .map_err(|e| e.to_string())?
                }
            };
            if needs_quotes(&field) {
                out.push('"');
                out.push_str(&field.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&field);
            }
        }
        out.push('\n');
    }
    Ok(out)
}

/// `csv.Decode`: Go's `ReadAll` with the default settings.
pub(crate) fn decode(text: &str) -> R {
    let text = text.replace("\r\n", "\n");
    let mut records: Vec<Vec<String>> = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut want) = (1usize, None::<usize>);
    while chars.peek().is_some() {
        if chars.peek() == Some(&'\n') {
            chars.next();
            line += 1;
            continue;
        }
        let start_line = line;
        let mut record = Vec::new();
        loop {
            let mut field = String::new();
            if chars.peek() == Some(&'"') {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            field.push(c);
                        }
                        None => {
                            return Err(format!(
                                "record on line {start_line}; parse error on line {line}, column 0: extraneous or missing \" in quoted-field"
                            ));
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',') | Some('\n')) {
                    return Err(format!(
                        "parse error on line {line}: extraneous or missing \" in quoted-field"
                    ));
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' {
                        break;
                    }
                    if c == '"' {
                        return Err(format!("parse error on line {line}: bare \" in non-quoted-field"));
                    }
                    field.push(c);
                    chars.next();
                }
            }
            record.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\n') => {
                    line += 1;
                    break;
                }
                _ => break,
            }
        }
        match want {
            None => want = Some(record.len()),
            Some(n) if n != record.len() => {
                return Err(format!("record on line {start_line}: wrong number of fields"));
            }
            _ => {}
        }
        records.push(record);
    }
    Ok(list(records.into_iter().map(strs).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_go() {
        assert!(
            needs_quotes("a,b")
                && needs_quotes(" x")
                && needs_quotes("q\"")
                && !needs_quotes("")
                && !needs_quotes("ab")
        );
        assert!(decode("a,b\nc\n").is_err());
        assert!(decode("a\"b\n").is_err());
    }
}
