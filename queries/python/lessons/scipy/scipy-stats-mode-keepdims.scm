(subscript
  value: (subscript
    value: (call
      function: (attribute
        object: (_) @_st (#match? @_st "stats$")
        attribute: (identifier) @_mode (#eq? @_mode "mode"))
      arguments: (argument_list ")" @fix) @_args (#not-match? @_args "keepdims"))
    subscript: (integer))
  subscript: (integer)) @lesson
(subscript
  value: (attribute
    object: (call
      function: (attribute
        object: (_) @_st (#match? @_st "stats$")
        attribute: (identifier) @_mode (#eq? @_mode "mode"))
      arguments: (argument_list ")" @fix) @_args (#not-match? @_args "keepdims"))
    attribute: (identifier) @_field (#any-of? @_field "mode" "count"))
  subscript: (integer)) @lesson
