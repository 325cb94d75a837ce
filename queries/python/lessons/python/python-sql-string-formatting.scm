(call
  function: (attribute
    attribute: (identifier) @_fn (#any-of? @_fn "execute" "executemany" "read_sql" "read_sql_query"))
  arguments: (argument_list
    .
    [
      (string (interpolation))
      (binary_operator left: (string) operator: "%")
      (call function: (attribute object: (string) attribute: (identifier) @_fmt (#eq? @_fmt "format")))
    ] @lesson
    (#match? @lesson "(?i)\\b(select|insert|update|delete|where)\\b")))
