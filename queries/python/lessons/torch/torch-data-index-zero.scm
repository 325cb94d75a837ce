(subscript
  value: (attribute
    object: (_) @obj
    attribute: (identifier) @_data (#eq? @_data "data"))
  subscript: (integer) @_zero (#eq? @_zero "0")
  .) @lesson
