(expression_statement
  (call
    function: (attribute
      object: (subscript
        subscript: [(string) (list (string))])
      attribute: (identifier) @_m (#any-of? @_m "fillna" "replace" "clip" "where" "mask" "interpolate" "ffill" "bfill" "astype" "update"))
    arguments: (argument_list
      (keyword_argument
        name: (identifier) @_kw (#eq? @_kw "inplace")
        value: (true)))) @lesson)
