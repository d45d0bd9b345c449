//! CycloneDX 1.5 JSON: the image as `metadata.component` (a container),
//! the distribution as an `operating-system` component (what grype and
//! trivy take the distro from), the base image as a `container` component,
//! and each package as a `library` with its package URL, its location as
//! evidence and ballast's measurements as properties.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{
    BaseImage, Ecosystem, Inventory, Package, Subject, UNNAMED_BASE, fingerprint, str_of,
    utc_timestamp,
};
use crate::inspection::Distro;

const IMAGE_REF: &str = "image";
const OS_REF: &str = "operating-system";
const BASE_REF: &str = "base-image";

pub(super) fn write(inv: &Inventory, created: u64) -> Value {
    let timestamp = utc_timestamp(created);
    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(d) = &inv.distro {
        components.push(os_component(d));
        refs.push(OS_REF.to_string());
    }
    if let Some(b) = &inv.base {
        components.push(base_component(b));
        refs.push(BASE_REF.to_string());
    }
    let mut seen = HashSet::new();
    for (i, p) in inv.packages.iter().enumerate() {
        // A bom-ref is unique: the same distribution in two environments
        // shares a package URL.
        let base = p.purl.clone().unwrap_or_else(|| format!("package-{i}"));
        let bom_ref = match seen.insert(base.clone()) {
            true => base,
            false => format!("{base}#{i}"),
        };
        components.push(package_component(p, &bom_ref));
        refs.push(bom_ref);
    }
    let serial = fingerprint(&[
        &inv.image.name,
        inv.image.digest.as_deref().unwrap_or(""),
        &timestamp,
    ]);
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!("urn:uuid:{}", uuid_shape(&serial)),
        "version": 1,
        "metadata": {
            "timestamp": timestamp,
            "tools": { "components": [{
                "type": "application",
                "name": "ballast",
                "version": env!("CARGO_PKG_VERSION"),
            }]},
            "component": image_component(&inv.image),
        },
        "components": components,
        "dependencies": [{ "ref": IMAGE_REF, "dependsOn": refs }],
    })
}

/// A version-5-shaped UUID from the first 32 hex digits of a fingerprint.
fn uuid_shape(hex: &str) -> String {
    let h = &hex[..32];
    format!(
        "{}-{}-5{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        // The variant nibble: 8, 9, a or b.
        ["8", "9", "a", "b"][usize::from(h.as_bytes()[16]) % 4],
        &h[17..20],
        &h[20..32]
    )
}

fn image_component(s: &Subject) -> Value {
    let mut c = json!({ "type": "container", "bom-ref": IMAGE_REF, "name": s.name });
    if let Some(d) = &s.digest {
        c["version"] = json!(d);
        c["hashes"] = json!([{ "alg": "SHA-256", "content": d.trim_start_matches("sha256:") }]);
    }
    if let Some(p) = &s.platform {
        c["properties"] = json!([{ "name": "ballast:platform", "value": p }]);
    }
    c
}

fn os_component(d: &Distro) -> Value {
    let mut c = json!({ "type": "operating-system", "bom-ref": OS_REF, "name": d.id });
    if let Some(v) = &d.version_id {
        c["version"] = json!(v);
    }
    if let Some(p) = &d.pretty_name {
        c["description"] = json!(p);
    }
    if let Some(n) = &d.codename {
        c["properties"] = json!([{ "name": "ballast:codename", "value": n }]);
    }
    c
}

fn base_component(b: &BaseImage) -> Value {
    let mut props = vec![json!({ "name": "ballast:base:layers", "value": b.layers.to_string() })];
    if let Some(t) = &b.top_layer {
        props.push(json!({ "name": "ballast:base:top-layer", "value": t }));
    }
    json!({
        "type": "container",
        "bom-ref": BASE_REF,
        "name": b.name.as_deref().unwrap_or(UNNAMED_BASE),
        "description": "the image this one is built on",
        "properties": props,
    })
}

fn package_component(p: &Package, bom_ref: &str) -> Value {
    let mut c = json!({ "type": "library", "bom-ref": bom_ref, "name": p.name });
    if !p.version.is_empty() {
        c["version"] = json!(p.version);
    }
    if let Some(u) = &p.purl {
        c["purl"] = json!(u);
    }
    if let Some(cpe) = &p.cpe {
        c["cpe"] = json!(cpe);
    }
    if let Some(l) = &p.license {
        c["licenses"] = json!([{ "license": { "name": l } }]);
    }
    let mut props = Vec::new();
    if let Some(m) = manager(p.ecosystem) {
        props.push(json!({ "name": "ballast:package-manager", "value": m }));
    }
    if let Some(b) = p.bytes {
        props.push(json!({ "name": "ballast:bytes", "value": b.to_string() }));
    }
    if !props.is_empty() {
        c["properties"] = json!(props);
    }
    if let Some(l) = &p.location {
        c["evidence"] = json!({ "occurrences": [{ "location": l }] });
    }
    c
}

fn manager(e: Ecosystem) -> Option<&'static str> {
    match e {
        Ecosystem::Deb => Some("dpkg"),
        Ecosystem::Apk => Some("apk"),
        Ecosystem::Pypi => Some("python"),
        Ecosystem::Conda => Some("conda"),
        Ecosystem::Other => None,
    }
}

pub(super) fn read(v: &Value) -> Inventory {
    let meta = &v["metadata"]["component"];
    let mut inv = Inventory {
        image: Subject {
            name: str_of(&meta["name"]).unwrap_or_default(),
            digest: str_of(&meta["version"]).filter(|d| d.contains(':')),
            platform: property(meta, "ballast:platform"),
        },
        ..Inventory::default()
    };
    let mut stack: Vec<&Value> = v["components"].as_array().into_iter().flatten().collect();
    while let Some(c) = stack.pop() {
        stack.extend(c["components"].as_array().into_iter().flatten());
        match c["type"].as_str() {
            Some("operating-system") => {
                inv.distro = Some(Distro {
                    id: str_of(&c["name"]).unwrap_or_default(),
                    version_id: str_of(&c["version"]),
                    codename: property(c, "ballast:codename"),
                    pretty_name: str_of(&c["description"]),
                })
            }
            Some("container") => {
                inv.base = Some(BaseImage {
                    name: str_of(&c["name"]).filter(|n| n != UNNAMED_BASE),
                    layers: property(c, "ballast:base:layers")
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0),
                    top_layer: property(c, "ballast:base:top-layer"),
                })
            }
            _ => inv.packages.push(package(c)),
        }
    }
    super::sort(&mut inv.packages);
    inv
}

fn package(c: &Value) -> Package {
    let purl = str_of(&c["purl"]);
    let parsed = purl
        .as_deref()
        .and_then(|u| u.parse::<packageurl::PackageUrl>().ok());
    Package {
        ecosystem: parsed
            .as_ref()
            .map_or(Ecosystem::Other, |p| Ecosystem::of_purl_type(p.ty())),
        name: str_of(&c["name"])
            .or_else(|| parsed.as_ref().map(|p| p.name().to_string()))
            .unwrap_or_default(),
        version: str_of(&c["version"])
            .or_else(|| {
                parsed
                    .as_ref()
                    .and_then(|p| p.version())
                    .map(str::to_string)
            })
            .unwrap_or_default(),
        location: c["evidence"]["occurrences"][0]["location"]
            .as_str()
            .map(str::to_string),
        license: c["licenses"][0]["license"]["name"]
            .as_str()
            .or(c["licenses"][0]["license"]["id"].as_str())
            .or(c["licenses"][0]["expression"].as_str())
            .map(str::to_string),
        bytes: property(c, "ballast:bytes").and_then(|b| b.parse().ok()),
        cpe: str_of(&c["cpe"]),
        purl,
    }
}

fn property(c: &Value, name: &str) -> Option<String> {
    c["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| str_of(&p["value"]))
}
