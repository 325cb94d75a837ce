(call
  function: (attribute
    object: (identifier) @_mod
    attribute: (identifier) @_fn)
  (#any-of? @_mod "pickle" "cPickle" "dill" "cloudpickle" "joblib")
  (#any-of? @_fn "load" "loads")) @lesson
