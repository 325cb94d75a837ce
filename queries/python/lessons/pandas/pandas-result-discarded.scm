(expression_statement
  (call
    function: (attribute
      object: [(identifier) (subscript) (attribute)] @obj (#not-any-of? @obj "np" "numpy" "pd" "pandas" "torch" "tf" "math")
      attribute: (identifier) @_m (#any-of? @_m "dropna" "fillna" "sort_values" "sort_index" "drop" "drop_duplicates" "reset_index" "set_index" "astype" "ffill" "bfill" "interpolate" "clip" "round" "rename_axis" "reindex" "transpose"))
    arguments: (argument_list) @_args
    (#not-match? @_args "inplace|out\\s*=")) @lesson)
