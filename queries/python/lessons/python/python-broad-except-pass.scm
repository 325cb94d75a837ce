(except_clause
  value: [
    (identifier) @_exc
    (as_pattern (identifier) @_exc)
  ]
  (#any-of? @_exc "Exception" "BaseException")
  (block . [(pass_statement) (continue_statement) (expression_statement (ellipsis))] .)) @lesson
