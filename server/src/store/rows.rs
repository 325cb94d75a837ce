//! Arrow building blocks that every table's rows use: the vector column, string columns, and
//! typed access to the columns of a batch read back.

use std::sync::Arc;

use arrow_array::types::Float32Type;
use arrow_array::{Array, FixedSizeListArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field};

use super::error::StoreError;

/// The `vector` column of a table whose embeddings have `dimension` values.
pub(super) fn vector_field(dimension: usize) -> Field {
    Field::new(
        "vector",
        DataType::FixedSizeList(
            Arc::new(Field::new("item", DataType::Float32, true)),
            dimension as i32,
        ),
        false,
    )
}

/// The `vector` column of new rows; every vector must have `dimension` values.
pub(super) fn vectors_array(
    vectors: &[Vec<f32>],
    dimension: usize,
) -> Result<FixedSizeListArray, StoreError> {
    if let Some(bad) = vectors.iter().find(|vector| vector.len() != dimension) {
        return Err(StoreError::Dimension {
            found: bad.len(),
            expected: dimension,
        });
    }
    Ok(
        FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
            vectors
                .iter()
                .map(|vector| Some(vector.iter().copied().map(Some).collect::<Vec<_>>())),
            dimension as i32,
        ),
    )
}

/// A string column of new rows.
pub(super) fn strings<'a>(values: impl Iterator<Item = &'a str>) -> Arc<StringArray> {
    Arc::new(StringArray::from_iter_values(values))
}

/// The column `name` of a batch read back, as the Arrow type `T`.
pub(super) fn column<'a, T: 'static>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a T, StoreError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| StoreError::MissingColumn {
            name: name.to_string(),
        })?
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| StoreError::ColumnType {
            name: name.to_string(),
        })
}

/// The string at `row`, or `None` for a null.
pub(super) fn string_at(array: &StringArray, row: usize) -> Option<String> {
    (!array.is_null(row)).then(|| array.value(row).to_string())
}
