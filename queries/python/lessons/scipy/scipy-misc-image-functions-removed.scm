(import_from_statement
  module_name: (dotted_name
    .
    (identifier) @_scipy (#eq? @_scipy "scipy")
    .
    (identifier) @_misc (#eq? @_misc "misc")
    .)
  name: (dotted_name (identifier) @_name (#any-of? @_name "imread" "imsave" "imresize" "imrotate" "imfilter" "toimage" "bytescale" "fromimage" "imshow"))) @lesson
(call
  function: (attribute
    object: [(identifier) (attribute)] @_obj (#match? @_obj "(^|\\.)misc$")
    attribute: (identifier) @_fn (#any-of? @_fn "imread" "imsave" "imresize" "imrotate" "imfilter" "toimage" "bytescale" "fromimage" "imshow"))) @lesson
