(call
  function: [
    (identifier) @_cls
    (attribute attribute: (identifier) @_cls)
  ]
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @fix (#eq? @fix "base_estimator")) @lesson)
  (#any-of? @_cls "AdaBoostClassifier" "AdaBoostRegressor" "BaggingClassifier" "BaggingRegressor" "CalibratedClassifierCV" "RANSACRegressor"))
