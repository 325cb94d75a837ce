(call
  function: (attribute
    object: (identifier) @_mod (#eq? @_mod "requests")
    attribute: (identifier) @_fn (#any-of? @_fn "get" "post" "put" "patch" "delete" "head" "request"))
  arguments: (argument_list ")" @fix) @_args
  (#not-match? @_args "timeout|\\*\\*")) @lesson
