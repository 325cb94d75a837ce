(call
  function: (attribute
    object: (_) @_mod (#match? @_mod "optimizers(\\.legacy)?$")
    attribute: (identifier) @_opt)
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @fix (#eq? @fix "lr")) @lesson)
  (#any-of? @_opt "Adam" "AdamW" "SGD" "RMSprop" "Adagrad" "Adadelta" "Adamax" "Nadam" "Ftrl"))
