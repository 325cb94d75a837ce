(call
  function: (attribute
    object: (identifier) @_mod (#eq? @_mod "yaml")
    attribute: (identifier) @_fn (#eq? @_fn "load"))
  arguments: (argument_list . (_) @stream .)) @lesson
