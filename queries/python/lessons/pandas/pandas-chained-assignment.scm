(assignment
  left: (subscript
    value: (subscript
      value: (identifier) @frame
      subscript: (string) @col)
    subscript: [
      (comparison_operator . [(subscript value: (identifier) @_m) (attribute object: (identifier) @_m)])
      (call function: (attribute object: [(subscript value: (identifier) @_m) (attribute object: (identifier) @_m)]))
      (unary_operator argument: (call function: (attribute object: [(subscript value: (identifier) @_m) (attribute object: (identifier) @_m)])))
    ] @row) @fix
  (#eq? @frame @_m)) @lesson
(assignment
  left: (subscript
    value: (subscript
      value: (identifier) @frame
      subscript: [
        (comparison_operator)
        (boolean_operator)
        (binary_operator operator: ["&" "|"])
        (unary_operator operator: "~")
      ] @row)
    subscript: (string) @col) @fix) @lesson
(assignment
  left: (subscript
    value: (subscript
      value: (attribute
        object: (_) @frame
        attribute: (identifier) @_loc (#eq? @_loc "loc"))
      subscript: (_) @row
      .)
    subscript: (string) @col) @fix) @lesson
(assignment
  left: (subscript
    value: (attribute
      object: (subscript
        value: (identifier) @frame
        subscript: (string) @col)
      attribute: (identifier) @_loc2 (#eq? @_loc2 "loc"))
    subscript: (_) @row
    .) @fix) @lesson
