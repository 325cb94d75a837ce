;; Imports: which modules a file uses, and under which local names.
;; Captures: @import.module (dotted module), @import.name (imported object), @import.alias.

;; import pandas / import os.path
(import_statement
  name: (dotted_name) @import.module)

;; import pandas as pd
(import_statement
  name: (aliased_import
    name: (dotted_name) @import.module
    alias: (identifier) @import.alias))

;; from sklearn.model_selection import KFold
(import_from_statement
  module_name: (dotted_name) @import.module
  name: (dotted_name) @import.name)

;; from sklearn.model_selection import train_test_split as tts
(import_from_statement
  module_name: (dotted_name) @import.module
  name: (aliased_import
    name: (dotted_name) @import.name
    alias: (identifier) @import.alias))

;; from numpy import *
(import_from_statement
  module_name: (dotted_name) @import.module
  (wildcard_import))
