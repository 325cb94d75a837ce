(expression_statement
  (call
    function: (attribute
      object: (identifier) @_torch (#eq? @_torch "torch")
      attribute: (identifier) @_ctx (#any-of? @_ctx "no_grad" "inference_mode" "enable_grad"))) @lesson)
