(for_statement
  body: (block
    (expression_statement
      (augmented_assignment
        operator: "+="
        right: (identifier) @loss @fix (#match? @loss "(?i)loss$")) @lesson)) @_body
  (#match? @_body "\\.backward\\("))
