//! `encoding/json`, `encoding/yaml`, `encoding/base64` and `encoding/csv`.

use base64::Engine;

use super::{R, arg_str, not_concrete};
use crate::eval::Ctx;
use crate::export::bytes_val;
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "json.Marshal",
    "json.MarshalStream",
    "json.Unmarshal",
    "json.Valid",
    "json.Indent",
    "json.Compact",
    "json.HTMLEscape",
    "json.UnmarshalStream",
    "json.Validate",
    "yaml.Marshal",
    "yaml.MarshalStream",
    "yaml.Unmarshal",
    "yaml.Validate",
    "yaml.ValidatePartial",
    "yaml.UnmarshalStream",
    "csv.Decode",
    "csv.Encode",
    "base64.Encode",
    "base64.Decode",
    "base64.EncodedLen",
    "base64.DecodedLen",
];

fn export_err(e: crate::Error) -> String {
    match e {
        crate::Error::Eval {
            incomplete: true,
            msg,
            ..
        } => format!("incomplete: {msg}"),
        e => e.to_string(),
    }
}

/// Compact JSON text with CUE's number digits (what `json.Marshal` returns).
fn to_json_text(ctx: &Ctx, v: &Val) -> Result<String, String> {
    let mut budget = ctx.limits.max_output;
    ctx.export_text(v, "", &mut budget).map_err(export_err)
}

/// The tree `yaml.Marshal` lays out.
fn to_yaml_node(ctx: &Ctx, v: &Val) -> Result<super::yaml_emit::Node, String> {
    let mut budget = ctx.limits.max_output;
    ctx.export_node(v, "", &mut budget).map_err(export_err)
}

fn bytes_or_str(ctx: &Ctx, v: &Val) -> Result<Vec<u8>, String> {
    match v {
        Val::Str(s) => Ok(s.as_bytes().to_vec()),
        Val::Bytes(b) => Ok(b.to_vec()),
        v if !ctx.is_concrete(v) => Err(not_concrete(ctx, v)),
        v => Err(format!("cannot use {} as bytes or string", ctx.describe(v))),
    }
}

/// Reads one YAML document for `yaml.Unmarshal` and `yaml.Validate`, as CUE (go-yaml v3) does:
/// YAML 1.2 scalars (`yes`, `0644` and `1_000` stay strings) and a repeated key keeps the last
/// value; nesting beyond 64 levels or alias expansion beyond a million events is an error, not a
/// crash (the same reader settings as `vela_model::yaml`, which this crate does not depend on).
/// Flow collections nested deeper than 64 are refused by a linear pre-scan (`vela_yaml_guard`,
/// shared with `vela_model::yaml`) before parsing (the parser's scanner is quadratic in their
/// depth).
fn read_yaml(bytes: &[u8]) -> Result<serde_json::Value, String> {
    check_flow_depth(bytes)?;
    serde_saphyr::from_slice_with_options(bytes, yaml_options()).map_err(|e| format!("invalid YAML: {e}"))
}

/// Refuses YAML whose flow collections nest deeper than 64, before the parser sees it.
fn check_flow_depth(bytes: &[u8]) -> Result<(), String> {
    vela_yaml_guard::check_flow_depth(bytes, 64).map_err(|too_deep| format!("invalid YAML: {too_deep}"))
}

/// Every document of a YAML stream (`yaml.UnmarshalStream`), read as [`read_yaml`] reads one.
fn read_yaml_stream(bytes: &[u8]) -> Result<Vec<serde_json::Value>, String> {
    check_flow_depth(bytes)?;
    serde_saphyr::from_slice_multiple_with_options(bytes, yaml_options())
        .map_err(|e| format!("invalid YAML: {e}"))
}

fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! { max_depth: 64 },
        alias_limits: serde_saphyr::alias_limits! { max_total_replayed_events: 1_000_000 },
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::PassThrough,
        with_snippet: false,
    }
}

pub(crate) fn call(ctx: &Ctx, name: &str, a: &[Val]) -> R {
    let first = a.first().ok_or_else(|| "missing argument".to_string())?;
    Ok(match name {
        "json.Marshal" => Val::Str(to_json_text(ctx, first)?.into()),
        "json.MarshalStream" => {
            let Val::List(l) = first else {
                return Err("expected list".into());
            };
            let mut out = String::new();
            for e in &l.elems {
                out.push_str(&to_json_text(ctx, e)?);
                out.push('\n');
            }
            Val::Str(out.into())
        }
        "json.Unmarshal" => {
            let b = bytes_or_str(ctx, first)?;
            let j: serde_json::Value =
                serde_json::from_slice(&b).map_err(|e| format!("invalid JSON: {e}"))?;
            // (valid JSON is UTF-8)
            ctx.from_json_text(&j, std::str::from_utf8(&b).unwrap_or_default())
        }
        "json.Valid" => {
            Val::Bool(serde_json::from_slice::<serde_json::Value>(&bytes_or_str(ctx, first)?).is_ok())
        }
        "json.Compact" => Val::Str(super::json_text::compact(&bytes_or_str(ctx, first)?)?.into()),
        "json.Indent" => {
            let src = bytes_or_str(ctx, first)?;
            let prefix = arg_str(ctx, super::arg(a, 1)?)?;
            let indent = arg_str(ctx, super::arg(a, 2)?)?;
            Val::Str(super::json_text::indent(&src, &prefix, &indent)?.into())
        }
        "json.HTMLEscape" => {
            let src = bytes_or_str(ctx, first)?;
            Val::Str(super::json_text::html_escape(&String::from_utf8_lossy(&src)).into())
        }
        "json.UnmarshalStream" => {
            let b = bytes_or_str(ctx, first)?;
            let text = std::str::from_utf8(&b).map_err(|e| format!("invalid JSON: {e}"))?;
            let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
            let mut elems = Vec::new();
            let mut start = 0;
            while let Some(j) = stream.next() {
                let j = j.map_err(|e| format!("invalid JSON: {e}"))?;
                let end = stream.byte_offset();
                elems.push(ctx.from_json_text(&j, &text[start..end]));
                start = end;
            }
            super::args::list(elems)
        }
        "json.Validate" => {
            let b = bytes_or_str(ctx, first)?;
            let j: serde_json::Value =
                serde_json::from_slice(&b).map_err(|_| "json: invalid JSON".to_string())?;
            let v = ctx.from_json_text(&j, std::str::from_utf8(&b).unwrap_or_default());
            let r = ctx.resolve(ctx.unify(v, super::arg(a, 1)?.clone()));
            if let Val::Bottom(b) = &r {
                return Err(b.msg.clone());
            }
            if let Some(Val::Bottom(b)) = ctx.deep_error(&r, ctx.limits.max_depth) {
                return Err(b.msg.clone());
            }
            Val::Bool(true)
        }
        "yaml.Marshal" => Val::Str(super::yaml_emit::marshal(&to_yaml_node(ctx, first)?).into()),
        "yaml.MarshalStream" => {
            let Val::List(l) = first else {
                return Err("expected list".into());
            };
            let mut docs = Vec::new();
            for e in &l.elems {
                docs.push(super::yaml_emit::marshal(&to_yaml_node(ctx, e)?));
            }
            Val::Str(docs.join("---\n").into())
        }
        "yaml.Unmarshal" => {
            let b = bytes_or_str(ctx, first)?;
            let j = read_yaml(&b)?;
            ctx.from_json(&j)
        }
        "yaml.UnmarshalStream" => {
            let docs = read_yaml_stream(&bytes_or_str(ctx, first)?)?;
            super::args::list(docs.iter().map(|j| ctx.from_json(j)).collect())
        }
        "csv.Decode" => super::csv::decode(&String::from_utf8_lossy(&bytes_or_str(ctx, first)?))?,
        "csv.Encode" => Val::Str(super::csv::encode(ctx, first)?.into()),
        "yaml.Validate" | "yaml.ValidatePartial" => {
            let b = bytes_or_str(ctx, first)?;
            let j = read_yaml(&b)?;
            let v = ctx.from_json(&j);
            let r = ctx.resolve(ctx.unify(v, a.get(1).cloned().unwrap_or(Val::Top)));
            if let Val::Bottom(b) = &r {
                return Err(b.msg.clone());
            }
            if let Some(Val::Bottom(b)) = ctx.deep_error(&r, ctx.limits.max_depth) {
                return Err(b.msg.clone());
            }
            if name == "yaml.Validate" {
                // (ValidatePartial allows what is not concrete yet)
                let mut budget = ctx.limits.max_output;
                ctx.export_check(&r, "", &mut budget).map_err(|e| match e {
                    crate::Error::Eval { msg, .. } => msg,
                    e => e.to_string(),
                })?;
            }
            Val::Bool(true)
        }
        "base64.Encode" => {
            let b = bytes_or_str(ctx, a.get(1).ok_or("missing argument")?)?;
            if !matches!(first, Val::Null) {
                return Err("base64: unsupported encoding".into());
            }
            Val::Str(base64::engine::general_purpose::STANDARD.encode(b).into())
        }
        "base64.Decode" => {
            let b = bytes_or_str(ctx, a.get(1).ok_or("missing argument")?)?;
            if !matches!(first, Val::Null) {
                return Err("base64: unsupported encoding".into());
            }
            bytes_val(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|e| e.to_string())?,
            )
        }
        "base64.EncodedLen" => match a.get(1) {
            Some(Val::Int(n)) => Val::Int((n + 2) / 3 * 4),
            _ => return Err("expected int".into()),
        },
        "base64.DecodedLen" => match a.get(1) {
            Some(Val::Int(n)) => Val::Int(n / 4 * 3),
            _ => return Err("expected int".into()),
        },
        _ => return Err(format!("unknown function {name}")),
    })
}

#[cfg(test)]
mod tests {
    use super::read_yaml;

    #[test]
    fn yaml_reads_1_2_scalars_and_stops_hostile_input() {
        let v = read_yaml(b"a: yes\nb: 0644\nc: 1_000\nd: 0x1F\ne: 1\ne: 2\n").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": "yes", "b": "0644", "c": "1_000", "d": 31, "e": 2})
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(
            read_yaml(bomb.as_bytes())
                .unwrap_err()
                .starts_with("invalid YAML: ")
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(read_yaml(deep.as_bytes()).is_err());
        let err = read_yaml(b"a: [1, 2\n").unwrap_err();
        assert!(err.contains("line 1"), "{err}");
    }
}
