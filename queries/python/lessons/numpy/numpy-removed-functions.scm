(call
  function: (attribute
    object: (identifier) @_np (#any-of? @_np "np" "numpy")
    attribute: (identifier) @_fn
    (#any-of? @_fn "product" "cumproduct" "sometrue" "alltrue" "round_" "asfarray" "msort" "mat" "find_common_type" "cast" "issubclass_" "safe_eval" "recfromcsv" "recfromtxt" "deprecate" "deprecate_with_doc" "disp" "lookfor" "who" "set_string_function" "byte_bounds" "compare_chararrays" "format_parser"))) @lesson
