(assignment
  left: [(pattern_list) (tuple_pattern)]
  right: (call
    function: (attribute
      object: (identifier) @_plt (#any-of? @_plt "plt" "pyplot")
      attribute: (identifier) @_subplot (#eq? @_subplot "subplot")))) @lesson
