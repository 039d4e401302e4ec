"""The lint rules, one class each, grouped by family: startup (E1xx, found by the
checker), events and params (V2xx), traps (T3xx), legacy (L4xx), suppressions (S5xx).
The one table of codes is lint/codes.py."""
