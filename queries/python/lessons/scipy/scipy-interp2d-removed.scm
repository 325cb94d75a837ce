(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  (#eq? @_fn "interp2d")) @lesson
