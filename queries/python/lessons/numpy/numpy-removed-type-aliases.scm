(attribute
  object: (identifier) @_np (#any-of? @_np "np" "numpy")
  attribute: (identifier) @alias (#any-of? @alias "float" "int" "bool" "object" "str" "complex")) @lesson
