(call
  function: [
    (identifier) @_cls
    (attribute attribute: (identifier) @_cls)
  ]
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_kw (#eq? @_kw "random_state")
      value: (_) @_seed (#not-eq? @_seed "None"))) @_args
  (#any-of? @_cls "KFold" "StratifiedKFold" "GroupKFold")
  (#not-match? @_args "shuffle\\s*=\\s*True")) @lesson
