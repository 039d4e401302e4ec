"""Clients of a running cfgscript or OpenSIPS: MI requests, event listeners, subscriptions.

Used by `cfgscript mi`, `cfgscript listen` and the REPL's `:listen`."""
