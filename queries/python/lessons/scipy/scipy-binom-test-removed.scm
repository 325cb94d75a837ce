(call
  function: (attribute
    object: (_) @mod
    attribute: (identifier) @_fn (#eq? @_fn "binom_test"))
  arguments: (argument_list . [(identifier) (integer) (call) (attribute) (subscript) (binary_operator)]) @args) @lesson
