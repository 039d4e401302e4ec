"""Meta-commands about the script as a whole: load, reload, lint, help, quit."""

from __future__ import annotations

import argparse
import contextlib
import sys

from .host import Host
from .registry import COMMANDS, CommandError, MetaCommand, arity, meta_command
from .words import Word


@meta_command(":load", "FILE", takes=("file",))
def load(host: Host, words: list[Word]) -> bool:
    """Load another script and run its startup_route.
    The script running now keeps running when FILE does not load. The new
    script starts afresh: its $var values, subscriptions and timers are its own."""
    arity(words, 1, 1, ":load FILE")
    return host.replace_script(str(words[0].value))


@meta_command(":reload")
def reload(host: Host, words: list[Word]) -> bool:
    """Load the script file again (after an edit) and run its startup_route.
    The script running now keeps running when the file does not load."""
    arity(words, 0, 0, ":reload")
    if host.script_path is None:
        raise CommandError("no script file is loaded (see :load)")
    return host.replace_script(None)


@meta_command(":lint")
def lint(host: Host, words: list[Word]) -> bool:
    """Lint the script file, as `cfgscript lint FILE` does."""
    arity(words, 0, 0, ":lint")
    if host.script_path is None:
        raise CommandError("no script file is loaded (see :load)")
    from ..lint.arguments import add_parsers as add_lint_parsers  # only when used

    parser = argparse.ArgumentParser(prog="cfgscript")
    add_lint_parsers(parser.add_subparsers())
    args = parser.parse_args(["lint", "--color", "never", "--no-cache", host.script_path])
    with contextlib.redirect_stderr(sys.stdout):
        status = args.handler(args)
    return status == 0


@meta_command(":help", "[COMMAND | NAME]", takes=("topic",))
def help_command(host: Host, words: list[Word]) -> bool:
    """The meta-commands, the details of one, or what the catalog says of a name.
    NAME is a function (t_relay), a $pseudo-variable ($ru), an event
    (E_DLG_STATE_CHANGED) or an MI command, as `cfgscript rule NAME` explains it.
    Anything not starting with ':' is script code, run as in an event_route:
    $var(x) = 5;  raise_event("E_X", $avp(a), $avp(v));  if (...) { ... }
    A block goes on over several lines while its braces are open."""
    arity(words, 0, 1, ":help [COMMAND | NAME]")
    if not words:
        _list_commands(host)
        return True
    topic = words[0].text
    command = COMMANDS.get(topic if topic.startswith(":") else ":" + topic)
    if command is not None:
        _show_command(host, command)
        return True
    from ..lint.explain import explain_name  # only when asked

    text = None if topic.startswith(":") else explain_name(host.catalog, topic)
    if text is None:
        raise CommandError("no meta-command, function, $pseudo-variable, event or MI command %s "
                           "(see :help)" % topic, words[0].column)
    host.out.show(text)
    return True


def _list_commands(host: Host) -> None:
    heads = {c.name: ("%s %s" % (c.name, c.usage)).strip() for c in COMMANDS.values()}
    width = max(len(head) for head in heads.values())
    for command in COMMANDS.values():
        host.out.show("%-*s  %s" % (width, heads[command.name], command.summary))
    host.out.show("Script code runs as in an event_route; Ctrl-C interrupts it, Ctrl-D quits.")
    host.out.show(":help NAME explains a function, $pseudo-variable, event or MI command.")


def _show_command(host: Host, command: MetaCommand) -> None:
    host.out.show(("%s %s" % (command.name, command.usage)).strip())
    host.out.show("    " + command.summary)
    for line in command.details.splitlines():
        host.out.show("    " + line)


@meta_command(":quit")
def quit_command(host: Host, words: list[Word]) -> bool:
    """Leave the REPL (Ctrl-D too)."""
    arity(words, 0, 0, ":quit")
    host.quit()
    return True
