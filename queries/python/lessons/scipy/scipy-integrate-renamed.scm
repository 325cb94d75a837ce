(import_from_statement
  module_name: (dotted_name
    .
    (identifier) @_scipy (#eq? @_scipy "scipy")
    .
    (identifier) @_int (#eq? @_int "integrate")
    .)
  name: (dotted_name (identifier) @_name (#any-of? @_name "simps" "trapz" "cumtrapz"))) @lesson
(call
  function: (attribute
    object: [(identifier) (attribute)] @_obj (#match? @_obj "(^|\\.)integrate$")
    attribute: (identifier) @_fn (#any-of? @_fn "simps" "trapz" "cumtrapz"))) @lesson
