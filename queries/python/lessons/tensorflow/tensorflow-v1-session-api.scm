(attribute
  object: (identifier) @_tf (#any-of? @_tf "tf" "tensorflow")
  attribute: (identifier) @_name
  (#any-of? @_name "Session" "InteractiveSession" "placeholder" "placeholder_with_default" "global_variables_initializer" "local_variables_initializer" "initialize_all_variables" "get_variable" "variable_scope" "reset_default_graph" "get_default_session" "ConfigProto" "GPUOptions" "trainable_variables" "global_variables" "sparse_placeholder" "AUTO_REUSE")) @lesson
(attribute
  object: (attribute
    object: (identifier) @_tf (#any-of? @_tf "tf" "tensorflow")
    attribute: (identifier) @_train (#eq? @_train "train"))
  attribute: (identifier) @_opt
  (#any-of? @_opt "AdamOptimizer" "GradientDescentOptimizer" "MomentumOptimizer" "RMSPropOptimizer" "AdagradOptimizer" "AdadeltaOptimizer" "Saver" "exponential_decay" "get_or_create_global_step" "get_global_step" "string_input_producer" "batch" "shuffle_batch" "start_queue_runners")) @lesson
