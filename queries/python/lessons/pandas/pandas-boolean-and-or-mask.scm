[
  (subscript
    subscript: (boolean_operator
      left: [(comparison_operator) (parenthesized_expression (comparison_operator))]
      right: [(comparison_operator) (parenthesized_expression (comparison_operator))]) @lesson)
  (call
    function: (attribute
      object: (identifier) @_np (#any-of? @_np "np" "numpy")
      attribute: (identifier) @_fn (#any-of? @_fn "where" "select" "logical_not" "nonzero" "argwhere" "extract"))
    arguments: (argument_list
      .
      (boolean_operator
        left: [(comparison_operator) (parenthesized_expression (comparison_operator))]
        right: [(comparison_operator) (parenthesized_expression (comparison_operator))]) @lesson))
]
