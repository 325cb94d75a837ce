(call
  function: (attribute
    attribute: (identifier) @_m (#eq? @_m "predict_classes"))) @lesson
