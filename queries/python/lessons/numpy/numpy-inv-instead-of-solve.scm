(binary_operator
  left: (call
    function: (attribute
      object: (_) @linalg (#match? @linalg "linalg$")
      attribute: (identifier) @_inv (#eq? @_inv "inv"))
    arguments: (argument_list . (_) @A .))
  operator: "@"
  right: (_) @b) @lesson
(call
  function: (attribute
    object: (call
      function: (attribute
        object: (_) @linalg (#match? @linalg "linalg$")
        attribute: (identifier) @_inv (#eq? @_inv "inv"))
      arguments: (argument_list . (_) @A .))
    attribute: (identifier) @_dot (#eq? @_dot "dot"))
  arguments: (argument_list . (_) @b .)) @lesson
