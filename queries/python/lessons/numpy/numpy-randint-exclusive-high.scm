(call
  function: (attribute
    attribute: (identifier) @_fn (#any-of? @_fn "randint" "integers"))
  arguments: (argument_list
    .
    (integer) @_lo (#eq? @_lo "0")
    .
    (integer) @_hi (#eq? @_hi "1")) @_args
  (#not-match? @_args "endpoint")) @lesson
