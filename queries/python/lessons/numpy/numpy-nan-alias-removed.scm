(attribute
  object: (identifier) @mod (#any-of? @mod "np" "numpy")
  attribute: (identifier) @_name (#any-of? @_name "NaN" "NAN")) @lesson
