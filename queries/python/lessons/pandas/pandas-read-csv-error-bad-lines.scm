(call
  function: (attribute
    attribute: (identifier) @_f (#any-of? @_f "read_csv" "read_table"))
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_k (#eq? @_k "error_bad_lines")
      value: (false)) @lesson))
