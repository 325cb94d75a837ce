(import_from_statement
  module_name: (dotted_name
    .
    (identifier) @_scipy (#eq? @_scipy "scipy")
    .
    (identifier) @fix (#eq? @fix "misc")
    .)
  name: (dotted_name (identifier) @_name (#any-of? @_name "comb" "factorial" "factorial2" "factorialk" "logsumexp"))) @lesson
(attribute
  object: (attribute
    object: (identifier) @_scipy (#eq? @_scipy "scipy")
    attribute: (identifier) @fix (#eq? @fix "misc"))
  attribute: (identifier) @_name (#any-of? @_name "comb" "factorial" "factorial2" "factorialk" "logsumexp")) @lesson
