(call
  function: (attribute
    object: [(identifier) (attribute)] @_F (#match? @_F "^(F|functional|nn\\.functional|torch\\.nn\\.functional)$")
    attribute: (identifier) @name (#any-of? @name "sigmoid" "tanh")) @fix) @lesson
