(call
  function: (attribute
    object: (identifier) @_torch (#eq? @_torch "torch")
    attribute: (identifier) @_load (#eq? @_load "load"))
  arguments: (argument_list ")" @fix) @_args
  (#not-match? @_args "weights_only|\\*\\*")) @lesson
