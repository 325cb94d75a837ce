(call
  function: (attribute
    object: (identifier) @_obj (#match? @_obj "^(plt|pyplot|ax|axes|ax[0-9]+)$")
    attribute: (identifier) @_hold (#eq? @_hold "hold"))) @lesson
