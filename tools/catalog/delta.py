"""Older releases' catalogs as deltas against the newest one (the inverse of
cfgscript.catalog.apply_delta), and the compact JSON all shipped catalog files use."""

from __future__ import annotations

import json


def catalog_delta(base: dict, target: dict) -> dict:
    """The delta that turns `base` into `target`, key order included."""
    delta: dict = {}
    removed = [key for key in base if key not in target]
    nested = {key: catalog_delta(base[key], value) for key, value in target.items()
              if key in base and base[key] != value
              and isinstance(value, dict) and isinstance(base[key], dict)}
    replaced = {key: value for key, value in target.items()
                if key not in nested and (key not in base or base[key] != value)}
    if removed:
        delta["-"] = removed
    if nested:
        delta["~"] = nested
    if replaced:
        delta["+"] = replaced
    kept = [key for key in base if key in target]
    added = [key for key in target if key not in base]
    if kept + added != list(target):
        delta["^"] = list(target)
    return delta


def compact_json(data: dict) -> str:
    """The bytes every shipped catalog file is written with."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True)
