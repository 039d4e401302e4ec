"""The interpreter: values, compiled routes, pseudo-variables, transformations."""
