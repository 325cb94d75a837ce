(call
  function: (attribute
    object: (attribute attribute: (identifier) @_style (#eq? @_style "style"))
    attribute: (identifier) @_use (#any-of? @_use "use" "context"))
  arguments: (argument_list
    .
    (string (string_content) @_name) @lesson)
  (#match? @_name "^seaborn")
  (#not-match? @_name "^seaborn-v0_8"))
