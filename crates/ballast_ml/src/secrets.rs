//! What a secret looks like: variable names, token shapes, and the contents
//! of environment, key and credential files.
//!
//! One home for every command that judges secrets: the linter (ARG/ENV in
//! a Dockerfile), the context (files a build sends) and the image analysis
//! (ENV in an image configuration) all call these functions, so the same
//! variable is a secret everywhere or nowhere.

/// Whether a variable name says it holds a secret: judged by its last name
/// segment (`_`, `-`, `.`), so `HF_TOKEN`, `OPENAI_API_KEY` and
/// `AWS_SECRET_ACCESS_KEY` are, while `TOKENIZERS_PARALLELISM`,
/// `HF_TOKEN_PATH`, `KEY_NAME` and `GPG_KEY` (a public fingerprint in the
/// official python images) are not. Public build variables
/// (`NEXT_PUBLIC_*`, `VITE_*`, ...) never are: they are meant to be seen.
pub fn is_secret_name(name: &str) -> bool {
    if is_public_name(name) {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    let parts: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    let Some(last) = parts.last() else {
        return false;
    };
    let prev = parts.len().checked_sub(2).map(|i| parts[i]);
    match *last {
        "TOKEN" | "SECRET" | "PASSWORD" | "PASSWD" | "PWD" | "APIKEY" | "CREDENTIALS" | "CREDS"
        | "PASSPHRASE" | "PAT" => !(*last == "PWD" && parts.len() == 1),
        "KEY" => matches!(
            prev,
            Some(
                "API"
                    | "ACCESS"
                    | "PRIVATE"
                    | "SECRET"
                    | "SIGNING"
                    | "ENCRYPTION"
                    | "MASTER"
                    | "CLIENT"
                    | "AUTH"
                    | "LICENSE"
                    | "SERVICE"
                    | "ADMIN"
            )
        ),
        _ => false,
    }
}

/// Whether a variable (an ENV or ARG of a Dockerfile, an `Env` entry of an
/// image configuration) holds a secret: a secret name with a value that is
/// not empty or a stand-in, or any value shaped like a token. The linter
/// and the image analysis both judge with this, so they agree.
pub fn is_secret_variable(name: &str, value: &str) -> bool {
    is_secret_value(value) || (is_secret_name(name) && !is_placeholder(value))
}

/// Prefixes of variables that front-end build tools inline into public
/// bundles (Next.js, Vite, Create React App, Nuxt, Expo, Gatsby, Astro).
const PUBLIC_PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "NUXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
];

/// Whether a variable is public by convention (a front-end build inlines it).
pub fn is_public_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    PUBLIC_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// Whether a value is shaped like a real credential: a Hugging Face,
/// OpenAI, Anthropic, GitHub, GitLab, Slack, Google or AWS token, a private
/// key, or a URL carrying a password.
pub fn is_secret_value(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    let tail = |prefix: &str, min: usize| {
        v.strip_prefix(prefix).is_some_and(|t| {
            t.len() >= min
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !is_placeholder(t)
        })
    };
    tail("hf_", 30)
        || tail("sk-", 20)
        || tail("ghp_", 30)
        || tail("gho_", 30)
        || tail("ghs_", 30)
        || tail("github_pat_", 30)
        || tail("glpat-", 20)
        || tail("xoxb-", 20)
        || tail("xoxp-", 20)
        || tail("xoxa-", 20)
        || tail("AIza", 35)
        || (v.len() == 20
            && (v.starts_with("AKIA") || v.starts_with("ASIA"))
            && v.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        || has_private_key(v)
        || url_with_password(v)
}

/// `scheme://user:password@host` with a real password.
fn url_with_password(v: &str) -> bool {
    let Some((_, rest)) = v.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return false;
    };
    userinfo
        .split_once(':')
        .is_some_and(|(_, pw)| !is_placeholder(pw) && !pw.starts_with('$'))
}

/// Whether a value is empty or a stand-in: `changeme`, `xxx`, `<your-key>`,
/// `{{ token }}`, `your_api_key_here`, booleans and numbers 0/1. (A
/// `$VAR` reference is a real value wherever it is expanded, so it is not
/// one.)
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    if v.is_empty() {
        return true;
    }
    let filler = v.chars().all(|c| matches!(c, 'x' | '*' | '.' | '-' | '_'));
    filler
        || matches!(
            v.as_str(),
            "0" | "1"
                | "true"
                | "false"
                | "yes"
                | "no"
                | "none"
                | "null"
                | "changeme"
                | "change-me"
                | "change_me"
                | "todo"
                | "dummy"
                | "test"
                | "example"
        )
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        || v.starts_with("your")
        || v.ends_with("here")
        || v.contains("placeholder")
        || v.contains("dummy")
        // `1234`: no real secret is a few digits.
        || (v.len() <= 6 && v.chars().all(|c| c.is_ascii_digit()))
        || v.starts_with("replace")
}

/// Whether a text holds a PEM private key.
pub fn has_private_key(text: &str) -> bool {
    text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----")
}

/// Why a file of the build context holds a secret, judged by its name and,
/// where the name alone does not tell, by its contents (`None`: it does not,
/// or it is not a kind of file that holds one).
///
/// - `.env` and `.env.*` (not `.example`, `.sample`, `.template`, `.dist`,
///   `.defaults`): a line `KEY=value` whose key is a secret name with a real
///   value, or whose value is shaped like a token;
/// - `.pem`, `.key`, `.crt`: a private key (certificates and public keys
///   are not secrets);
/// - SSH keys (`id_rsa`, ...), keystores (`.p12`, `.pfx`, `.jks`,
///   `.keystore`): by name;
/// - `.netrc`, `.pypirc`, `.npmrc`, `.git-credentials`, Docker and AWS
///   credential files, cloud service-account JSON: a credential in them.
pub fn file_secret(path: &str, text: Option<&str>) -> Option<String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519"
    ) || [".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        return Some("a private key store".into());
    }
    let text = text?;
    if is_env_file(&lower) {
        let keys = dotenv_secrets(text);
        return (!keys.is_empty()).then(|| format!("sets {}", keys.join(", ")));
    }
    if [".pem", ".key", ".crt"].iter().any(|s| lower.ends_with(s)) {
        return has_private_key(text).then(|| "a private key".into());
    }
    if is_credentials_file(path, &lower) {
        return credential_in(text).then(|| "credentials".into());
    }
    None
}

/// Whether [`file_secret`] needs a file's contents to judge it: env,
/// PEM and credential files.
pub fn judged_by_contents(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    is_env_file(&name)
        || [".pem", ".key", ".crt"].iter().any(|s| name.ends_with(s))
        || is_credentials_file(path, &name)
}

fn is_credentials_file(path: &str, lower: &str) -> bool {
    matches!(
        lower,
        ".netrc" | ".pypirc" | ".npmrc" | ".git-credentials" | ".dockercfg" | "credentials.json"
    ) || path.ends_with(".aws/credentials")
        || path.ends_with(".docker/config.json")
        || ((lower.contains("service-account") || lower.contains("service_account"))
            && lower.ends_with(".json"))
}

/// Whether a file name is an environment file that may hold real values.
pub fn is_env_file(lower_name: &str) -> bool {
    lower_name == ".env"
        || (lower_name.starts_with(".env.")
            && !matches!(
                lower_name.rsplit('.').next(),
                Some("example" | "sample" | "template" | "dist" | "defaults" | "tpl" | "schema")
            ))
        || (lower_name.ends_with(".env")
            && !lower_name.contains("example")
            && !lower_name.contains("sample")
            && !lower_name.contains("template"))
}

/// The keys of an env file that hold secrets (`KEY=value` lines, optionally
/// `export`ed and quoted).
pub fn dotenv_secrets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let value = value.split(" #").next().unwrap_or(value).trim();
        // `${OTHER}` interpolates another variable: no literal secret here.
        let literal = !value.trim_matches(['"', '\'']).starts_with('$');
        let secret =
            literal && ((is_secret_name(key) && !is_placeholder(value)) || is_secret_value(value));
        if secret && !is_public_name(key) && !out.iter().any(|k| k == key) {
            out.push(key.to_string());
        }
    }
    out
}

/// Whether a credentials file (`.netrc`, `.pypirc`, INI, JSON) holds one.
fn credential_in(text: &str) -> bool {
    if has_private_key(text) || text.contains("\"private_key\"") {
        return true;
    }
    text.lines().any(|line| {
        let line = line.trim().trim_end_matches(',');
        // `password secret` (.netrc), `key = value` (INI), `"key": "value"` (JSON).
        let (k, v) = if let Some((k, v)) = line.split_once('=') {
            (k, v)
        } else if let Some((k, v)) = line.split_once(':') {
            (k, v)
        } else if let Some((k, v)) = line.split_once(char::is_whitespace) {
            (k, v)
        } else {
            return false;
        };
        let k = k.trim().trim_matches('"').trim_start_matches("//");
        let k = k.rsplit(':').next().unwrap_or(k);
        let v = v.trim().trim_matches('"');
        let key = k.to_ascii_lowercase();
        let secret_key = matches!(
            key.as_str(),
            "password" | "auth" | "_auth" | "_authtoken" | "client_secret" | "token"
        ) || is_secret_name(k);
        (secret_key && !is_placeholder(v)) || is_secret_value(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "HF_TOKEN",
            "HUGGING_FACE_HUB_TOKEN",
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "db_password",
            "SECRET_KEY",
            "GITHUB_PAT",
            "POSTGRES_PWD",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "TOKENIZERS_PARALLELISM",
            "HF_TOKEN_PATH",
            "PWD",
            "KEY",
            "KEY_NAME",
            "GPG_KEY",
            "PRIMARY_KEY",
            "NEXT_PUBLIC_API_KEY",
            "VITE_SECRET",
            "PASSWORD_FILE",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert!(is_secret_value("hf_abcdefghijklmnopqrstuvwxyzABCDEF"));
        assert!(is_secret_value("AKIAIOSFODNN7EXAMPLE"));
        assert!(is_secret_value("postgres://app:s3cr3t@db:5432/app"));
        assert!(!is_secret_value("postgres://app:${DB_PASSWORD}@db/app"));
        assert_eq!(
            dotenv_secrets("HF_TOKEN=${HF_TOKEN}\nDB_PASSWORD=hunter2\n"),
            ["DB_PASSWORD"]
        );
        assert!(!is_secret_value("hf_short"));
        assert!(!is_secret_value("sk-xxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(is_placeholder("your-api-key-here"));
        assert!(is_placeholder("<token>"));
        assert!(is_placeholder("airgap-ci-only-dummy-secret"));
        assert!(is_placeholder("1234"));
        assert!(!is_placeholder("12345678"));
        assert!(!is_placeholder("docsgpt"));
    }

    #[test]
    fn files_by_contents() {
        assert_eq!(
            file_secret(
                "web/.env.production",
                Some("NEXT_PUBLIC_ENV='production'\n")
            ),
            None
        );
        assert!(file_secret(".env", Some("OPENAI_API_KEY=sk-abcdefghijklmnopqrstuv\n")).is_some());
        assert_eq!(
            file_secret(".env", Some("OPENAI_API_KEY=\nAPI_HOST=0.0.0.0\n")),
            None
        );
        assert_eq!(
            file_secret(
                ".env.example",
                Some("HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyzABCDEF")
            ),
            None
        );
        assert_eq!(
            file_secret("keys/public.pem", Some("-----BEGIN PUBLIC KEY-----\n")),
            None
        );
        assert!(file_secret("tls.key", Some("-----BEGIN RSA PRIVATE KEY-----\n")).is_some());
        assert!(file_secret(".ssh/id_rsa", None).is_some());
        assert_eq!(file_secret(".env", Some("\0\0\0\0")), None);
        assert!(
            file_secret(
                ".pypirc",
                Some("[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n")
            )
            .is_some()
        );
        assert_eq!(
            file_secret(".npmrc", Some("registry=https://registry.npmjs.org/\n")),
            None
        );
    }
}
