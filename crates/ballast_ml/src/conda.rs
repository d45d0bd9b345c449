//! conda environments: `<prefix>/conda-meta/<name>-<version>-<build>.json`,
//! one file per installed package (Python and not: MKL, CUDA toolkits,
//! compilers).

/// One installed package, as its record's file name says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub build: String,
    /// The environment's root (the directory holding `conda-meta`).
    pub prefix: String,
}

/// The package a path names, if it is a conda-meta record. Versions and
/// build strings hold no `-`, so the name is what precedes the last two.
pub fn record_package(path: &str) -> Option<Package> {
    let (prefix, file) = path.rsplit_once("/conda-meta/")?;
    let stem = file.strip_suffix(".json")?;
    if stem.contains('/') {
        return None;
    }
    let mut parts = stem.rsplitn(3, '-');
    let (build, version, name) = (parts.next()?, parts.next()?, parts.next()?);
    if name.is_empty() || version.is_empty() || build.is_empty() {
        return None;
    }
    Some(Package {
        name: name.to_string(),
        version: version.to_string(),
        build: build.to_string(),
        prefix: prefix.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_names() {
        let p = record_package("opt/conda/conda-meta/pytorch-cuda-12.1-ha16c6d3_6.json").unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.build.as_str()),
            ("pytorch-cuda", "12.1", "ha16c6d3_6")
        );
        assert_eq!(p.prefix, "opt/conda");
        let p = record_package("opt/conda/envs/ml/conda-meta/libgcc-ng-13.2.0-h77fa898_7.json")
            .unwrap();
        assert_eq!(
            (p.name.as_str(), p.prefix.as_str()),
            ("libgcc-ng", "opt/conda/envs/ml")
        );
        assert_eq!(record_package("opt/conda/conda-meta/history"), None);
        assert_eq!(record_package("opt/conda/conda-meta/x.json"), None);
        assert_eq!(record_package("opt/conda/pkgs/a-1-b.json"), None);
    }
}
