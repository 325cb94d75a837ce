//! Trust in a lesson, from its traces: a Beta posterior over "this lesson helps", where each
//! distinct contributor is one voice (their latest verdict), and old verdicts weigh less.

use std::collections::HashMap;

use super::{Outcome, Trace};

/// What one person last did with a lesson.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Took the lesson's fix.
    Accepted,
    /// Fixed what it pointed at their own way.
    HandFixed,
    /// Silenced it here, or disabled it for the workspace.
    Dismissed,
}

impl Verdict {
    pub fn of(outcome: Outcome) -> Option<Verdict> {
        match outcome {
            Outcome::Accepted => Some(Verdict::Accepted),
            Outcome::HandFixed => Some(Verdict::HandFixed),
            Outcome::Dismissed | Outcome::Disabled => Some(Verdict::Dismissed),
            // A report that names a lesson confirms it.
            Outcome::AgentReported | Outcome::Fixed => Some(Verdict::Accepted),
        }
    }

    fn helps(self) -> bool {
        self != Verdict::Dismissed
    }
}

/// One person's latest verdict on a lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ballot {
    verdict: Verdict,
    time_ms: i64,
    trace_id: String,
}

/// Every person's latest verdict on every lesson.
#[derive(Debug, Clone, Default)]
pub struct Votes {
    lessons: HashMap<String, HashMap<String, Ballot>>,
    /// How fast evidence fades for [`Votes::trust_now`] (0: it does not).
    half_life_days: f64,
}

/// How fast evidence fades, and from when it counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighing {
    pub now_ms: i64,
    /// A verdict this old counts half (0 or less: no decay).
    pub half_life_days: f64,
    /// Verdicts before this moment do not count (a lesson restored by hand starts afresh).
    pub since_ms: Option<i64>,
}

impl Weighing {
    pub fn now(half_life_days: f64) -> Weighing {
        Weighing {
            now_ms: super::now_ms(),
            half_life_days,
            since_ms: None,
        }
    }

    fn weight(&self, time_ms: i64) -> f64 {
        if self.half_life_days <= 0.0 {
            return 1.0;
        }
        let age_days = (self.now_ms - time_ms).max(0) as f64 / 86_400_000.0;
        0.5f64.powf(age_days / self.half_life_days)
    }
}

impl Votes {
    pub fn from_traces<'a>(traces: impl IntoIterator<Item = &'a Trace>) -> Votes {
        let mut votes = Votes::default();
        for trace in traces {
            votes.add(trace);
        }
        votes
    }

    /// Counts a trace: it replaces its contributor's verdict on its lesson if it is newer.
    pub fn add(&mut self, trace: &Trace) {
        let (Some(lesson_id), Some(verdict)) = (&trace.lesson_id, Verdict::of(trace.outcome))
        else {
            return;
        };
        let ballot = Ballot {
            verdict,
            time_ms: trace.time_ms,
            trace_id: trace.id.clone(),
        };
        let ballots = self.lessons.entry(lesson_id.clone()).or_default();
        match ballots.get(&trace.contributor) {
            Some(existing) if existing.time_ms > ballot.time_ms => {}
            _ => {
                ballots.insert(trace.contributor.clone(), ballot);
            }
        }
    }

    /// The votes, weighed with `half_life_days` by [`Votes::trust_now`].
    pub fn with_half_life(mut self, half_life_days: f64) -> Votes {
        self.half_life_days = half_life_days;
        self
    }

    /// The trust in `lesson_id` now.
    pub fn trust_now(&self, lesson_id: &str) -> Trust {
        self.trust(lesson_id, &Weighing::now(self.half_life_days))
    }

    /// The lessons anyone has a verdict on.
    pub fn lesson_ids(&self) -> impl Iterator<Item = &String> {
        self.lessons.keys()
    }

    /// The trust in `lesson_id`, weighed by `weighing`.
    pub fn trust(&self, lesson_id: &str, weighing: &Weighing) -> Trust {
        let mut trust = Trust::default();
        let Some(ballots) = self.lessons.get(lesson_id) else {
            return trust;
        };
        let mut ballots: Vec<&Ballot> = ballots
            .values()
            .filter(|ballot| {
                weighing
                    .since_ms
                    .is_none_or(|since| ballot.time_ms >= since)
            })
            .collect();
        ballots.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
        for ballot in ballots {
            let weight = weighing.weight(ballot.time_ms);
            match ballot.verdict {
                Verdict::Accepted => trust.accepted += 1,
                Verdict::HandFixed => trust.hand_fixed += 1,
                Verdict::Dismissed => {
                    trust.dismissed += 1;
                    trust.against.push(ballot.trace_id.clone());
                }
            }
            if ballot.verdict.helps() {
                trust.helpful_weight += weight;
            } else {
                trust.unhelpful_weight += weight;
            }
        }
        trust
    }
}

/// The evidence about one lesson and what it says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trust {
    /// People whose latest verdict was each of these.
    pub accepted: usize,
    pub hand_fixed: usize,
    pub dismissed: usize,
    /// The decayed weight of the verdicts for and against.
    pub helpful_weight: f64,
    pub unhelpful_weight: f64,
    /// The traces of the people against it (the evidence of a retirement).
    pub against: Vec<String>,
}

/// The prior: Beta(1, 1), every helpfulness rate equally likely before any evidence.
const PRIOR: f64 = 1.0;

impl Trust {
    pub fn people(&self) -> usize {
        self.accepted + self.hand_fixed + self.dismissed
    }

    pub fn helped(&self) -> usize {
        self.accepted + self.hand_fixed
    }

    /// The posterior Beta(α, β) over "this lesson helps".
    pub fn posterior(&self) -> (f64, f64) {
        (PRIOR + self.helpful_weight, PRIOR + self.unhelpful_weight)
    }

    /// The posterior mean: 0.5 without evidence.
    pub fn mean(&self) -> f64 {
        let (alpha, beta) = self.posterior();
        alpha / (alpha + beta)
    }

    /// The central credible interval holding `mass` of the posterior.
    pub fn interval(&self, mass: f64) -> (f64, f64) {
        let (alpha, beta) = self.posterior();
        let tail = (1.0 - mass) / 2.0;
        (
            beta_quantile(tail, alpha, beta),
            beta_quantile(1.0 - tail, alpha, beta),
        )
    }

    /// The posterior probability that the lesson helps less than half the time.
    pub fn p_unhelpful(&self) -> f64 {
        let (alpha, beta) = self.posterior();
        beta_cdf(0.5, alpha, beta)
    }

    /// A ranking weight from 0.5 (clearly unhelpful) through 1 (no evidence) to 1.5.
    pub fn rank_weight(&self) -> f32 {
        (0.5 + self.mean()) as f32
    }

    /// The trust in words a person reads at a glance.
    pub fn words(&self) -> String {
        if self.people() == 0 {
            return "no one has acted on it yet".to_string();
        }
        let person = |n: usize| if n == 1 { "person" } else { "people" };
        let mut parts = Vec::new();
        if self.accepted > 0 {
            parts.push(format!("{} took its fix", self.accepted));
        }
        if self.hand_fixed > 0 {
            parts.push(format!("{} fixed it by hand", self.hand_fixed));
        }
        if self.dismissed > 0 {
            parts.push(format!("{} dismissed it", self.dismissed));
        }
        let (low, high) = self.interval(0.9);
        format!(
            "accepted by {} of {} {} ({}) · trust {:.2} ({:.2}–{:.2})",
            self.helped(),
            self.people(),
            person(self.people()),
            parts.join(", "),
            self.mean(),
            low,
            high
        )
    }
}

/// The regularized incomplete beta function I_x(a, b): the Beta(a, b) distribution's CDF.
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (a * x.ln() + b * (1.0 - x).ln() - ln_beta(a, b)).exp();
    // The continued fraction converges fast on this side of the mean; use the symmetry
    // I_x(a, b) = 1 - I_{1-x}(b, a) on the other.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    }
}

/// The `p` quantile of Beta(a, b), by bisection on the CDF.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let middle = (low + high) / 2.0;
        if beta_cdf(middle, a, b) < p {
            low = middle;
        } else {
            high = middle;
        }
    }
    (low + high) / 2.0
}

/// Lentz's method for the continued fraction of I_x(a, b).
fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    d = 1.0 / if d.abs() < TINY { TINY } else { d };
    let mut result = d;
    for m in 1..300 {
        let m = m as f64;
        for numerator in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + numerator * d;
            d = 1.0 / if d.abs() < TINY { TINY } else { d };
            c = 1.0 + numerator / c;
            if c.abs() < TINY {
                c = TINY;
            }
            result *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-12 {
            break;
        }
    }
    result
}

fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7).
fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1-x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (index, coefficient) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += coefficient / (x + index as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn trace(contributor: &str, outcome: Outcome, time_ms: i64) -> Trace {
        let mut trace = Trace::new(outcome, Some("l".into()), "a.py", "", "");
        trace.contributor = contributor.into();
        trace.time_ms = time_ms;
        trace.sealed()
    }

    fn at(now_ms: i64) -> Weighing {
        Weighing {
            now_ms,
            half_life_days: 0.0,
            since_ms: None,
        }
    }

    #[test]
    fn the_beta_cdf_agrees_with_closed_forms() {
        // Beta(1, n+1): P(p < 1/2) = 1 - 2^-(n+1).
        for n in 0..8 {
            let expected = 1.0 - 0.5f64.powi(n + 1);
            assert!(
                (beta_cdf(0.5, 1.0, n as f64 + 1.0) - expected).abs() < 1e-9,
                "{n}"
            );
        }
        // Beta(2, 3) CDF at 0.3: 1 - (1-x)^4 - 4x(1-x)^3 ... computed by hand: 0.3483.
        assert!((beta_cdf(0.3, 2.0, 3.0) - 0.3483).abs() < 1e-4);
        // Symmetry.
        assert!((beta_cdf(0.5, 3.5, 3.5) - 0.5).abs() < 1e-9);
        assert!((beta_quantile(0.5, 4.0, 4.0) - 0.5).abs() < 1e-9);
        let (low, high) = Trust::default().interval(0.9);
        assert!((low - 0.05).abs() < 1e-6 && (high - 0.95).abs() < 1e-6);
    }

    #[test]
    fn one_person_clicking_fifty_times_is_one_voice() {
        let mut traces: Vec<Trace> = (0..50)
            .map(|i| trace("mallory", Outcome::Dismissed, i * 1000))
            .collect();
        traces.push(trace("alice", Outcome::Accepted, 10));
        let trust = Votes::from_traces(&traces).trust("l", &at(100 * DAY));
        assert_eq!((trust.people(), trust.dismissed, trust.accepted), (2, 1, 1));
        assert!((trust.mean() - 0.5).abs() < 1e-9, "{}", trust.mean());
        assert_eq!(
            trust.words().split(" · ").next().unwrap(),
            "accepted by 1 of 2 people (1 took its fix, 1 dismissed it)"
        );
    }

    #[test]
    fn a_persons_latest_verdict_counts_and_old_evidence_fades() {
        let traces = [
            trace("bob", Outcome::Dismissed, 0),
            trace("bob", Outcome::Accepted, DAY),
            trace("carol", Outcome::HandFixed, 2 * DAY),
        ];
        let votes = Votes::from_traces(&traces);
        let trust = votes.trust("l", &at(3 * DAY));
        assert_eq!((trust.helped(), trust.dismissed), (2, 0));
        assert!(trust.mean() > 0.7);
        // After many half-lives, the same evidence says almost nothing.
        let faded = votes.trust(
            "l",
            &Weighing {
                now_ms: 3 * DAY + 3650 * DAY,
                half_life_days: 90.0,
                since_ms: None,
            },
        );
        assert!((faded.mean() - 0.5).abs() < 0.01, "{}", faded.mean());
        // Only verdicts since a restore count.
        let since = votes.trust(
            "l",
            &Weighing {
                since_ms: Some(2 * DAY),
                ..at(3 * DAY)
            },
        );
        assert_eq!(since.people(), 1);
    }

    #[test]
    fn words_read_at_a_glance() {
        let mut traces: Vec<Trace> = (0..5)
            .map(|i| trace(&format!("a{i}"), Outcome::Accepted, 0))
            .collect();
        traces.extend((0..2).map(|i| trace(&format!("h{i}"), Outcome::HandFixed, 0)));
        traces.extend((0..2).map(|i| trace(&format!("d{i}"), Outcome::Dismissed, 0)));
        let trust = Votes::from_traces(&traces).trust("l", &at(0));
        assert!(
            trust.words().starts_with(
                "accepted by 7 of 9 people (5 took its fix, 2 fixed it by hand, 2 dismissed it) · trust 0.73"
            ),
            "{}",
            trust.words()
        );
        assert_eq!(Trust::default().words(), "no one has acted on it yet");
    }
}
