(subscript
  subscript: (binary_operator
    operator: "/" @fix
    right: (integer))) @lesson
(subscript
  subscript: (binary_operator
    left: (call function: (identifier) @_len (#eq? @_len "len"))
    operator: "/" @fix)) @lesson
(subscript
  subscript: (slice (binary_operator
    operator: "/" @fix
    right: (integer)))) @lesson
(subscript
  subscript: (slice (binary_operator
    left: (call function: (identifier) @_len (#eq? @_len "len"))
    operator: "/" @fix))) @lesson
(call
  function: (identifier) @_fn (#eq? @_fn "range")
  arguments: (argument_list (binary_operator
    operator: "/" @fix
    right: (integer)))) @lesson
(call
  function: (identifier) @_fn (#eq? @_fn "range")
  arguments: (argument_list (binary_operator
    left: (call function: (identifier) @_len (#eq? @_len "len"))
    operator: "/" @fix))) @lesson
