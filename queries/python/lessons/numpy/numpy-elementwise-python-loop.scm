(for_statement
  left: (identifier) @_i
  right: (call
    function: (identifier) @_range (#eq? @_range "range")
    arguments: (argument_list
      .
      [
        (call function: (identifier) @_len (#eq? @_len "len"))
        (subscript value: (attribute attribute: (identifier) @_shape (#eq? @_shape "shape")))
        (attribute attribute: (identifier) @_size (#eq? @_size "size"))
      ]
      .))
  body: (block
    .
    (expression_statement
      (assignment
        left: (subscript value: (identifier) . subscript: (identifier) @_j .)
        right: (binary_operator) @_rhs (#match? @_rhs "\\[")))
    .)
  (#eq? @_i @_j)) @lesson
