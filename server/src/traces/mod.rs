//! Traces: what people and agents did with a lesson, recorded as experience.

mod events;
pub mod experience;
mod identity;
pub mod journal;
mod recorder;
pub mod screen;
pub mod scrub;
pub mod trust;

pub use events::{Outcome, Trace, now_ms, relative_file};
pub use experience::Experience;
pub use identity::{Identity, Salt, current_user};
pub use journal::Journal;
pub use recorder::{TraceRecorder, TraceSink};
pub use scrub::scrub_secrets;
pub use trust::{Trust, Votes, Weighing};
