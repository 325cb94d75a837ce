(comparison_operator
  operators: ["is" "is not"]
  [(integer) (float) (string) (concatenated_string) (tuple) (list) (dictionary)]) @lesson
