(_
  (expression_statement
    (call
      function: (attribute
        object: (identifier) @_plt (#any-of? @_plt "plt" "pyplot")
        attribute: (identifier) @_show (#eq? @_show "show"))))
  .
  (expression_statement
    (call
      function: (attribute
        object: (identifier) @_plt2 (#any-of? @_plt2 "plt" "pyplot")
        attribute: (identifier) @_save (#eq? @_save "savefig"))) @lesson))
