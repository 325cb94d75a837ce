(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "fit_transform"))
  arguments: (argument_list
    .
    (identifier) @_data
    (#match? @_data "(?i)((^|_)(test|val|valid|validation|holdout)($|_)|^[xy]_?(test|val)$)"))) @lesson
