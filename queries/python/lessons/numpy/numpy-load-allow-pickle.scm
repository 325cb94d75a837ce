(call
  function: (attribute
    object: (identifier) @_np (#any-of? @_np "np" "numpy")
    attribute: (identifier) @_fn (#eq? @_fn "load"))
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_kw (#eq? @_kw "allow_pickle")
      value: (true)) @lesson))
