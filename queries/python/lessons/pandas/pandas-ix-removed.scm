(subscript
  value: (attribute
    attribute: (identifier) @_ix (#eq? @_ix "ix"))) @lesson
