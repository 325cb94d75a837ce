(call
  function: (attribute
    attribute: (identifier) @_cuda (#eq? @_cuda "cuda"))
  arguments: (argument_list) @_args (#eq? @_args "()")) @lesson
(call
  function: (attribute
    attribute: (identifier) @_to (#eq? @_to "to"))
  arguments: (argument_list
    .
    (string (string_content) @_dev (#match? @_dev "^cuda(:[0-9]+)?$")))) @lesson
