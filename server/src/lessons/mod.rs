//! Lessons: the unit of the team's memory, and the packs they are written in.

mod model;
mod pack;
mod set;

pub use model::{Curation, Fix, Lesson, LessonStatus, Provenance, Retirement, Severity};
pub use pack::{PackError, QueryFiles, builtin_lessons, parse_pack, read_pack_file, write_pack};
pub use set::LessonSet;
