[
  (default_parameter
    value: [(list) (dictionary) (set)] @lesson)
  (typed_default_parameter
    value: [(list) (dictionary) (set)] @lesson)
  (default_parameter
    value: (call
      function: (identifier) @_ctor (#any-of? @_ctor "list" "dict" "set" "defaultdict")) @lesson)
]
