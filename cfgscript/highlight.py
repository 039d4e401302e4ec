"""A Pygments lexer for opensips.cfg, registered as the `opensips` lexer.

It follows the token rules of grammar/opensips.lark and OpenSIPS's own lexer:
`#` comments (`#!` is nothing more than a comment to OpenSIPS), nesting `/* */`
comments, strings whose `$` specs are expanded, and script variables whose
parenthesised part, indexes and transformations belong to one spec. `//` is not
a comment in OpenSIPS (it is two divisions, which do not parse), so it is shown
as an error rather than dimmed like a comment.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, default, include, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Whitespace,
)

ROUTE_KINDS = ("route", "failure_route", "onreply_route", "branch_route", "error_route",
               "local_route", "startup_route", "timer_route", "event_route")
STATEMENTS = ("if", "else", "switch", "case", "default", "break", "while", "for", "in",
              "return", "exit", "drop", "async", "launch")
BUILTIN_STATEMENTS = ("xlog", "xdbg", "log", "error", "assert")
CONSTANTS = ("yes", "true", "on", "enable", "no", "false", "off", "disable", "null", "NULL")
WORD_OPERATORS = ("and", "or", "not")
DIRECTIVES = ("loadmodule", "modparam", "include_file", "import_file")

_NAME = r"[A-Za-z][A-Za-z0-9_]*"
_VAR_NAME = r"\$[A-Za-z_][A-Za-z0-9_.]*"
# What follows a variable name without parentheses up to a blank, ';', ',' or an
# operator; a final ':' before '=' is the ':=' operator's.
_VAR_TAIL = r"(?:[^ \t\r\n;,()=+\-*/%&|^~<>!\\:]|:(?!=))*"
_ESCAPE = r"\\[\s\S]"
_EVENT = r"E_[A-Z0-9_]+\b"
# A spec inside a string: the string's closing quote ends it, whatever the parentheses.
_BALANCED = r"\((?:[^()\"'\\]|\((?:[^()\"'\\]|\([^()\"'\\]*\))*\))*\)"
_SPEC_IN_STRING = r"\$(?:%s|[A-Za-z_][A-Za-z0-9_.]*(?:%s)?(?:\[[^\]\"'\\]*\])?)" % (
    _BALANCED, _BALANCED)
_IPV4 = r"\d+\.\d+\.\d+\.\d+(?:/\d+(?:\.\d+){0,3})?"
_HEX4 = r"[0-9a-fA-F]{1,4}"
_IPV6_GROUPS = r"%s(?::%s)*" % (_HEX4, _HEX4)
_IPV6 = r"(?<![\w:])(?:(?:%s:){7}%s|(?:%s)?::(?:%s)?)(?:/\d+)?(?![\w:])" % (
    _HEX4, _HEX4, _IPV6_GROUPS, _IPV6_GROUPS)
# Characters no OpenSIPS token starts with: OpenSIPS echoes them and reads on.
_SKIPPED = r"[^A-Za-z0-9 \t\r\n\x08!\"#$%&'()*+,\-./:;<=>\[\]^{|}~_]+|_"


def _string_state(quote: str, escapes: bool) -> list:
    body = r"[^%s$\\]+" % quote if escapes else r"[^%s$]+" % quote
    rules = [(quote, String, "#pop")]
    if escapes:
        rules.append((_ESCAPE, String.Escape))
    return rules + [
        (r"\$\$", String.Escape),
        (_SPEC_IN_STRING, String.Interpol),
        (body, String),
        (r"[$\\]", String),
    ]


class OpensipsLexer(RegexLexer):
    """opensips.cfg: the OpenSIPS 3.x/4.x routing and event script language."""

    name = "OpenSIPS"
    aliases: ClassVar[list[str]] = ["opensips", "opensips.cfg"]
    filenames: ClassVar[list[str]] = ["opensips.cfg", "opensips*.cfg"]
    # *.cfg belongs to the INI lexer too; analyse_text settles which one a file is.
    alias_filenames: ClassVar[list[str]] = ["*.cfg"]
    mimetypes: ClassVar[list[str]] = ["text/x-opensips-cfg"]
    url = "https://opensips.org"

    tokens: ClassVar[dict] = {
        "root": [
            include("blanks"),
            (words(ROUTE_KINDS, suffix=r"(\s*)(\[)"), bygroups(Keyword.Declaration, Whitespace,
                                                            Punctuation), "route-name"),
            (r"(route)(\s*)(\()", bygroups(Keyword, Whitespace, Punctuation), "route-target"),
            (words(ROUTE_KINDS, suffix=r"\b"), Keyword.Declaration),
            (words(DIRECTIVES, suffix=r"\b"), Keyword.Namespace),
            (r"[A-Za-z][A-Za-z0-9_-]*(?=[ \t\r\n]*=(?![=~]))", Name.Attribute),
            (words(STATEMENTS, suffix=r"\b"), Keyword),
            (words(BUILTIN_STATEMENTS, suffix=r"\b"), Name.Builtin),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(WORD_OPERATORS, suffix=r"\b"), Operator.Word),
            (r"(%s)(\s*)(?=\()" % _NAME, bygroups(Name.Function, Whitespace)),
            include("variable"),
            include("literals"),
            (_EVENT, Name.Constant),
            (_NAME, Name),
            (r"=~|!~|==|!=|>=|<=|<<|>>|&&|\|\||[:+\-*/%&|^]=|[=<>+\-*/%&|^~!]", Operator),
            (r"[()\[\]{};,:.]", Punctuation),
            (_SKIPPED, Text),
        ],
        "blanks": [
            (r"[ \t\r\n\x08]+", Whitespace),
            (r"\\\n", Text),
            (r"#!.*", Comment.Preproc),
            (r"#.*", Comment.Single),
            (r"/\*", Comment.Multiline, "comment"),
            (r"//.*", Error),
        ],
        "comment": [
            (r"[^*/]+", Comment.Multiline),
            (r"/\*", Comment.Multiline, "#push"),
            (r"\*/", Comment.Multiline, "#pop"),
            (r"[*/]", Comment.Multiline),
        ],
        "literals": [
            (r'"%s"' % _EVENT, String.Symbol),
            (r'"', String, "dq-string"),
            (r"'", String, "sq-string"),
            (_IPV4, Number),
            (_IPV6, Number),
            (r"0x[0-9a-fA-F]+", Number.Hex),
            (r"0[0-7]+", Number.Oct),
            (r"\d+", Number.Integer),
        ],
        "dq-string": _string_state('"', escapes=True),
        "sq-string": _string_state("'", escapes=False),
        "variable": [
            (r"(\$)(\()", bygroups(Name.Variable, Punctuation), "spec"),
            (r"(%s)(\()" % _VAR_NAME, bygroups(Name.Variable, Punctuation), "spec"),
            (_VAR_NAME + _VAR_TAIL, Name.Variable),
        ],
        # inside the parentheses of a variable: names, indexes, transformations
        "spec": [
            (r"\)", Punctuation, "#pop"),
            (r"\(", Punctuation, "#push"),
            (r"(\[)(\s*)(-?\d+|\*)(\s*)(\])",
             bygroups(Punctuation, Whitespace, Number.Integer, Whitespace, Punctuation)),
            (r"[\[\]]", Punctuation),
            (r"\{", Punctuation, "transformation"),
            include("variable"),
            (r"\s+", Whitespace),
            (r"[^()\[\]{}$\s]+", Name.Variable),
            (r"[${}]", Name.Variable),
        ],
        "transformation": [
            (r"\s+", Whitespace),
            (r"[A-Za-z_][A-Za-z0-9_.]*", Name.Function, ("#pop", "transformation-params")),
            default(("#pop", "transformation-params")),
        ],
        "transformation-params": [
            (r"\}", Punctuation, "#pop"),
            (r"\{", Punctuation, "#push"),
            (r",", Punctuation),
            include("variable"),
            (r"-?\d+(?=\s*[,}])", Number.Integer),
            (r"\s+", Whitespace),
            (r"[^{},$\s]+", String.Other),
            (r"\$", String.Other),
        ],
        "route-name": [
            (r"\]", Punctuation, "#pop"),
            (r"\s+", Whitespace),
            (r",", Punctuation),
            (words(("async", "sync"), suffix=r"\b"), Keyword),
            (_EVENT, Name.Constant),
            (_NAME, Name.Function),
            include("literals"),
        ],
        "route-target": [
            (r"\s+", Whitespace),
            (_NAME, Name.Function, "#pop"),
            default("#pop"),
        ],
    }

    def analyse_text(text: str) -> float:  # Pygments calls it without an instance
        """How sure the text is an OpenSIPS script (for *.cfg, which INI files use too)."""
        if re.search(r'^\s*loadmodule\s+["\']', text, re.MULTILINE):
            return 0.9
        if re.search(r"^\s*(?:%s)\s*[\[{]" % "|".join(ROUTE_KINDS), text, re.MULTILINE):
            return 0.6
        return 0.0
