(call
  function: (attribute
    attribute: (identifier) @_fit (#eq? @_fit "fit"))
  arguments: (argument_list
    .
    (identifier) @_data
    (#match? @_data "(?i)((^|_)(test|val|valid|validation|holdout)($|_)|^[xy]_?(test|val)$)"))) @lesson
