[
  (assignment
    right: (call
      function: (attribute
        object: (_) @_obj (#not-match? @_obj "(columns|index|Index\\(.*\\))$")
        attribute: (identifier) @_m (#eq? @_m "append"))
      arguments: (argument_list . (_) .)) @lesson)
  (call
    function: (attribute attribute: (identifier) @_m2 (#eq? @_m2 "append"))
    arguments: (argument_list
      (keyword_argument
        name: (identifier) @_kw (#any-of? @_kw "ignore_index" "verify_integrity")))) @lesson
]
