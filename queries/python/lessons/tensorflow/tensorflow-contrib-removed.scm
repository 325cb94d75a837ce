(attribute
  object: (identifier) @_tf (#any-of? @_tf "tf" "tensorflow")
  attribute: (identifier) @_contrib (#eq? @_contrib "contrib")) @lesson
(dotted_name
  .
  (identifier) @_tf2 (#eq? @_tf2 "tensorflow")
  .
  (identifier) @_contrib2 (#eq? @_contrib2 "contrib")) @lesson
