(call
  function: (identifier) @_fn (#eq? @_fn "open")
  arguments: (argument_list
    .
    (_)
    .
    (string)? @_mode
    .
    ")" @fix) @_args
  (#not-match? @_mode "b")
  (#not-match? @_args "encoding|\\*")) @lesson
