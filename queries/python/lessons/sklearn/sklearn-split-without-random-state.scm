(call
  function: [
    (identifier) @_fn
    (attribute attribute: (identifier) @_fn)
  ]
  arguments: (argument_list) @_args
  (#eq? @_fn "train_test_split")
  (#not-match? @_args "random_state|shuffle\\s*=\\s*False|\\*\\*")) @lesson
