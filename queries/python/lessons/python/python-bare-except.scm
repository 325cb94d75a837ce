(except_clause
  !value
  "except" @lesson)
