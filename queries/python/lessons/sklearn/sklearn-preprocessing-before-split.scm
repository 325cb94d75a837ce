(_
  (expression_statement
    (assignment
      left: (identifier) @_scaled
      right: (call
        function: (attribute
          attribute: (identifier) @_ft (#eq? @_ft "fit_transform"))))) @lesson
  (expression_statement
    (assignment
      right: (call
        function: [
          (identifier) @_split
          (attribute attribute: (identifier) @_split)
        ]
        arguments: (argument_list . (identifier) @_x))))
  (#eq? @_split "train_test_split")
  (#eq? @_scaled @_x))
