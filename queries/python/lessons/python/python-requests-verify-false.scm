(call
  function: (attribute
    attribute: (identifier) @_fn (#any-of? @_fn "get" "post" "put" "patch" "delete" "head" "request" "Session" "Client"))
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_kw (#eq? @_kw "verify")
      value: (false) @lesson)))
