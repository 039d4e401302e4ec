"""The language server (`cfgscript lsp`): lint findings as diagnostics with their
fixes, completion and hover from the module catalog, and navigation between
routes, events, variables and included files. Needs the `lsp` extra (pygls)."""
