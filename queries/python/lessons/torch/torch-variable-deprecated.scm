(call
  function: [
    (identifier) @_var
    (attribute attribute: (identifier) @_var)
  ]
  (#eq? @_var "Variable")) @lesson
