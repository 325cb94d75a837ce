(call
  function: (attribute
    object: [
      (call function: (attribute attribute: (identifier) @_dev (#any-of? @_dev "cuda" "to")))
      (call function: (identifier) @_model (#match? @_model "(?i)(model|net|network|encoder|decoder)$"))
      (identifier) @_out (#match? @_out "^(loss|outputs?|logits|preds?|predictions?|y_pred|y_hat|yhat)$")
    ] @obj
    attribute: (identifier) @_numpy (#eq? @_numpy "numpy"))
  arguments: (argument_list) @_args (#eq? @_args "()")) @lesson
