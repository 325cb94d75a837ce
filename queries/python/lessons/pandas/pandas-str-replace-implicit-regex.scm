(call
  function: (attribute
    object: (attribute attribute: (identifier) @_str (#eq? @_str "str"))
    attribute: (identifier) @_r (#eq? @_r "replace"))
  arguments: (argument_list . (string (string_content) @_pat)) @_args
  (#match? @_pat "^.+[.*+?^$|()\\[\\]{}\\\\]|[.*+?^$|()\\[\\]{}\\\\].+$")
  (#not-match? @_args "regex\\s*=")) @lesson
