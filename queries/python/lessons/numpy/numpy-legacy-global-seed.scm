(call
  function: (attribute
    object: (attribute
      object: (identifier) @_np (#any-of? @_np "np" "numpy")
      attribute: (identifier) @_random (#eq? @_random "random"))
    attribute: (identifier) @_seed (#eq? @_seed "seed"))) @lesson
