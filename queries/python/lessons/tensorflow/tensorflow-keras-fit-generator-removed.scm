(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "fit_generator"))) @lesson
