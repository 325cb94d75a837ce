(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "applymap"))) @lesson
