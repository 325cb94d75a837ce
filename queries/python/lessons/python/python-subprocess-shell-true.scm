[
  (call
    function: (attribute
      object: (identifier) @_mod (#eq? @_mod "subprocess")
      attribute: (identifier) @_fn (#any-of? @_fn "run" "call" "check_call" "check_output" "Popen"))
    arguments: (argument_list
      (keyword_argument
        name: (identifier) @_kw (#eq? @_kw "shell")
        value: (true)))) @lesson
  (call
    function: (attribute
      object: (identifier) @_os (#eq? @_os "os")
      attribute: (identifier) @_sys (#any-of? @_sys "system" "popen"))
    arguments: (argument_list
      .
      [
        (string (interpolation))
        (binary_operator)
        (call function: (attribute attribute: (identifier) @_fmt (#eq? @_fmt "format")))
      ])) @lesson
]
