"""cfgscript: run, explore and lint OpenSIPS event scripts without OpenSIPS."""

__version__ = "0.1.0"
