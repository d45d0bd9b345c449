//! Byte sizes, printed one way by every command: decimal units (as
//! `docker images` shows them), and parsing of user-given sizes with decimal
//! or binary units.

/// `1234567` -> `1.2 MB` (decimal units).
pub fn format_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = 0;
    value /= 1000.0;
    while value >= 999.95 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A signed difference: `+1.2 MB`, `-300 B`.
pub fn format_delta(d: i64) -> String {
    if d >= 0 {
        format!("+{}", format_bytes(d as u64))
    } else {
        format!("-{}", format_bytes(d.unsigned_abs()))
    }
}

/// Parses `500MB`, `1.5GB`, `2GiB`, `1G`, `1024`: decimal units are powers
/// of 1000, `Ki`/`Mi`/`Gi` powers of 1024, a bare number is bytes.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().map_err(|_| {
        format!("invalid size {s:?}: expected a number with an optional unit such as 500MB or 2GiB")
    })?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024.0 * 1024.0,
        "gi" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "ti" | "tib" => 1024f64.powi(4),
        other => return Err(format!("invalid size {s:?}: unknown unit {other:?}")),
    };
    if !value.is_finite() || value < 0.0 {
        return Err(format!("invalid size {s:?}"));
    }
    Ok((value * mult).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(format_bytes(999), "999 B");
        assert_eq!(format_bytes(1_234_567), "1.2 MB");
        assert_eq!(format_bytes(4_700_000_000), "4.7 GB");
        assert_eq!(format_bytes(999_960), "1.0 MB");
        assert_eq!(format_bytes(250_000_000), "250 MB");
        assert_eq!(format_delta(-2_000), "-2.0 kB");
        assert_eq!(parse_bytes("1.5GB"), Ok(1_500_000_000));
        assert_eq!(parse_bytes("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_bytes("500 mb"), Ok(500_000_000));
        assert_eq!(parse_bytes("1024"), Ok(1024));
        assert!(parse_bytes("1 XB").is_err());
        assert!(parse_bytes("lots").is_err());
    }
}
