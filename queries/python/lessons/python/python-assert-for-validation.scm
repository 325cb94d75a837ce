(function_definition
  name: (identifier) @_name (#not-match? @_name "^test")
  parameters: (parameters) @_params
  body: (block
    (assert_statement
      (comparison_operator
        [
          (identifier) @_used
          (call function: (identifier) arguments: (argument_list . (identifier) @_used .))
          (attribute object: (identifier) @_used)
        ]) @_cmp) @lesson)
  (#not-match? @_cmp "\\bis\\b")
  (#lore-has-parameter? @_params @_used))
