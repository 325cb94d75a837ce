(for_statement
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @_acc
        right: (call
          function: (attribute
            object: (identifier) @_np (#any-of? @_np "np" "numpy")
            attribute: (identifier) @_fn (#any-of? @_fn "append" "concatenate" "vstack" "hstack" "row_stack" "column_stack"))
          arguments: (argument_list . [(identifier) @_first (list . (identifier) @_first) (tuple . (identifier) @_first)]))) @lesson))
  (#eq? @_acc @_first))
(while_statement
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @_acc
        right: (call
          function: (attribute
            object: (identifier) @_np (#any-of? @_np "np" "numpy")
            attribute: (identifier) @_fn (#any-of? @_fn "append" "concatenate" "vstack" "hstack" "row_stack" "column_stack"))
          arguments: (argument_list . [(identifier) @_first (list . (identifier) @_first) (tuple . (identifier) @_first)]))) @lesson))
  (#eq? @_acc @_first))
