(call
  function: (attribute
    object: (_) @frame
    attribute: (identifier) @_apply (#eq? @_apply "apply"))
  arguments: (argument_list
    .
    (lambda
      parameters: (lambda_parameters . (identifier) @_row .)
      body: (binary_operator
        left: (subscript value: (identifier) @_r1 subscript: (string) @a .)
        operator: _ @op
        right: (subscript value: (identifier) @_r2 subscript: (string) @b .)))
    .
    (keyword_argument
      name: (identifier) @_axis (#eq? @_axis "axis")
      value: (_) @_one (#any-of? @_one "1" "'columns'" "\"columns\""))
    .)
  (#eq? @_row @_r1)
  (#eq? @_row @_r2)
  (#any-of? @op "+" "-" "*" "/" "//" "%" "**")) @lesson
