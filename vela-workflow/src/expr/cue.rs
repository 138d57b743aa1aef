//! The CUE evaluator for `if` and `valueFrom`, over `vela-cue` (feature `cue`).

use serde_json::Value;

use super::{Error, Evaluator};

/// Evaluates expressions as CUE, with the scope's top-level fields in scope (KubeVela compiles
/// `if: <expr>` next to `inputs`, `status`, `context` and `parameter` the same way).
#[derive(Clone, Copy, Debug, Default)]
pub struct Cue;

fn label(k: &str) -> String {
    serde_json::to_string(k).unwrap_or_default()
}

fn is_ident(k: &str) -> bool {
    let mut c = k.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == '$')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$')
}

impl Cue {
    fn eval(&self, expr: &str, scope: &Value) -> Result<Result<Value, vela_cue::Error>, Error> {
        let fields: Vec<(&str, &Value)> = match scope {
            Value::Object(m) => m
                .iter()
                .filter(|(k, _)| is_ident(k))
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
            _ => Vec::new(),
        };
        let mut src = format!("__result: {expr}\n");
        for (k, _) in &fields {
            src.push_str(&format!("{}: _\n", label(k)));
        }
        let program = vela_cue::Program::compile("expression.cue", &src).map_err(|e| Error::Invalid {
            expr: expr.to_owned(),
            message: e.to_string(),
        })?;
        let inst = match program.eval_with(&fields) {
            Ok(i) => i,
            Err(e) => return Ok(Err(e)),
        };
        Ok(inst.lookup("__result").and_then(|v| v.to_json()))
    }
}

impl Evaluator for Cue {
    fn eval_bool(&self, expr: &str, scope: &Value) -> Result<bool, Error> {
        match self.eval(expr, scope)? {
            Ok(Value::Bool(b)) => Ok(b),
            Ok(other) => Err(Error::Invalid {
                expr: expr.to_owned(),
                message: format!("expected a boolean, found {other}"),
            }),
            Err(e) => Err(Error::Invalid {
                expr: expr.to_owned(),
                message: e.to_string(),
            }),
        }
    }

    fn eval_value(&self, expr: &str, scope: &Value) -> Result<Option<Value>, Error> {
        match self.eval(expr, scope)? {
            Ok(v) => Ok(Some(v)),
            // A reference to something missing (or not concrete) counts as "does not exist",
            // which lets the engine try KubeVela's `$returns` fallback.
            Err(_) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cue_expressions_over_the_scope() {
        let scope = json!({"status": {"s1": {"succeeded": true, "phase": "succeeded"}},
            "inputs": {"test": "app"}, "context": {"name": "app"},
            "output": {"$returns": {"value": {"n": 2}}}});
        let c = Cue;
        assert!(c.eval_bool(r#"inputs.test == "app""#, &scope).unwrap());
        assert!(
            c.eval_bool(r#"status.s1.succeeded && context.name != "x""#, &scope)
                .unwrap()
        );
        assert!(!c.eval_bool("!status.s1.succeeded", &scope).unwrap());
        assert_eq!(
            c.eval_value("output.$returns.value.n + 1", &scope).unwrap(),
            Some(json!(3))
        );
        assert_eq!(
            c.eval_value(r#""http://\(context.name)""#, &scope).unwrap(),
            Some(json!("http://app"))
        );
        assert_eq!(c.eval_value("output.value", &scope).unwrap(), None);
        assert!(c.eval_bool("status.nope.succeeded", &scope).is_err());
        assert!(c.eval_bool("context.name", &scope).is_err());
    }
}
