//! Mining: many people's fixes become a candidate lesson. The traces that no lesson explains
//! (hand fixes, and reports whose attempt → fix is a before → after pair) are clustered by
//! what changed ([`change`], [`cluster`]); a cluster made by enough distinct contributors
//! becomes a candidate lesson for people to review, with a generated trigger query and fix
//! where the change is mechanical ([`generalize`]), or an endorsement of the lesson that
//! already explains it.

pub mod change;
pub mod cluster;
pub mod generalize;
mod syntax;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use self::cluster::{Cluster, Pair};
use crate::analysis::Matcher;
use crate::lessons::{Fix, Lesson, LessonStatus, Provenance, Severity};
use crate::traces::Trace;

/// A cluster that an existing lesson already explains: evidence for that lesson.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endorsement {
    pub lesson_id: String,
    /// The traces of the cluster.
    pub traces: Vec<String>,
    pub contributors: usize,
}

/// What mining found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Mined {
    pub candidates: Vec<Lesson>,
    pub endorsements: Vec<Endorsement>,
}

/// How many exemplars a candidate's explanation shows.
const EXEMPLARS_SHOWN: usize = 2;
/// How many members of a cluster are checked against the existing lessons, and generalized
/// into a trigger: enough to be sure, few enough that a huge cluster stays quick.
const SAMPLE: usize = 12;

/// Mines `traces` (those that are changes and name no lesson) against the `lessons` that
/// already exist: clusters by at least `min_contributors` people become candidates or
/// endorsements.
pub fn mine(traces: &[&Trace], lessons: &[Lesson], min_contributors: usize) -> Mined {
    let minable: Vec<&Trace> = traces
        .iter()
        .copied()
        .filter(|trace| {
            trace.outcome.is_change()
                && trace.lesson_id.is_none()
                && !trace.before.trim().is_empty()
                && !trace.after.trim().is_empty()
        })
        .collect();
    let pairs: Vec<Pair> = minable
        .iter()
        .map(|trace| Pair {
            id: trace.id.clone(),
            contributor: trace.contributor.clone(),
            before: trace.before.clone(),
            after: trace.after.clone(),
        })
        .collect();
    let clusters = cluster::clusters(&pairs, min_contributors);
    let explainer = Explainer::new(lessons);
    let mut mined = Mined::default();
    for found in &clusters {
        let members: Vec<&Trace> = found.members.iter().map(|&i| minable[i]).collect();
        match explainer.lesson_explaining(&sample(&members)) {
            Some(lesson_id) => mined.endorsements.push(Endorsement {
                lesson_id,
                traces: members.iter().map(|trace| trace.id.clone()).collect(),
                contributors: found.contributors,
            }),
            None => mined.candidates.push(candidate(found, &members)),
        }
    }
    mined
}

/// Finds the existing lesson (if any) whose trigger flags the code before a change and not
/// after it. Import requirements are left out: the lines of a fix rarely show the imports.
struct Explainer {
    matcher: Matcher,
}

impl Explainer {
    fn new(lessons: &[Lesson]) -> Explainer {
        let triggered = lessons
            .iter()
            .filter(|lesson| lesson.query.is_some() && lesson.status != LessonStatus::Candidate)
            .map(|lesson| {
                let mut lesson = lesson.clone();
                lesson.requires.clear();
                Arc::new(lesson)
            });
        Explainer {
            matcher: Matcher::new(triggered),
        }
    }

    /// The lessons flagged in `before` and not in `after`.
    fn explained(&self, trace: &Trace) -> BTreeSet<String> {
        let flagged = |code: &str| -> BTreeSet<String> {
            let tree = crate::analysis::parse::parse(code, None);
            self.matcher
                .run(&tree, code, None)
                .iter()
                .map(|finding| finding.lesson_id().to_string())
                .collect()
        };
        let after = flagged(&trace.after);
        flagged(&trace.before)
            .into_iter()
            .filter(|id| !after.contains(id))
            .collect()
    }

    /// The lesson that explains at least half of `members`, the one explaining most.
    fn lesson_explaining(&self, members: &[&Trace]) -> Option<String> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for trace in members {
            for id in self.explained(trace) {
                *counts.entry(id).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .filter(|(_, count)| count * 2 >= members.len())
            .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .map(|(id, _)| id)
    }
}

/// The candidate lesson of a cluster.
fn candidate(found: &Cluster, members: &[&Trace]) -> Lesson {
    let key = found.change.key();
    let title = title(&found.change.removed, &found.change.added);
    let people = found.contributors;
    // The shortest examples read best.
    let mut exemplars: Vec<&Trace> = members.to_vec();
    exemplars.sort_by_key(|trace| (trace.before.len() + trace.after.len(), trace.id.clone()));
    let pairs: Vec<(&str, &str)> = sample(members)
        .iter()
        .map(|trace| (trace.before.as_str(), trace.after.as_str()))
        .collect();
    let generated = generalize::generalize(&pairs);
    let mut explanation = format!(
        "Mined by `lore curate` from {} fixes by {people} people on your team, who all made \
         the same change: {}.\n",
        members.len(),
        lowercase_first(&title)
    );
    for trace in exemplars.iter().take(EXEMPLARS_SHOWN) {
        explanation.push_str(&format!(
            "\n**Before**\n```python\n{}\n```\n**After**\n```python\n{}\n```\n",
            trace.before.trim_end(),
            trace.after.trim_end()
        ));
    }
    let problems: BTreeSet<&str> = members
        .iter()
        .map(|trace| crate::traces::experience::split_note(&trace.note).0.trim())
        .filter(|problem| !problem.is_empty())
        .collect();
    if !problems.is_empty() {
        explanation.push_str("\nThe problems they reported:\n");
        for problem in problems.iter().take(3) {
            explanation.push_str(&format!("- {}\n", one_line(problem)));
        }
    }
    if generated.is_none() {
        explanation.push_str(
            "\nThe fixes differ too much for a generated trigger: this candidate can only be \
             served as a semantic lesson.\n",
        );
    }
    let mut libraries: BTreeSet<String> = members
        .iter()
        .flat_map(|trace| trace.libraries.iter().cloned())
        .collect();
    if libraries.is_empty() {
        libraries.extend(
            found
                .change
                .removed
                .iter()
                .chain(&found.change.added)
                .filter_map(|feature| library_of(feature)),
        );
    }
    let best = exemplars[0];
    Lesson {
        id: candidate_id(&found.change.removed, &found.change.added, &key),
        version: 1,
        title: title.clone(),
        message: format!(
            "Your team has made this change before ({} fixes by {people} people): {}.",
            members.len(),
            lowercase_first(&title)
        ),
        severity: if generated.is_some() {
            Severity::Warning
        } else {
            Severity::Hint
        },
        libraries: libraries.into_iter().collect(),
        tags: vec!["mined".into()],
        requires: Vec::new(),
        references: Vec::new(),
        explanation,
        query: generated.as_ref().map(|g| g.query.clone()),
        bad: best.before.clone(),
        good: best.after.clone(),
        fix: generated.map(|g| Fix {
            title: "Make the team's change".into(),
            template: g.template,
            safe: false,
            fixed: None,
        }),
        status: LessonStatus::Candidate,
        provenance: Provenance {
            origin: "mined".into(),
            source: "lore curate".into(),
            evidence: members.iter().map(|trace| trace.id.clone()).collect(),
            approved_by: None,
            approved_at: None,
        },
        curation: Default::default(),
    }
}

/// Up to [`SAMPLE`] members, the same ones on every run (by trace id).
fn sample<'a>(members: &[&'a Trace]) -> Vec<&'a Trace> {
    let mut sorted = members.to_vec();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    sorted.truncate(SAMPLE);
    sorted
}

/// A stable id for the change: what it removes and adds, and a hash of its key.
fn candidate_id(removed: &BTreeSet<String>, added: &BTreeSet<String>, key: &str) -> String {
    let words: Vec<&String> = removed.iter().chain(added).collect();
    let mut slug = String::new();
    for word in words {
        for c in word.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(48).collect();
    let digest = Sha256::digest(key.as_bytes());
    let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
    format!("mined-{}{hash}", slug.trim_start_matches('-'))
}

/// How a feature of a change reads in a title: `kw:index` is the keyword `index=`.
fn shown(feature: &str) -> String {
    match feature.strip_prefix("kw:") {
        Some(keyword) => format!("`{keyword}=`"),
        None => format!("`{feature}`"),
    }
}

fn title(removed: &BTreeSet<String>, added: &BTreeSet<String>) -> String {
    let list = |features: &BTreeSet<String>| -> String {
        features
            .iter()
            .map(|f| shown(f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (removed.is_empty(), added.is_empty()) {
        (false, false) => format!("Use {} instead of {}", list(added), list(removed)),
        (true, false) => format!("Add {}", list(added)),
        (false, true) => format!("Remove {}", list(removed)),
        (true, true) => "A change the team made".to_string(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 160 {
        format!("{}…", line.chars().take(160).collect::<String>())
    } else {
        line
    }
}

/// The library a feature's module alias names (`np.` → numpy), if it names one.
fn library_of(feature: &str) -> Option<String> {
    let root = feature.split('.').next()?;
    let library = crate::retrieval::intent::library_of(root);
    let plausible = !library.is_empty()
        && library
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    plausible.then(|| library.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::{Outcome, Salt};

    fn report(person: &str, before: &str, after: &str) -> Trace {
        let salt = Salt::new("t");
        let mut trace = Trace::new(Outcome::HandFixed, None, "a.py", before, after)
            .with_identity(&salt.identity(person, "/w"));
        trace.libraries = vec!["python".into()];
        trace.sealed()
    }

    #[test]
    fn the_same_change_by_two_people_becomes_one_candidate_with_a_checked_trigger() {
        let traces = [
            report(
                "ann",
                "import logging\nlogging.warn('disk low')",
                "import logging\nlogging.warning('disk low')",
            ),
            report(
                "ben",
                "import logging\nlogging.warn(f'{n} retries left')\nreturn n",
                "import logging\nlogging.warning(f'{n} retries left')\nreturn n",
            ),
            report(
                "ben",
                "x = compute()\nprint(x)",
                "x = compute()\nprint(x, flush=True)",
            ),
        ];
        let refs: Vec<&Trace> = traces.iter().collect();
        let mined = mine(&refs, &[], 2);
        assert_eq!(mined.candidates.len(), 1, "{:?}", mined.candidates);
        let lesson = &mined.candidates[0];
        assert!(
            lesson.id.starts_with("mined-logging-warn-logging-warning-"),
            "{}",
            lesson.id
        );
        assert_eq!(lesson.status, LessonStatus::Candidate);
        assert_eq!(lesson.provenance.evidence.len(), 2);
        assert!(
            lesson.title.contains("`logging.warning()`"),
            "{}",
            lesson.title
        );
        let query = lesson.query.as_deref().unwrap();
        let template = &lesson.fix.as_ref().unwrap().template;
        let held_out = "import logging\nlogging.warn('cache miss for %s', key)\n";
        assert_eq!(
            generalize::apply_all(query, template, held_out),
            "import logging\nlogging.warning('cache miss for %s', key)\n"
        );
        assert_eq!(generalize::match_count(query, "logging.warning('ok')"), 0);
        // One person is not a community: with three required, nothing is mined.
        assert!(mine(&refs, &[], 3).candidates.is_empty());
    }

    #[test]
    fn a_change_an_existing_lesson_explains_is_an_endorsement() {
        let (lessons, _) = crate::lessons::builtin_lessons();
        let traces = [
            report(
                "ann",
                "for k, v in df.iteritems():\n    print(k)",
                "for k, v in df.items():\n    print(k)",
            ),
            report(
                "ben",
                "cols = list(frame.iteritems())",
                "cols = list(frame.items())",
            ),
        ];
        let refs: Vec<&Trace> = traces.iter().collect();
        let mined = mine(&refs, &lessons, 2);
        assert!(mined.candidates.is_empty(), "{:?}", mined.candidates);
        assert_eq!(mined.endorsements.len(), 1);
        assert_eq!(mined.endorsements[0].lesson_id, "pandas-iteritems-removed");
        assert_eq!(mined.endorsements[0].contributors, 2);
    }
}
