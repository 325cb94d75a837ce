(import_from_statement
  name: (dotted_name (identifier) @lesson (#eq? @lesson "load_boston")))
(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#eq? @_fn "load_boston")) @lesson
