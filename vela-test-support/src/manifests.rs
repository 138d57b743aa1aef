//! Installing CustomResourceDefinitions from YAML files (such as the project's `charts/vela-crds/`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, ResourceExt};

use crate::{Error, Result, api_err, wait};

/// The field manager used for everything this crate applies.
pub const FIELD_MANAGER: &str = "vela-test-support";

/// Every `*.yaml` / `*.yml` file under `dir` (recursively), sorted by path.
pub fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = std::fs::read_dir(&current).map_err(|source| Error::ReadManifest {
            path: current.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| Error::ReadManifest {
                    path: current.clone(),
                    source,
                })?
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads every CustomResourceDefinition document from `files`. Documents of other kinds, and
/// empty documents, are skipped; a document that is not valid YAML, or a CRD that does not match
/// the CRD schema, is an error naming the file and document.
pub fn read_crds(files: &[PathBuf]) -> Result<Vec<CustomResourceDefinition>> {
    let mut crds = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadManifest {
            path: path.clone(),
            source,
        })?;
        let values: Vec<serde_json::Value> =
            vela_model::yaml::documents(&text).map_err(|e| Error::ParseManifest {
                path: path.clone(),
                document: document_at(&text, e.line()),
                message: e.to_string(),
            })?;
        for (document, value) in values.into_iter().enumerate() {
            let kind = value.get("kind").and_then(serde_json::Value::as_str);
            if kind != Some("CustomResourceDefinition") {
                continue;
            }
            let crd: CustomResourceDefinition =
                serde_json::from_value(value).map_err(|e| Error::ParseManifest {
                    path: path.clone(),
                    document,
                    message: format!("expected a CustomResourceDefinition: {e}"),
                })?;
            crds.push(crd);
        }
    }
    Ok(crds)
}

/// The zero-based index of the document holding `line` (from 1): the `---` markers before it.
fn document_at(text: &str, line: Option<usize>) -> usize {
    let before = line.unwrap_or(1).saturating_sub(1);
    let markers = text.lines().take(before).filter(|l| l.starts_with("---")).count();
    // A marker on the first line opens the first document rather than ending one.
    if text.starts_with("---") {
        markers.saturating_sub(1)
    } else {
        markers
    }
}

/// Server-side applies `crds` and waits until each one is `Established`. Returns their names.
pub async fn install_crds(
    client: &Client,
    crds: &[CustomResourceDefinition],
    timeout: Duration,
) -> Result<Vec<String>> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let mut names = Vec::with_capacity(crds.len());
    for crd in crds {
        let name = crd.name_any();
        let mut body = crd.clone();
        body.metadata.resource_version = None;
        body.metadata.managed_fields = None;
        body.status = None;
        api.patch(&name, &params, &Patch::Apply(&body))
            .await
            .map_err(api_err(format!("applying CustomResourceDefinition {name}")))?;
        names.push(name);
    }
    for name in &names {
        wait::for_condition(&api, name, timeout, "the CRD to be Established", |crd| {
            crd.and_then(|c| c.status.as_ref())
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Established" && c.status == "True"))
        })
        .await?;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_crds_and_skips_other_documents() {
        let dir = std::env::temp_dir().join(format!("vela-test-support-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(
            dir.join("sub/a.yaml"),
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n\
             apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
             metadata: {name: widgets.example.com}\n\
             spec:\n  group: example.com\n  scope: Namespaced\n\
             \x20 names: {plural: widgets, singular: widget, kind: Widget}\n\
             \x20 versions:\n  - name: v1\n    served: true\n    storage: true\n\
             \x20   schema: {openAPIV3Schema: {type: object}}\n---\n",
        )
        .unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let files = yaml_files(&dir).unwrap();
        assert_eq!(files.len(), 1);
        let crds = read_crds(&files).unwrap();
        assert_eq!(crds.len(), 1);
        assert_eq!(crds[0].spec.names.kind, "Widget");

        std::fs::write(dir.join("bad.yaml"), "kind: CustomResourceDefinition\nspec: 3\n").unwrap();
        let err = read_crds(&yaml_files(&dir).unwrap()).unwrap_err().to_string();
        assert!(err.contains("bad.yaml") && err.contains("document 0"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
