(call
  function: (attribute
    object: (identifier) @_np (#any-of? @_np "np" "numpy")
    attribute: (identifier) @_fn (#eq? @_fn "arange"))
  arguments: (argument_list . (_) . (_) . [(float) @_v (unary_operator (float) @_v)])
  (#not-match? @_v "^[0-9]+\\.0*$")) @lesson
(call
  function: (attribute
    object: (identifier) @_np (#any-of? @_np "np" "numpy")
    attribute: (identifier) @_fn (#eq? @_fn "arange"))
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_step (#eq? @_step "step")
      value: [(float) @_v (unary_operator (float) @_v)]))
  (#not-match? @_v "^[0-9]+\\.0*$")) @lesson
