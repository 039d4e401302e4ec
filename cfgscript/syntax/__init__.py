"""The language: text to syntax tree.

source (files, includes, positions) → lexer (contextual, from the grammar's
tables) → parser (LALR(1) driver) → builder (tree to AST) → ast (dataclasses
with positions). pvspec parses `$` variables and format strings; ints holds the
C integer rules literals follow.
"""
