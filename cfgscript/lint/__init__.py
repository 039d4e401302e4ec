"""The linter: OpenSIPS's start-up verdict (the checker's E1xx findings) plus the
event, transport, trap and legacy rules, over the same parse and catalog."""
