(for_statement
  body: (block
    (expression_statement
      (call
        function: (attribute
          attribute: (identifier) @_bw (#eq? @_bw "backward"))) @lesson)) @_body
  (#match? @_body "\\.step\\(")
  (#not-match? @_body "zero_grad"))
