(attribute
  object: (identifier) @_pd (#any-of? @_pd "pd" "pandas")
  attribute: (identifier) @_name
  (#any-of? @_name "np" "datetime" "Panel" "Panel4D" "TimeGrouper" "Int64Index" "UInt64Index" "Float64Index" "rolling_mean" "rolling_std" "rolling_sum" "rolling_apply" "rolling_median" "rolling_window" "ewma" "ewmstd" "scatter_matrix" "SparseDataFrame" "SparseSeries" "get_store" "ordered_merge" "expanding_mean")) @lesson
