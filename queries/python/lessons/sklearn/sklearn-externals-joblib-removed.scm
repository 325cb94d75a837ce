(import_from_statement
  module_name: (dotted_name
    .
    (identifier) @_sk (#eq? @_sk "sklearn")
    .
    (identifier) @_ext (#eq? @_ext "externals")
    .)
  name: (dotted_name (identifier) @_jl (#eq? @_jl "joblib"))
  .) @lesson
