(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "iteritems"))) @lesson
