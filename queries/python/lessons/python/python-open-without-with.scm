[
  (assignment
    left: (identifier)
    right: (call function: (identifier) @_fn (#eq? @_fn "open"))) @lesson
  (call
    function: (attribute
      object: (call function: (identifier) @_fn2 (#eq? @_fn2 "open"))
      attribute: (identifier) @_m (#any-of? @_m "read" "readlines" "readline" "write" "writelines"))) @lesson
]
