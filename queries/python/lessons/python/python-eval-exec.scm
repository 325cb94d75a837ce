(call
  function: (identifier) @_fn (#any-of? @_fn "eval" "exec")
  arguments: (argument_list . [(identifier) (subscript) (attribute) (call) (binary_operator) (string (interpolation))])) @lesson
