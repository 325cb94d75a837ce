(call
  function: (attribute
    object: (identifier) @_np (#any-of? @_np "np" "numpy")
    attribute: (identifier) @_fn (#eq? @_fn "asscalar"))
  arguments: (argument_list . [(identifier) (subscript) (attribute) (call)] @arr .)) @lesson
