(call
  function: (attribute
    attribute: (identifier) @fix (#eq? @fix "get_feature_names"))) @lesson
