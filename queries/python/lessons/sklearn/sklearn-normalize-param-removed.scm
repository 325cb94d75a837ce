(call
  function: [
    (identifier) @_cls
    (attribute attribute: (identifier) @_cls)
  ]
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @_kw (#eq? @_kw "normalize")) @lesson)
  (#any-of? @_cls "LinearRegression" "Ridge" "RidgeCV" "RidgeClassifier" "RidgeClassifierCV" "Lasso" "LassoCV" "ElasticNet" "ElasticNetCV" "Lars" "LarsCV" "LassoLars" "LassoLarsCV" "LassoLarsIC" "OrthogonalMatchingPursuit" "OrthogonalMatchingPursuitCV" "BayesianRidge" "ARDRegression" "MultiTaskLasso" "MultiTaskElasticNet"))
