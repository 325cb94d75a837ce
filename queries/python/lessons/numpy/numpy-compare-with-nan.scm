(comparison_operator
  operators: ["==" "!="]
  (attribute
    object: (identifier) @_mod (#any-of? @_mod "np" "numpy" "math")
    attribute: (identifier) @_nan (#any-of? @_nan "nan" "NaN" "NAN"))) @lesson
(comparison_operator
  operators: ["==" "!="]
  (call
    function: (identifier) @_float (#eq? @_float "float")
    arguments: (argument_list . (string (string_content) @_s (#match? @_s "^[nN][aA][nN]$")) .))) @lesson
