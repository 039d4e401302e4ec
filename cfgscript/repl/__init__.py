"""cfgscript repl: an interactive prompt over a running script.

session.py decides what a line does (script code or a meta-command) and knows
nothing of terminals; terminal.py is the prompt_toolkit front end, piped.py
reads plain lines from a pipe.
"""
