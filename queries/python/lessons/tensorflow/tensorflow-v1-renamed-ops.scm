(attribute
  object: (identifier) @_tf (#any-of? @_tf "tf" "tensorflow")
  attribute: (identifier) @_name
  (#any-of? @_name "random_normal" "random_uniform" "truncated_normal" "random_shuffle" "multinomial" "set_random_seed" "log" "div" "to_float" "to_double" "to_int32" "to_int64" "arg_max" "arg_min" "Print" "diag" "diag_part" "matrix_transpose" "matrix_inverse" "matrix_band_part" "log_sigmoid" "sparse_to_dense" "assign" "assign_add")) @lesson
