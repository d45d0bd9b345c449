//! Findings already computed, by rule, for the texts a lint and its rounds
//! of fixes see. The image model replays `ballast fix` several times on the
//! same file (the safe fixes, all fixes, all fixes but one group's: see
//! [`crate::marginal`]); every replay starts by linting the text the user
//! wrote, and several reach the same intermediate texts. A rule's findings
//! depend on the text, the context files as fixes left them and the
//! settings other than which rules run, so a later lint asking for rules
//! already run on the same inputs takes their findings from here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use ballast_dockerfile::Dockerfile;

use crate::LintOptions;
use crate::finding::Finding;
use crate::model::ImageModel;
use crate::preserve;

/// What one rule found on one input.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleResult {
    /// Findings after severities and suppressions.
    pub findings: Vec<Finding>,
    /// How many findings suppression comments silenced.
    pub suppressed: usize,
}

/// Everything a lint reads besides which rules run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    source: String,
    overlay: BTreeMap<String, String>,
    /// The settings, build options, target, path and context that shape a
    /// rule's findings, written out (rule selection left out).
    inputs: String,
}

impl Key {
    pub(crate) fn of(source: &str, options: &LintOptions<'_>) -> Key {
        let mut settings = options.settings.clone();
        settings.select.clear();
        settings.extend_select.clear();
        settings.ignore.clear();
        settings.per_path_ignores.clear();
        let inputs = format!(
            "{settings:?} {:?} {:?} {:?} {:?} {:?}",
            options.bases,
            options.build,
            options.target,
            options.path,
            options.context.map(|c| c as *const _ as usize),
        );
        Key {
            source: source.to_string(),
            overlay: options.overlay.clone(),
            inputs,
        }
    }
}

#[derive(Debug, Default)]
struct Entry {
    key: Option<Key>,
    rules: BTreeMap<&'static str, RuleResult>,
    notes: Vec<String>,
}

/// Values computed from the last few inputs, most recent last.
#[derive(Debug)]
struct Recent<T>(Vec<(Key, T)>);

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent(Vec::new())
    }
}

impl<T: Clone> Recent<T> {
    fn get(&self, key: &Key) -> Option<T> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn put(&mut self, key: Key, value: T) {
        if self.0.iter().any(|(k, _)| *k == key) {
            return;
        }
        if self.0.len() == KEPT {
            self.0.remove(0);
        }
        self.0.push((key, value));
    }
}

#[derive(Debug, Default)]
struct Inner {
    lints: Vec<Entry>,
    /// The image model of a text ([`crate::model::predict_text`]).
    images: Recent<ImageModel>,
    /// What the preservation check compares ([`crate::preserve`]).
    kept: Recent<preserve::Model>,
    /// Parsed texts, most recent last.
    parsed: Vec<Arc<Dockerfile>>,
}

/// The findings and models of the last few inputs linted with one set of
/// options (shared by [`LintOptions::with_overlay`]).
#[derive(Debug, Clone, Default)]
pub struct Memo(Arc<Mutex<Inner>>);

/// Inputs kept: the text as written and the texts of the rounds of fixes.
const KEPT: usize = 8;

impl Memo {
    /// The results of every rule in `codes` on `key`, if all were run.
    pub(crate) fn get(
        &self,
        key: &Key,
        codes: &[&'static str],
    ) -> Option<(Vec<RuleResult>, Vec<String>)> {
        let inner = self.0.lock().ok()?;
        let entry = inner.lints.iter().find(|e| e.key.as_ref() == Some(key))?;
        let results = codes
            .iter()
            .map(|c| entry.rules.get(c).cloned())
            .collect::<Option<Vec<_>>>()?;
        Some((results, entry.notes.clone()))
    }

    /// Keeps what the rules found on `key`.
    pub(crate) fn put(&self, key: Key, results: Vec<(&'static str, RuleResult)>, notes: &[String]) {
        let Ok(mut inner) = self.0.lock() else {
            return;
        };
        let lints = &mut inner.lints;
        let at = match lints.iter().position(|e| e.key.as_ref() == Some(&key)) {
            Some(i) => i,
            None => {
                if lints.len() == KEPT {
                    lints.remove(0);
                }
                lints.push(Entry {
                    key: Some(key),
                    ..Entry::default()
                });
                lints.len() - 1
            }
        };
        let entry = &mut lints[at];
        entry.rules.extend(results);
        entry.notes = notes.to_vec();
    }

    /// The image model of `key`, computed by `make` the first time.
    pub(crate) fn image<E>(
        &self,
        key: Key,
        make: impl FnOnce() -> Result<ImageModel, E>,
    ) -> Result<ImageModel, E> {
        cached(&self.0, key, |i| &mut i.images, make)
    }

    /// The preservation model of `key`, computed by `make` the first time.
    pub(crate) fn kept<E>(
        &self,
        key: Key,
        make: impl FnOnce() -> Result<preserve::Model, E>,
    ) -> Result<preserve::Model, E> {
        cached(&self.0, key, |i| &mut i.kept, make)
    }
}

impl Memo {
    /// The parse of `text`: the file as read is parsed once however many
    /// rounds of fixes and replays start from it.
    pub fn parse(&self, text: &str) -> Arc<Dockerfile> {
        let known = self
            .0
            .lock()
            .ok()
            .and_then(|i| i.parsed.iter().rev().find(|d| d.source == text).cloned());
        known.unwrap_or_else(|| {
            let df = Arc::new(Dockerfile::parse(text));
            self.seed(df.clone());
            df
        })
    }

    /// Keeps a text already parsed (by the project it came from).
    pub fn seed(&self, df: Arc<Dockerfile>) {
        let Ok(mut inner) = self.0.lock() else {
            return;
        };
        if inner.parsed.iter().any(|d| d.source == df.source) {
            return;
        }
        if inner.parsed.len() == PARSED_KEPT {
            inner.parsed.remove(0);
        }
        inner.parsed.push(df);
    }
}

/// Parsed texts kept: the text as written and a replay's candidates.
const PARSED_KEPT: usize = 16;

/// The value `key` has in the cache `field` picks, computed by `make` (with
/// the lock released) the first time.
fn cached<T: Clone, E>(
    inner: &Mutex<Inner>,
    key: Key,
    field: impl Fn(&mut Inner) -> &mut Recent<T>,
    make: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    if let Some(v) = inner.lock().ok().and_then(|mut i| field(&mut i).get(&key)) {
        return Ok(v);
    }
    let v = make()?;
    if let Ok(mut i) = inner.lock() {
        field(&mut i).put(key, v.clone());
    }
    Ok(v)
}
