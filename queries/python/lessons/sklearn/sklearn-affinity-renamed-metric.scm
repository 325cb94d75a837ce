(call
  function: [
    (identifier) @_cls
    (attribute attribute: (identifier) @_cls)
  ]
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @fix (#eq? @fix "affinity")) @lesson)
  (#any-of? @_cls "AgglomerativeClustering" "FeatureAgglomeration"))
