"""eqmd's Matrix room bookkeeping, as far as the after-reset hooks meet it (same app label,
models and tables as eqmd's apps.matrix_integration; written for the contract tests)."""
