//! Versions and dependencies: KubeVela's semver constraints (Masterminds syntax) and the order
//! in which an addon's dependencies are enabled.
//!
//! A dependency is satisfied by the installed version when it fits the constraint; otherwise
//! the highest available version that fits is enabled (its own dependencies first). A cycle,
//! a missing addon and a constraint nothing satisfies are errors naming the chain.

use std::collections::BTreeMap;

use semver::{Version, VersionReq};

use crate::error::{Error, Result};
use crate::meta::Meta;

/// A version constraint as KubeVela writes them (`>=1.2.0`, `>=1.0.0 <2.0.0`, `~1.2`,
/// `^1.2 || >=3`, `v1.9.x`): Masterminds' syntax read with the `semver` crate.
///
/// ```
/// use vela_addons::resolve::Constraint;
/// let c = Constraint::parse(">=1.2.0, <2 || ~3.1").unwrap();
/// assert!(c.matches_str("1.9.5").unwrap());
/// assert!(c.matches_str("v3.1.7").unwrap());
/// assert!(!c.matches_str("2.0.0").unwrap());
/// assert!(Constraint::parse("").unwrap().matches_str("0.0.1").unwrap());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    text: String,
    alternatives: Vec<VersionReq>,
}

impl Constraint {
    /// Parses a constraint; empty (or `*`) allows every version.
    ///
    /// # Errors
    /// [`Error::Version`] when it is not a constraint.
    pub fn parse(text: &str) -> Result<Constraint> {
        let mut alternatives = Vec::new();
        for alt in text.split("||") {
            let alt = alt.trim();
            if alt.is_empty() || alt == "*" {
                alternatives.push(VersionReq::STAR);
                continue;
            }
            // comparators are separated by commas or spaces; an operator may be followed by
            // spaces (`>= 1.0`); a `v` before the version is dropped
            let mut parts: Vec<String> = Vec::new();
            let mut pending_op = String::new();
            for tok in alt.split([',', ' ']).filter(|t| !t.is_empty()) {
                if tok.chars().all(|c| "<>=~^!".contains(c)) {
                    pending_op.push_str(tok);
                    continue;
                }
                let op_len = tok.find(|c: char| !"<>=~^!".contains(c)).unwrap_or(tok.len());
                let (op, ver) = tok.split_at(op_len);
                let op = format!("{pending_op}{op}");
                pending_op.clear();
                let ver = ver.trim_start_matches(['v', 'V']);
                parts.push(format!("{op}{ver}"));
            }
            let req = VersionReq::parse(&parts.join(", ")).map_err(|e| Error::Version {
                text: text.to_string(),
                message: e.to_string(),
            })?;
            alternatives.push(req);
        }
        Ok(Constraint {
            text: text.to_string(),
            alternatives,
        })
    }

    /// Whether `version` satisfies the constraint.
    pub fn matches(&self, version: &Version) -> bool {
        self.alternatives.iter().any(|r| r.matches(version))
    }

    /// [`Constraint::matches`] on a version string ([`parse_version`]).
    ///
    /// # Errors
    /// [`Error::Version`] when it is not a version.
    pub fn matches_str(&self, version: &str) -> Result<bool> {
        Ok(self.matches(&parse_version(version)?))
    }
}

impl std::fmt::Display for Constraint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses a version as Masterminds does: a leading `v` is dropped and missing minor or patch
/// numbers are zero (`v1.9` is `1.9.0`).
///
/// ```
/// assert_eq!(vela_addons::resolve::parse_version("v1.9").unwrap().to_string(), "1.9.0");
/// assert!(vela_addons::resolve::parse_version("latest").is_err());
/// ```
///
/// # Errors
/// [`Error::Version`] when it is not a version.
pub fn parse_version(text: &str) -> Result<Version> {
    let t = text.trim().trim_start_matches(['v', 'V']);
    let (core, rest) = match t.find(['-', '+']) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let mut nums: Vec<&str> = core.split('.').collect();
    while nums.len() < 3 {
        nums.push("0");
    }
    Version::parse(&format!("{}{rest}", nums.join("."))).map_err(|e| Error::Version {
        text: text.to_string(),
        message: e.to_string(),
    })
}

/// The KubeVela version Vela-rs stands in for when an addon's `system.vela` is checked (its
/// built-in definitions and behaviour are KubeVela v1.11.0's).
pub const KUBEVELA_VERSION: &str = "1.11.0";

/// Checks an addon's `system` requirements (KubeVela's `checkAddonVersionMeetRequired`):
/// `system.vela` against `vela` (normally [`KUBEVELA_VERSION`]) and `system.kubernetes` against
/// the cluster's `gitVersion` when it is known. A version that is not semver (a branch, a
/// commit) passes, as in KubeVela; so does a pre-release of a version that fits.
///
/// ```
/// use vela_addons::{Meta, resolve::check_system};
/// let meta = Meta::parse("name: old\nversion: 1.0.0\nsystem: {vela: '>=1.6.0', kubernetes: '<1.22'}").unwrap();
/// assert!(check_system(&meta, "1.11.0", Some("v1.21.3")).is_ok());
/// assert_eq!(
///     check_system(&meta, "1.11.0", Some("v1.31.0")).unwrap_err().to_string(),
///     "addon old requires kubernetes <1.22, found v1.31.0 (--skip-version-validating skips the check)"
/// );
/// ```
///
/// # Errors
/// [`Error::System`] naming the requirement that is not met; [`Error::Version`] when a
/// requirement does not parse.
pub fn check_system(meta: &Meta, vela: &str, kubernetes: Option<&str>) -> Result<()> {
    let Some(sys) = &meta.system else {
        return Ok(());
    };
    let checks = [
        ("vela", sys.vela.as_str(), Some(vela)),
        ("kubernetes", sys.kubernetes.as_str(), kubernetes),
    ];
    for (what, required, actual) in checks {
        let (Some(actual), false) = (actual, required.trim().is_empty()) else {
            continue;
        };
        let Ok(version) = parse_version(actual) else {
            continue;
        };
        let constraint = Constraint::parse(required)?;
        // KubeVela retries a pre-release (1.9.0-beta.1) as its release when the requirement
        // names no pre-release
        let core = Version::new(version.major, version.minor, version.patch);
        let fits = constraint.matches(&version)
            || (!version.pre.is_empty() && !required.contains('-') && constraint.matches(&core));
        if !fits {
            return Err(Error::System {
                addon: meta.name.clone(),
                what,
                required: required.to_string(),
                found: actual.to_string(),
            });
        }
    }
    Ok(())
}

/// The addons a registry offers: every version of every addon, by name.
pub type Available = BTreeMap<String, Vec<Meta>>;

/// The dependencies to enable before `addon`, in order (dependencies of dependencies first),
/// given the installed versions (`name -> version`) and what the registry offers.
///
/// ```
/// use vela_addons::{Meta, resolve::{Available, plan}};
/// let m = |t: &str| Meta::parse(t).unwrap();
/// let mut available = Available::new();
/// available.insert("fluxcd".into(), vec![m("name: fluxcd\nversion: 1.0.0"), m("name: fluxcd\nversion: 2.1.0")]);
/// available.insert("terraform".into(), vec![m("name: terraform\nversion: 1.0.0\ndependencies: [{name: fluxcd, version: '<2'}]")]);
/// let addon = m("name: tf-aws\nversion: 1.0.0\ndependencies: [{name: terraform}]");
/// let order: Vec<String> = plan(&addon, &Default::default(), &available).unwrap()
///     .iter().map(|m| format!("{}@{}", m.name, m.version)).collect();
/// assert_eq!(order, ["fluxcd@1.0.0", "terraform@1.0.0"]);
/// ```
///
/// # Errors
/// [`Error::Dependency`] for a cycle, an addon the registry does not have, a constraint no
/// version satisfies, or an installed version that does not fit; the message lists the chain.
pub fn plan(addon: &Meta, installed: &BTreeMap<String, String>, available: &Available) -> Result<Vec<Meta>> {
    let mut order: Vec<Meta> = Vec::new();
    let mut chain = vec![addon.name.clone()];
    visit(addon, installed, available, &mut chain, &mut order)?;
    Ok(order)
}

fn visit(
    addon: &Meta,
    installed: &BTreeMap<String, String>,
    available: &Available,
    chain: &mut Vec<String>,
    order: &mut Vec<Meta>,
) -> Result<()> {
    for dep in &addon.dependencies {
        let fail = |chain: &[String], message: String| Error::Dependency {
            chain: chain.join(" -> "),
            message,
        };
        let mut path = chain.clone();
        path.push(dep.name.clone());
        if chain.contains(&dep.name) {
            return Err(fail(&path, "the dependencies form a cycle".into()));
        }
        let constraint = Constraint::parse(&dep.version).map_err(|e| fail(&path, e.to_string()))?;
        if let Some(v) = installed.get(&dep.name) {
            let fits = parse_version(v).is_ok_and(|v| constraint.matches(&v));
            // a version that is not semver (a branch, a commit) is accepted, as KubeVela does
            if fits || parse_version(v).is_err() {
                continue;
            }
            return Err(fail(
                &path,
                format!(
                    "version {v} is enabled, the constraint is {constraint:?}",
                    constraint = constraint.to_string()
                ),
            ));
        }
        if let Some(planned) = order.iter().find(|m| m.name == dep.name) {
            if parse_version(&planned.version).is_ok_and(|v| constraint.matches(&v)) {
                continue;
            }
            return Err(fail(
                &path,
                format!(
                    "version {} is planned, the constraint is {:?}",
                    planned.version,
                    constraint.to_string()
                ),
            ));
        }
        let candidates = available
            .get(&dep.name)
            .ok_or_else(|| fail(&path, "no registry has this addon".into()))?;
        let best = candidates
            .iter()
            .filter_map(|m| parse_version(&m.version).ok().map(|v| (v, m)))
            .filter(|(v, _)| constraint.matches(v))
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, m)| m)
            .ok_or_else(|| {
                let versions: Vec<&str> = candidates.iter().map(|m| m.version.as_str()).collect();
                fail(
                    &path,
                    format!(
                        "no version satisfies {:?} (available: {})",
                        dep.version,
                        versions.join(", ")
                    ),
                )
            })?;
        chain.push(dep.name.clone());
        visit(best, installed, available, chain, order)?;
        chain.pop();
        order.push(best.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str) -> Meta {
        Meta::parse(t).unwrap()
    }

    #[test]
    fn every_catalog_style_requirement_reads() {
        for req in [
            ">=1.19.0-0",
            "<1.22",
            ">=1.5.0-beta.3",
            ">=v1.3.0-alpha.1",
            ">=v1.7.0",
        ] {
            Constraint::parse(req).unwrap();
        }
        let meta = m("name: x\nversion: 1.0.0\nsystem: {vela: '>=v1.12.0'}");
        assert!(check_system(&meta, KUBEVELA_VERSION, None).is_err());
        assert!(check_system(&meta, "master", None).is_ok());
        let meta = m("name: x\nversion: 1.0.0\nsystem: {kubernetes: '>=1.30'}");
        assert!(check_system(&meta, KUBEVELA_VERSION, Some("v1.30.0-rc.1")).is_ok());
        assert!(check_system(&meta, KUBEVELA_VERSION, Some("v1.29.9+k3s1")).is_err());
    }

    #[test]
    fn masterminds_constraints_read() {
        let ok = |c: &str, v: &str| Constraint::parse(c).unwrap().matches_str(v).unwrap();
        assert!(ok(">=1.9.0-alpha.2", "1.9.0"));
        assert!(ok(">=v1.9.0", "v1.9.5"));
        assert!(ok(">= 1.0.0 < 2.0.0", "1.5.0"));
        assert!(!ok(">= 1.0.0 < 2.0.0", "2.0.0"));
        assert!(ok("1.2.x", "1.2.9"));
        assert!(ok("~1.2", "1.2.3"));
        assert!(!ok("^1.2", "2.0.0"));
        assert!(Constraint::parse(">=x.y").is_err());
    }

    #[test]
    fn the_installed_version_wins_when_it_fits_else_the_highest_that_fits() {
        let mut available = Available::new();
        available.insert(
            "a".into(),
            vec![
                m("name: a\nversion: 1.0.0"),
                m("name: a\nversion: 1.5.0"),
                m("name: a\nversion: 2.0.0"),
            ],
        );
        let addon = m("name: x\nversion: 1.0.0\ndependencies: [{name: a, version: '<2'}]");
        let got = plan(&addon, &BTreeMap::new(), &available).unwrap();
        assert_eq!(got[0].version, "1.5.0");
        let installed: BTreeMap<String, String> = [("a".to_string(), "1.0.0".to_string())].into();
        assert!(plan(&addon, &installed, &available).unwrap().is_empty());
        let installed: BTreeMap<String, String> = [("a".to_string(), "2.0.0".to_string())].into();
        assert_eq!(
            plan(&addon, &installed, &available).unwrap_err().to_string(),
            "dependency x -> a: version 2.0.0 is enabled, the constraint is \"<2\""
        );
    }

    #[test]
    fn cycles_and_unsatisfiable_constraints_list_the_chain() {
        let mut available = Available::new();
        available.insert(
            "a".into(),
            vec![m("name: a\nversion: 1.0.0\ndependencies: [{name: b}]")],
        );
        available.insert(
            "b".into(),
            vec![m("name: b\nversion: 1.0.0\ndependencies: [{name: a}]")],
        );
        let addon = m("name: x\nversion: 1.0.0\ndependencies: [{name: a}]");
        assert_eq!(
            plan(&addon, &BTreeMap::new(), &available)
                .unwrap_err()
                .to_string(),
            "dependency x -> a -> b -> a: the dependencies form a cycle"
        );
        let addon = m("name: x\nversion: 1.0.0\ndependencies: [{name: b, version: '>=3'}]");
        assert_eq!(
            plan(&addon, &BTreeMap::new(), &available)
                .unwrap_err()
                .to_string(),
            "dependency x -> b: no version satisfies \">=3\" (available: 1.0.0)"
        );
        let addon = m("name: x\nversion: 1.0.0\ndependencies: [{name: c}]");
        assert_eq!(
            plan(&addon, &BTreeMap::new(), &available)
                .unwrap_err()
                .to_string(),
            "dependency x -> c: no registry has this addon"
        );
    }
}
