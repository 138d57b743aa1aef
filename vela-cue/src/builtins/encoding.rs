//! `encoding/json`, `encoding/yaml` and `encoding/base64`.

use base64::Engine;

use super::{R, arg_str, not_concrete};
use crate::eval::Ctx;
use crate::export::{bytes_val, write_json};
use crate::value::Val;

/// Supported functions.
pub(crate) const FUNCS: &[&str] = &[
    "json.Marshal",
    "json.MarshalStream",
    "json.Unmarshal",
    "json.Valid",
    "json.Indent",
    "json.Compact",
    "yaml.Marshal",
    "yaml.MarshalStream",
    "yaml.Unmarshal",
    "yaml.Validate",
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
        "json.Compact" => {
            let j: serde_json::Value = serde_json::from_slice(&bytes_or_str(ctx, first)?)
                .map_err(|e| format!("invalid JSON: {e}"))?;
            Val::Str(write_json(&j, false, "").into())
        }
        "json.Indent" => {
            let j: serde_json::Value = serde_json::from_slice(&bytes_or_str(ctx, first)?)
                .map_err(|e| format!("invalid JSON: {e}"))?;
            let indent = arg_str(ctx, a.get(2).unwrap_or(&Val::Str("  ".into())))?;
            Val::Str(write_json(&j, false, &indent).into())
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
            let j: serde_json::Value =
                serde_yaml::from_slice(&b).map_err(|e| format!("invalid YAML: {e}"))?;
            ctx.from_json(&j)
        }
        "yaml.Validate" => {
            let b = bytes_or_str(ctx, first)?;
            let j: serde_json::Value =
                serde_yaml::from_slice(&b).map_err(|e| format!("invalid YAML: {e}"))?;
            let v = ctx.from_json(&j);
            let r = ctx.unify(v, a.get(1).cloned().unwrap_or(Val::Top));
            if let Val::Bottom(b) = r {
                return Err(b.msg.clone());
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
