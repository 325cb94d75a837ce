(assignment
  right: (call
    arguments: (argument_list
      (keyword_argument
        name: (identifier) @_kw (#eq? @_kw "inplace")
        value: (true)) @fix))) @lesson
