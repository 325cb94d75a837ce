(raise_statement
  [
    (identifier) @lesson
    (call function: (identifier) @lesson)
  ]
  (#eq? @lesson "NotImplemented"))
