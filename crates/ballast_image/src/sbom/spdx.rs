//! SPDX 2.3 JSON: the image as the package the document describes
//! (purpose `CONTAINER`), the distribution as an `OPERATING_SYSTEM` package,
//! the base image as a `CONTAINER` the image descends from, and each package
//! with its package URL as an external reference, contained in the image.

use serde_json::{Value, json};

use super::{
    BaseImage, Ecosystem, Inventory, Package, Subject, UNNAMED_BASE, fingerprint, str_of,
    utc_timestamp,
};
use crate::inspection::Distro;

const IMAGE_ID: &str = "SPDXRef-Image";
const OS_ID: &str = "SPDXRef-OperatingSystem";
const BASE_ID: &str = "SPDXRef-BaseImage";
/// How a package's location is written in `sourceInfo`, and read back.
const LOCATION: &str = "installed at ";

pub(super) fn write(inv: &Inventory, created: u64) -> Value {
    let timestamp = utc_timestamp(created);
    let mut packages = vec![image_package(&inv.image)];
    let mut relationships = vec![relationship("SPDXRef-DOCUMENT", "DESCRIBES", IMAGE_ID)];
    if let Some(d) = &inv.distro {
        packages.push(os_package(d));
        relationships.push(relationship(IMAGE_ID, "CONTAINS", OS_ID));
    }
    if let Some(b) = &inv.base {
        packages.push(base_package(b));
        relationships.push(relationship(IMAGE_ID, "DESCENDANT_OF", BASE_ID));
    }
    for (i, p) in inv.packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{i}", ecosystem_id(p.ecosystem));
        packages.push(package(p, &id));
        relationships.push(relationship(IMAGE_ID, "CONTAINS", &id));
    }
    let id = fingerprint(&[
        &inv.image.name,
        inv.image.digest.as_deref().unwrap_or(""),
        &timestamp,
    ]);
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": inv.image.name,
        "documentNamespace": format!("https://ballast.invalid/spdx/{}", &id[..32]),
        "creationInfo": {
            "created": timestamp,
            "creators": [format!("Tool: ballast-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

fn relationship(from: &str, kind: &str, to: &str) -> Value {
    json!({ "spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to })
}

/// The fields SPDX requires of every package, with nothing asserted.
fn bare(id: &str, name: &str, purpose: &str) -> Value {
    json!({
        "SPDXID": id,
        "name": name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": purpose,
    })
}

fn image_package(s: &Subject) -> Value {
    let mut p = bare(IMAGE_ID, &s.name, "CONTAINER");
    if let Some(d) = &s.digest {
        p["versionInfo"] = json!(d);
        p["checksums"] =
            json!([{ "algorithm": "SHA256", "checksumValue": d.trim_start_matches("sha256:") }]);
    }
    if let Some(pl) = &s.platform {
        p["comment"] = json!(format!("platform {pl}"));
    }
    p
}

fn os_package(d: &Distro) -> Value {
    let mut p = bare(OS_ID, &d.id, "OPERATING_SYSTEM");
    if let Some(v) = &d.version_id {
        p["versionInfo"] = json!(v);
    }
    if let Some(n) = &d.pretty_name {
        p["description"] = json!(n);
    }
    p
}

fn base_package(b: &BaseImage) -> Value {
    let mut p = bare(
        BASE_ID,
        b.name.as_deref().unwrap_or(UNNAMED_BASE),
        "CONTAINER",
    );
    let mut comment = format!("the bottom {} layers of the image", b.layers);
    if let Some(t) = &b.top_layer {
        comment.push_str(&format!("; top layer {t}"));
    }
    p["comment"] = json!(comment);
    p
}

fn package(pkg: &Package, id: &str) -> Value {
    let mut p = bare(id, &pkg.name, "LIBRARY");
    if !pkg.version.is_empty() {
        p["versionInfo"] = json!(pkg.version);
    }
    let mut refs = Vec::new();
    if let Some(u) = &pkg.purl {
        refs.push(json!({
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": u,
        }));
    }
    if let Some(cpe) = &pkg.cpe {
        refs.push(json!({
            "referenceCategory": "SECURITY",
            "referenceType": "cpe23Type",
            "referenceLocator": cpe,
        }));
    }
    if !refs.is_empty() {
        p["externalRefs"] = json!(refs);
    }
    if let Some(l) = &pkg.location {
        p["sourceInfo"] = json!(format!("{LOCATION}{l}"));
    }
    if let Some(l) = &pkg.license {
        // Not asserted as an SPDX expression: packages write what they like.
        p["licenseComments"] = json!(format!("declared by the package: {l}"));
    }
    p
}

fn ecosystem_id(e: Ecosystem) -> &'static str {
    match e {
        Ecosystem::Deb => "deb",
        Ecosystem::Apk => "apk",
        Ecosystem::Pypi => "python",
        Ecosystem::Conda => "conda",
        Ecosystem::Other => "other",
    }
}

pub(super) fn read(v: &Value) -> Inventory {
    let described: Vec<&str> = v["relationships"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["spdxElementId"] == "SPDXRef-DOCUMENT" && r["relationshipType"] == "DESCRIBES"
        })
        .filter_map(|r| r["relatedSpdxElement"].as_str())
        .chain(
            v["documentDescribes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d.as_str()),
        )
        .collect();
    let mut inv = Inventory::default();
    for p in v["packages"].as_array().into_iter().flatten() {
        let id = p["SPDXID"].as_str().unwrap_or("");
        let name = str_of(&p["name"]).unwrap_or_default();
        let version = str_of(&p["versionInfo"]);
        if described.contains(&id) {
            inv.image = Subject {
                name,
                digest: version.filter(|d| d.contains(':')),
                platform: p["comment"]
                    .as_str()
                    .and_then(|c| c.strip_prefix("platform "))
                    .map(str::to_string),
            };
            continue;
        }
        match p["primaryPackagePurpose"].as_str() {
            Some("OPERATING_SYSTEM" | "OPERATING-SYSTEM") => {
                inv.distro = Some(Distro {
                    id: name,
                    version_id: version,
                    codename: None,
                    pretty_name: str_of(&p["description"]),
                })
            }
            Some("CONTAINER") => inv.base = Some(base_of(p, name)),
            _ => inv.packages.push(package_of(p, name, version)),
        }
    }
    super::sort(&mut inv.packages);
    inv
}

fn base_of(p: &Value, name: String) -> BaseImage {
    let comment = p["comment"].as_str().unwrap_or("");
    BaseImage {
        name: Some(name).filter(|n| n != UNNAMED_BASE),
        layers: comment
            .strip_prefix("the bottom ")
            .and_then(|c| c.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        top_layer: comment
            .split_once("; top layer ")
            .map(|(_, t)| t.to_string()),
    }
}

fn package_of(p: &Value, name: String, version: Option<String>) -> Package {
    let reference = |kind: &str| {
        p["externalRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["referenceType"] == kind)
            .and_then(|r| str_of(&r["referenceLocator"]))
    };
    let purl = reference("purl");
    let ecosystem = purl
        .as_deref()
        .and_then(|u| u.parse::<packageurl::PackageUrl>().ok())
        .map_or(Ecosystem::Other, |u| Ecosystem::of_purl_type(u.ty()));
    Package {
        ecosystem,
        name,
        version: version.unwrap_or_default(),
        purl,
        location: p["sourceInfo"]
            .as_str()
            .and_then(|s| s.strip_prefix(LOCATION))
            .map(str::to_string),
        license: p["licenseComments"]
            .as_str()
            .and_then(|s| s.strip_prefix("declared by the package: "))
            .map(str::to_string),
        bytes: None,
        cpe: reference("cpe23Type"),
    }
}
