(for_statement
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @_acc
        right: (call
          function: (attribute
            object: (identifier) @_pd (#any-of? @_pd "pd" "pandas")
            attribute: (identifier) @_fn (#eq? @_fn "concat"))
          arguments: (argument_list . [(list . (identifier) @_first) (tuple . (identifier) @_first)]))) @lesson))
  (#eq? @_acc @_first))
(while_statement
  body: (block
    (expression_statement
      (assignment
        left: (identifier) @_acc
        right: (call
          function: (attribute
            object: (identifier) @_pd (#any-of? @_pd "pd" "pandas")
            attribute: (identifier) @_fn (#eq? @_fn "concat"))
          arguments: (argument_list . [(list . (identifier) @_first) (tuple . (identifier) @_first)]))) @lesson))
  (#eq? @_acc @_first))
