(for_statement
  body: (block
    (expression_statement
      (assignment
        right: (call
          function: (attribute
            object: (identifier) @_plt (#any-of? @_plt "plt" "pyplot")
            attribute: (identifier) @_fig (#any-of? @_fig "figure" "subplots")))) @lesson)) @_body
  (#match? @_body "savefig\\(")
  (#not-match? @_body "close\\("))
(for_statement
  body: (block
    (expression_statement
      (call
        function: (attribute
          object: (identifier) @_plt (#any-of? @_plt "plt" "pyplot")
          attribute: (identifier) @_fig (#any-of? @_fig "figure" "subplots"))) @lesson)) @_body
  (#match? @_body "savefig\\(")
  (#not-match? @_body "close\\("))
