[
  (assignment
    left: (identifier)
    right: (call
      function: (attribute
        object: (_) @_obj (#not-any-of? @_obj "np" "numpy" "torch" "tf" "jnp" "jax.numpy" "cupy" "cp" "pd" "pandas")
        attribute: (identifier) @_m (#eq? @_m "sort"))
      arguments: (argument_list) @_args (#not-match? @_args "inplace"))) @lesson
  (assignment
    left: (identifier)
    right: (call
      function: (attribute
        object: [(identifier) @_o (attribute attribute: (identifier) @_o)]
        attribute: (identifier) @_s)
      (#any-of? @_o "random" "rng")
      (#eq? @_s "shuffle"))) @lesson
]
