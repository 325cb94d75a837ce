[
  (call
    function: (attribute
      object: (_) @obj
      attribute: (identifier) @_f (#eq? @_f "fillna"))
    arguments: (argument_list
      .
      (keyword_argument
        name: (identifier) @_k (#eq? @_k "method")
        value: (string (string_content) @method (#any-of? @method "ffill" "bfill")))
      .)) @lesson
]
