"""Builds the cfgscript catalog from an OpenSIPS source tree (a development tool)."""
