(call
  function: [
    (attribute attribute: (identifier) @_fn)
    (identifier) @_fn
  ]
  arguments: (argument_list
    (keyword_argument
      name: (identifier) @fix (#eq? @fix "normed")) @lesson)
  (#any-of? @_fn "hist" "hist2d" "histogram" "histogram2d" "histogramdd"))
