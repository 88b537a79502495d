"""The base both engines stand on: the objective and its lifecycle (:mod:`.objective`,
:mod:`.cache`), the one place for Numba options (:mod:`.jit`), input validation and its
messages (:mod:`.validate`), return checks of f (:mod:`.scalar`), scheme codes
(:mod:`.schemes`) and the clock of compiled loops (:mod:`.clock`). Nothing here imports the
layers above."""
