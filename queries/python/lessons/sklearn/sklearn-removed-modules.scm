(dotted_name
  .
  (identifier) @_sk (#eq? @_sk "sklearn")
  .
  (identifier) @fix (#any-of? @fix "cross_validation" "grid_search" "learning_curve")) @lesson
