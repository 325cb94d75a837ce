(call
  function: (attribute
    object: (_) @_cm (#match? @_cm "(^|\\.)cm$")
    attribute: (identifier) @_get (#eq? @_get "get_cmap"))) @lesson
