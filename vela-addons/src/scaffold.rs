//! `vela addon init`: the files of a new addon that loads, renders and enables as it is.

use crate::error::{Error, Result};
use crate::load::File;

/// The files of a new addon named `name` (lowercase letters, digits and dashes): its
/// `metadata.yaml`, `README.md`, `parameter.cue` and `template.cue`; with `samples`, also a
/// resource component, a trait definition, a UI schema and a VelaQL view to start from.
///
/// ```
/// let files = vela_addons::scaffold("my-addon", true).unwrap();
/// let addon = vela_addons::Addon::from_files(files).unwrap();
/// let rendered = addon.render(&Default::default()).unwrap();
/// assert_eq!(rendered.application["metadata"]["name"], "addon-my-addon");
/// assert_eq!(rendered.definitions[0]["metadata"]["name"], "my-addon-label");
/// assert!(vela_addons::scaffold("My_Addon", false).is_err());
/// ```
///
/// # Errors
/// [`Error::Argument`] when the name is not lowercase letters, digits and dashes.
pub fn scaffold(name: &str, samples: bool) -> Result<Vec<File>> {
    let valid = !name.is_empty()
        && name.len() <= 53
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        return Err(Error::Argument {
            arg: name.to_string(),
            message: "an addon name has lowercase letters, digits and dashes (e.g. my-addon), at most 53"
                .into(),
        });
    }
    let f = |path: &str, text: String| File {
        path: path.to_string(),
        text,
    };
    let mut files = vec![
        f(
            "metadata.yaml",
            format!(
                "name: {name}\nversion: 1.0.0\ndescription: An addon for KubeVela.\ntags:\n  - my-tag\n\
                 # dependencies:\n#   - name: fluxcd\n#     version: \">=1.0.0\"\nsystem:\n  vela: \">=1.9.0\"\n"
            ),
        ),
        f(
            "README.md",
            format!(
                "# {name}\n\nWhat this addon installs, and how to use it.\n\n\
                 ```shell\nvela addon enable ./{name} replicas=2\n```\n"
            ),
        ),
        f(
            "parameter.cue",
            "parameter: {\n\t// +usage=Replicas of the example server\n\treplicas: *1 | int\n}\n".into(),
        ),
        f(
            "template.cue",
            "package main\n\n// `output` is the addon's Application; the files of resources/ that are\n\
             // `package main` add fields here, the others are components of their own.\n\
             output: {\n\tapiVersion: \"core.oam.dev/v1beta1\"\n\tkind:       \"Application\"\n\
             \tspec: components: []\n}\n"
                .into(),
        ),
    ];
    if samples {
        files.extend([
            f(
                "resources/server.cue",
                format!(
                    "// A component of the addon's Application (named after this file).\noutput: {{\n\
                     \ttype: \"webservice\"\n\tproperties: {{\n\t\timage:    \"nginx:1.27\"\n\
                     \t\treplicas: parameter.replicas\n\t}}\n\ttraits: [{{type: \"{name}-label\"}}]\n}}\n"
                ),
            ),
            f(
                &format!("definitions/{name}-label.cue"),
                format!(
                    "\"{name}-label\": {{\n\ttype: \"trait\"\n\tdescription: \"Labels a workload with the addon's name.\"\n\
                     \tattributes: appliesToWorkloads: [\"deployments.apps\"]\n}}\n\ntemplate: {{\n\
                     \tpatch: metadata: labels: \"addons.example.com/{name}\": parameter.value\n\
                     \tparameter: value: *\"true\" | string\n}}\n"
                ),
            ),
            f(
                &format!("schemas/trait-uischema-{name}-label.yaml"),
                "- jsonKey: value\n  label: Label value\n  sort: 1\n".into(),
            ),
            f(
                &format!("views/{name}-pods.cue"),
                "import \"vela/ql\"\n\nparameter: {\n\tname:      string\n\tnamespace: *\"default\" | string\n}\n\n\
                 pods: ql.#CollectPods & {\n\tapp: {name: parameter.name, namespace: parameter.namespace}\n}\n\n\
                 status: pods: pods.list\n"
                    .into(),
            ),
        ]);
    }
    Ok(files)
}
