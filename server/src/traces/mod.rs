//! Traces: what people and agents did with a lesson, recorded as experience.

mod events;
pub mod experience;
mod recorder;
mod scrub;

pub use events::{Outcome, Trace};
pub use experience::Experience;
pub use recorder::{TraceRecorder, TraceSink};
pub use scrub::scrub_secrets;
