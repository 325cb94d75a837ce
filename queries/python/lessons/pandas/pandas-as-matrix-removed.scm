(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "as_matrix"))
  arguments: (argument_list) @_args (#eq? @_args "()")) @lesson
