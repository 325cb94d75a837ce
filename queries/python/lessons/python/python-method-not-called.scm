(expression_statement
  (attribute
    attribute: (identifier) @_m
    (#any-of? @_m "show" "tight_layout" "legend" "draw" "clf" "cla" "close" "eval" "train" "zero_grad" "step" "backward" "sort" "reverse" "clear" "flush" "dropna" "drop_duplicates" "reset_index" "sort_values" "sort_index")) @lesson)
