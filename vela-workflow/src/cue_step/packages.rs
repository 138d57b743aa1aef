//! Vela-rs's own provider packages, so that a `WorkflowStepDefinition` runs without a
//! checkout of KubeVela: `vela/builtin`, `vela/kube`, `vela/http`, `vela/util`, `vela/time`,
//! `vela/email`, `vela/config`, `vela/metrics`, and KubeVela's application providers
//! `vela/multicluster` and `vela/oam` (each action a struct with `#do`, `#provider`,
//! `$params` and `$returns`), and the legacy flat `vela/op` (the same actions with their
//! parameters and results as plain fields, `#provider: "op"`).
//!
//! Both forms are generated from one table of the actions the standard providers implement
//! ([`ACTIONS`]): the action, its parameters and its results as CUE, so that the two never
//! disagree. The field names and defaults are the ones KubeVela's templates rely on (the same
//! `cluster: *"" | string`, `method: *"GET" | ...`, `level: *3 | int`, ...). The application
//! actions (`op.#Deploy`, `op.#ListClusters`, `op.#Load`, `op.#LoadPolicies`,
//! `op.#ApplyComponent`) are run by the providers an engine delivering an application registers
//! (`multicluster`, `oam`), and so are the composites KubeVela builds on them:
//! `op.#ApplyApplication` (every component in order, each waiting for its health) and
//! `#ApplyApplicationInParallel` (every component at once, without waiting), over
//! `#LoadComponetsInOrder` (`op.#LoadInOrder`). KubeVela's other composites (`#ApplyRemaining`,
//! the env-binding and Terraform ones) and its query package `vela/ql` are not here.

use super::Packages;

/// One provider action: where it lives, what it is called, its CUE parameters and results.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    /// The package (`vela/<package>`).
    pub package: &'static str,
    /// The definition's name (`#<name>`).
    pub name: &'static str,
    /// `#do` in `vela/<package>`.
    pub action: &'static str,
    /// `#do` in the legacy `vela/op` (where it differs: `create-config`, ...).
    pub legacy_action: &'static str,
    /// The fields of `$params` (CUE).
    pub params: &'static str,
    /// The fields of `$returns` (CUE; optional in `vela/op`).
    pub returns: &'static str,
}

const CLUSTER: &str = "cluster: *\"\" | string\n";

/// Every action of the generated packages.
pub const ACTIONS: &[Action] = &[
    // vela/builtin: the workflow's own controls
    Action {
        package: "builtin",
        name: "DoVar",
        action: "var",
        legacy_action: "var",
        params: "method: *\"Get\" | \"Put\"\npath: string\nvalue?: _\n",
        returns: "value?: _\n",
    },
    Action {
        package: "builtin",
        name: "ConditionalWait",
        action: "wait",
        legacy_action: "wait",
        params: "continue: *false | bool\nmessage?: string\n",
        returns: "",
    },
    Action {
        package: "builtin",
        name: "Suspend",
        action: "suspend",
        legacy_action: "suspend",
        params: "duration?: string\nmessage?: string\n",
        returns: "",
    },
    Action {
        package: "builtin",
        name: "Break",
        action: "break",
        legacy_action: "break",
        params: "message?: string\n",
        returns: "",
    },
    Action {
        package: "builtin",
        name: "Fail",
        action: "fail",
        legacy_action: "fail",
        params: "message?: string\n",
        returns: "",
    },
    Action {
        package: "builtin",
        name: "Message",
        action: "message",
        legacy_action: "message",
        params: "message?: string\n",
        returns: "",
    },
    // vela/kube: objects in the clusters
    Action {
        package: "kube",
        name: "Apply",
        action: "apply",
        legacy_action: "apply",
        params: "value: {...}\npatch?: {...}\n",
        returns: "value?: {...}\nerr?: string\n",
    },
    Action {
        package: "kube",
        name: "Patch",
        action: "patch",
        legacy_action: "patch",
        params: "value: {...}\npatch: {...}\n",
        returns: "result?: {...}\n",
    },
    Action {
        package: "kube",
        name: "ApplyInParallel",
        action: "apply-in-parallel",
        legacy_action: "apply-in-parallel",
        params: "value: [...{...}]\n",
        returns: "value?: [...{...}]\n",
    },
    Action {
        package: "kube",
        name: "Read",
        action: "read",
        legacy_action: "read",
        params: "value: {...}\n",
        returns: "value?: {...}\nerr?: string\n",
    },
    Action {
        package: "kube",
        name: "List",
        action: "list",
        legacy_action: "list",
        params: "resource: {apiVersion: string, kind: string}\n\
                 filter?: {namespace: *\"\" | string, matchingLabels?: {...}}\n",
        returns: "values?: {...}\nerr?: string\n",
    },
    Action {
        package: "kube",
        name: "Delete",
        action: "delete",
        legacy_action: "delete",
        params: "value: {apiVersion: string, kind: string, \
                 metadata: {name?: string, namespace: *\"default\" | string, ...}, ...}\n\
                 filter?: {namespace?: string, matchingLabels?: {...}}\n",
        returns: "value?: {...}\nerr?: string\n",
    },
    // vela/http
    Action {
        package: "http",
        name: "HTTPDo",
        action: "do",
        legacy_action: "do",
        params: "method: *\"GET\" | \"POST\" | \"PUT\" | \"DELETE\"\nurl: string\n\
                 request?: {timeout?: string, body?: string, header?: [string]: string, \
                 trailer?: [string]: string, ratelimiter?: {limit: int, period: string}, \
                 headersFromSecret?: [...{header: string, secret: string, key: string}], ...}\n\
                 tls_config?: {secret: string, namespace?: string}\n",
        returns: "body: string\nheader?: [string]: [...string]\ntrailer?: [string]: [...string]\n\
                  statusCode: int\n...\n",
    },
    // vela/util
    Action {
        package: "util",
        name: "ConvertString",
        action: "string",
        legacy_action: "string",
        params: "bt: bytes\n",
        returns: "str: string\n",
    },
    Action {
        package: "util",
        name: "Log",
        action: "log",
        legacy_action: "log",
        params: "data?: {...} | string\nlevel: *3 | int\nsource?: {...}\n",
        returns: "",
    },
    // vela/time
    Action {
        package: "time",
        name: "DateToTimestamp",
        action: "timestamp",
        legacy_action: "timestamp",
        params: "date: string\nlayout: *\"\" | string\n",
        returns: "timestamp: int\n",
    },
    Action {
        package: "time",
        name: "TimestampToDate",
        action: "date",
        legacy_action: "date",
        params: "timestamp: int\nlayout: *\"\" | string\n",
        returns: "date: string\n",
    },
    // vela/email
    Action {
        package: "email",
        name: "SendEmail",
        action: "send",
        legacy_action: "send",
        params: "from: {address: string, alias?: string, password: string, host: string, port: int}\n\
                 to: [...string]\ncontent: {subject: string, body: string}\n",
        returns: "",
    },
    // vela/config
    Action {
        package: "config",
        name: "CreateConfig",
        action: "create",
        legacy_action: "create-config",
        params: "name: string\nnamespace: string\ntemplate?: string\nconfig: {...}\n",
        returns: "",
    },
    Action {
        package: "config",
        name: "DeleteConfig",
        action: "delete",
        legacy_action: "delete-config",
        params: "name: string\nnamespace: string\n",
        returns: "",
    },
    Action {
        package: "config",
        name: "ReadConfig",
        action: "read",
        legacy_action: "read-config",
        params: "name: string\nnamespace: string\n",
        returns: "config: {...}\n",
    },
    Action {
        package: "config",
        name: "ListConfig",
        action: "list",
        legacy_action: "list-config",
        params: "template: string\nnamespace: string\n",
        returns: "configs: [...{...}]\n",
    },
    // vela/metrics
    Action {
        package: "metrics",
        name: "PromCheck",
        action: "promCheck",
        legacy_action: "promCheck",
        params: "query: string\n\
                 metricEndpoint: *\"http://prometheus-server.o11y-system.svc:9090\" | string\n\
                 condition: string\nfailDuration: *\"2m\" | string\nduration: *\"5m\" | string\n",
        returns: "message?: string\nfailed: bool\nresult: bool\n",
    },
    // vela/multicluster and vela/oam: KubeVela's application providers, offered by an engine
    // delivering an application (vela-engine)
    Action {
        package: "multicluster",
        name: "Deploy",
        action: "deploy",
        legacy_action: "deploy",
        params: "policies: [...string]\nparallelism: *5 | int\nignoreTerraformComponent: *true | bool\n\
                 inlinePolicies: *[] | [...{...}]\n",
        returns: "",
    },
    Action {
        package: "multicluster",
        name: "ListClusters",
        action: "list-clusters",
        legacy_action: "list-clusters",
        params: "",
        returns: "outputs: {clusters: [...string]}\n",
    },
    Action {
        package: "oam",
        name: "ApplyComponent",
        action: "component-apply",
        legacy_action: "component-apply",
        params: "cluster: *\"\" | string\nenv: *\"\" | string\nnamespace: *\"\" | string\n\
                 waitHealthy: *true | bool\nvalue: {...}\npatch?: {...}\n",
        returns: "output?: {...}\noutputs?: {...}\n",
    },
    Action {
        package: "oam",
        name: "LoadComponets",
        action: "load",
        legacy_action: "load",
        params: "app?: string\n",
        returns: "value?: {...}\n",
    },
    Action {
        package: "oam",
        name: "LoadComponetsInOrder",
        action: "load-comps-in-order",
        legacy_action: "load-comps-in-order",
        params: "app?: string\n",
        returns: "value?: [...]\n",
    },
    Action {
        package: "oam",
        name: "LoadPolicies",
        action: "load-policies",
        legacy_action: "load-policies",
        params: "app?: string\n",
        returns: "value?: {...}\n",
    },
];

/// `#HTTPGet`, `#HTTPPost`, ...: `#HTTPDo` with its method.
const HTTP_METHODS: &[(&str, &str)] = &[
    ("HTTPGet", "GET"),
    ("HTTPPost", "POST"),
    ("HTTPPut", "PUT"),
    ("HTTPDelete", "DELETE"),
];

/// The parameters of `action` (with `cluster` for the kube actions).
fn params(action: &Action) -> String {
    if action.package == "kube" {
        format!("{CLUSTER}{}", action.params)
    } else {
        action.params.to_owned()
    }
}

/// The results of `action` in `vela/op`: as in `vela/<package>`, but a list is `list`, not
/// `values` (as KubeVela's legacy provider fills it).
fn legacy_returns(action: &Action) -> &'static str {
    if action.package == "kube" && action.action == "list" {
        "list?: {...}\nerr?: string\n"
    } else {
        action.returns
    }
}

/// Every field of `fields` made optional (`a: x` to `a?: x`), for results in `vela/op`.
fn optional(fields: &str) -> String {
    fields
        .lines()
        .map(|line| match line.split_once(':') {
            Some((name, rest)) if !name.ends_with('?') && !name.contains(' ') && !name.is_empty() => {
                format!("{name}?:{rest}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect()
}

/// Indents every line of `text` by `tabs` tabs.
fn indent(text: &str, tabs: usize) -> String {
    let pad = "\t".repeat(tabs);
    text.lines().map(|l| format!("{pad}{l}\n")).collect()
}

/// The source of `vela/<package>`.
#[must_use]
pub fn source(package: &str) -> String {
    let mut out = format!("// vela/{package}: generated by vela-workflow (cue_step::packages)\n\n");
    for a in ACTIONS.iter().filter(|a| a.package == package) {
        out.push_str(&format!(
            "#{}: {{\n\t#do:       \"{}\"\n\t#provider: \"{}\"\n\t$params: {{\n{}\t}}\n",
            a.name,
            a.action,
            a.package,
            indent(&params(a), 2)
        ));
        if !a.returns.is_empty() {
            out.push_str(&format!("\t$returns?: {{\n{}\t}}\n", indent(a.returns, 2)));
        }
        out.push_str("\t...\n}\n\n");
    }
    if package == "http" {
        for (name, method) in HTTP_METHODS {
            out.push_str(&format!("#{name}: #HTTPDo & {{$params: method: \"{method}\"}}\n"));
        }
    }
    if package == "builtin" {
        out.push_str("#Steps: {\n\t...\n}\n");
    }
    if package == "oam" {
        out.push_str("#Load: #LoadComponets\n");
        out.push_str(&apply_application(
            "ApplyApplicationInParallel",
            false,
            "$params: {value: c, waitHealthy: false}",
        ));
    }
    out
}

/// KubeVela's composite `#<name>`: every component of the application, in order, applied by
/// `#ApplyComponent` with `apply`; `legacy`: the `vela/op` form (`#Steps`, plain results),
/// else the `vela/oam` one (`$returns`).
fn apply_application(name: &str, legacy: bool, apply: &str) -> String {
    let (steps, returns) = if legacy {
        ("#Steps & ", "")
    } else {
        ("", "$returns.")
    };
    format!(
        "#{name}: {steps}{{\n\tload: #LoadComponetsInOrder\n\tcomponents: {steps}{{\n\
         \t\tfor name, c in load.{returns}value {{\n\
         \t\t\t\"\\(name)\": #ApplyComponent & {{{apply}}}\n\t\t}}\n\t}}\n}}\n"
    )
}

/// The source of the legacy `vela/op`: every action, parameters and results as plain fields.
#[must_use]
pub fn legacy_source() -> String {
    let mut out = String::from("// vela/op: generated by vela-workflow (cue_step::packages)\n\n");
    for a in ACTIONS {
        out.push_str(&format!(
            "#{}: {{\n\t#do:       \"{}\"\n\t#provider: \"op\"\n{}{}\t...\n}}\n\n",
            a.name,
            a.legacy_action,
            indent(&params(a), 1),
            indent(&optional(legacy_returns(a)), 1),
        ));
    }
    for (name, method) in HTTP_METHODS {
        out.push_str(&format!("#{name}: #HTTPDo & {{method: \"{method}\"}}\n"));
    }
    out.push_str("#Steps: {\n\t...\n}\n#Load: #LoadComponets\n#LoadInOrder: #LoadComponetsInOrder\n");
    out.push_str(&apply_application("ApplyApplication", true, "value: c"));
    out.push_str(&apply_application(
        "ApplyApplicationInParallel",
        true,
        "value: c, waitHealthy: false",
    ));
    out
}

/// The packages a `WorkflowStepDefinition` imports, as generated here.
#[must_use]
pub fn standard() -> Packages {
    let mut packages = Packages::new();
    let mut names: Vec<&str> = ACTIONS.iter().map(|a| a.package).collect();
    names.dedup();
    for name in names {
        packages.add(&format!("vela/{name}"), &format!("{name}.cue"), &source(name));
    }
    packages.add("vela/op", "op.cue", &legacy_source());
    packages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_package_compiles_and_both_forms_name_the_same_actions() {
        let packages = standard();
        let imports: Vec<&str> = packages.files().map(|(i, _, _)| i).collect();
        assert_eq!(
            imports,
            [
                "vela/builtin",
                "vela/kube",
                "vela/http",
                "vela/util",
                "vela/time",
                "vela/email",
                "vela/config",
                "vela/metrics",
                "vela/multicluster",
                "vela/oam",
                "vela/op"
            ]
        );
        for (import, file, src) in packages.files() {
            let mut program = vela_cue::Program::compile("t.cue", "x: 1\n").unwrap();
            program
                .add_package(import, file, src)
                .unwrap_or_else(|e| panic!("{import}: {e}\n{src}"));
        }
        let legacy = legacy_source();
        for a in ACTIONS {
            assert!(legacy.contains(&format!("#{}: {{", a.name)), "{}", a.name);
        }
    }

    #[test]
    fn results_are_optional_in_the_legacy_form() {
        assert_eq!(
            optional("body: string\nerr?: string\n...\n"),
            "body?: string\nerr?: string\n...\n"
        );
    }
}
