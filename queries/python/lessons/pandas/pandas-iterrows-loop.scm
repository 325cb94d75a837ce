(for_statement
  right: (call
    function: (attribute
      attribute: (identifier) @_m (#eq? @_m "iterrows"))) @lesson)
