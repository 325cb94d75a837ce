(comparison_operator
  operators: ["==" "!="]
  (none)) @lesson
