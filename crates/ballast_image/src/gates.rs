//! CI gates on an image: limits on its final size, its compressed (pull)
//! size, its wasted bytes, its efficiency and its categories. A gate fails
//! when the value is strictly beyond its limit.

use ballast_ml::units::{format_bytes, parse_bytes};

use crate::inspection::{Category, Report};

/// The limits, each optional.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Gates {
    pub max_size: Option<u64>,
    pub max_compressed: Option<u64>,
    pub max_wasted: Option<u64>,
    /// Final bytes over stored bytes, from 0 to 1.
    pub min_efficiency: Option<f64>,
    pub max_category: Vec<(Category, u64)>,
}

impl Gates {
    /// One line per failed gate.
    pub fn check(&self, r: &Report) -> Vec<String> {
        let mut failed = Vec::new();
        let sizes = [
            ("max-size", r.totals.final_bytes, self.max_size),
            (
                "max-compressed",
                r.totals.compressed_bytes,
                self.max_compressed,
            ),
            ("max-wasted", r.totals.wasted_bytes, self.max_wasted),
        ];
        for (name, value, limit) in sizes {
            if let Some(limit) = limit.filter(|&l| value > l) {
                failed.push(above(name, value, limit));
            }
        }
        if let Some(min) = self.min_efficiency.filter(|&m| r.totals.efficiency < m) {
            failed.push(format!(
                "min-efficiency: {:.3} is below {min}",
                r.totals.efficiency
            ));
        }
        for &(c, limit) in &self.max_category {
            let value = r.categories.bytes(c);
            if value > limit {
                failed.push(above(&format!("max-category {}", c.name()), value, limit));
            }
        }
        failed
    }
}

fn above(name: &str, value: u64, limit: u64) -> String {
    format!(
        "{name}: {} is above {}",
        format_bytes(value),
        format_bytes(limit)
    )
}

/// A size limit (`2GB`, `500MB`, `0`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    parse_bytes(text)
}

/// An efficiency limit, a fraction from 0 to 1.
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let f: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    fraction(f)
}

/// An efficiency limit as a number: a fraction from 0 to 1.
pub fn fraction(f: f64) -> Result<f64, String> {
    if !(0.0..=1.0).contains(&f) {
        return Err(format!("{f} is not between 0 and 1"));
    }
    Ok(f)
}

/// A category limit, `CATEGORY=SIZE` (`cuda=1GB`).
pub fn parse_category_limit(spec: &str) -> Result<(Category, u64), String> {
    let (name, size) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec:?}: expected CATEGORY=SIZE"))?;
    Ok((parse_category(name)?, parse_bytes(size)?))
}

/// A category by the name gates use.
pub fn parse_category(name: &str) -> Result<Category, String> {
    Category::parse(name.trim()).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        format!(
            "unknown category {:?} (one of {})",
            name.trim(),
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut r = Report::default();
        r.totals.final_bytes = 2_000;
        r.totals.compressed_bytes = 900;
        r.totals.wasted_bytes = 500;
        r.totals.efficiency = 0.8;
        r.categories.pip_cache_bytes = 300;
        r
    }

    #[test]
    fn a_gate_fails_only_strictly_beyond_its_limit() {
        let at = Gates {
            max_size: Some(2_000),
            max_compressed: Some(900),
            max_wasted: Some(500),
            min_efficiency: Some(0.8),
            max_category: vec![(Category::PipCache, 300)],
        };
        assert!(at.check(&report()).is_empty());
        let beyond = Gates {
            max_size: Some(1_999),
            max_compressed: Some(899),
            max_wasted: Some(499),
            min_efficiency: Some(0.81),
            max_category: vec![(Category::PipCache, 299)],
        };
        let failed = beyond.check(&report());
        assert_eq!(failed.len(), 5, "{failed:?}");
        assert!(
            failed[4].starts_with("max-category pip-cache: 300 B"),
            "{failed:?}"
        );
    }

    #[test]
    fn limits_parse_or_say_why_not() {
        assert_eq!(
            parse_category_limit("cuda=1kB"),
            Ok((Category::Cuda, 1_000))
        );
        assert!(
            parse_category_limit("nope=1")
                .unwrap_err()
                .contains("unknown category \"nope\"")
        );
        assert!(
            parse_category_limit("cuda")
                .unwrap_err()
                .contains("CATEGORY=SIZE")
        );
        assert!(
            parse_fraction("1.5")
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert_eq!(parse_fraction("0.5"), Ok(0.5));
        for c in Category::ALL {
            assert_eq!(Category::parse(c.name()), Some(c));
        }
    }
}
