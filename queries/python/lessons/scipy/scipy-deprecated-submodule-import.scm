(import_from_statement
  module_name: (dotted_name
    .
    (identifier) @_scipy (#eq? @_scipy "scipy")
    .
    (identifier) @pkg
    .
    (identifier) @_sub
    .) @fix
  (#any-of? @pkg "ndimage" "signal" "stats" "optimize" "interpolate" "integrate" "linalg" "special")
  (#any-of? @_sub "filters" "morphology" "interpolation" "measurements" "fourier" "signaltools" "spectral" "filter_design" "waveforms" "lti_conversion" "stats" "morestats" "mstats_basic" "minpack" "optimize" "zeros" "lbfgsb" "slsqp" "interpolate" "fitpack" "fitpack2" "rbf" "quadpack" "odepack" "basic" "decomp" "decomp_lu" "decomp_svd" "decomp_cholesky" "decomp_qr" "matfuncs" "orthogonal")) @lesson
