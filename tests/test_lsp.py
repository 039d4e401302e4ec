"""`cfgscript lsp` end to end: a real server over stdio (pytest-lsp), driven as
an editor drives it (the incremental analysis is held to a full lint in
test_lsp_incremental.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from cfgscript.catalog import describe_function

ROOT = Path(__file__).resolve().parents[1]
WAIT = 20.0             # seconds any one answer may take
SCRIPT = '''\
loadmodule "event_datagram.so"
loadmodule "cfgutils.so"
log_level = 3

startup_route {
    subscribe_event("E_PING", "udp:127.0.0.1:9999");
    $var(count) = 1;
    route(helper);
    raise_event("E_PING");
    raise_event("E_ALONE");
}

route[helper] {
    xlog("L_INFO", "count $var(count) $var(cuont)\\n");
}

event_route[E_PING] {
    xlog("L_ERROR", "got ping\\n");
}
'''
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(
    server_command=[sys.executable, "-m", "cfgscript", "lsp"],
    server_env=dict(os.environ, PYTHONPATH=str(ROOT))))
async def client(lsp_client: LanguageClient):
    await asyncio.wait_for(lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=(ROOT / "examples").as_uri())), WAIT)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), WAIT)


# ---------------------------------------------------------------- helpers

async def _published(client: LanguageClient, uri: str, send) -> list[types.Diagnostic]:
    """Send something and wait for the diagnostics it brings for `uri`."""
    before = client.diagnostics.get(uri)
    send()
    async with asyncio.timeout(WAIT):
        while client.diagnostics.get(uri) is before:
            await asyncio.sleep(0.01)
    return client.diagnostics[uri]


async def open_script(client: LanguageClient, path: Path, text: str) -> list[types.Diagnostic]:
    path.write_text(text)
    item = types.TextDocumentItem(path.as_uri(), "opensips", 1, text)
    return await _published(client, item.uri, lambda: client.text_document_did_open(
        types.DidOpenTextDocumentParams(item)))


async def change(client: LanguageClient, uri: str, version: int,
                 *changes: types.TextDocumentContentChangeEvent) -> list[types.Diagnostic]:
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri), list(changes))
    return await _published(client, uri, lambda: client.text_document_did_change(params))


def at(line: int, character: int) -> types.Position:
    return types.Position(line, character)


def span(line: int, start: int, end: int) -> types.Range:
    return types.Range(at(line, start), at(line, end))


def doc(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri)


async def ask(coroutine):
    return await asyncio.wait_for(coroutine, WAIT)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """A client applying TextEdits (positions in UTF-16 units; ASCII text here)."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        return offsets[position.line] + position.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text


async def labels(client: LanguageClient, uri: str, position: types.Position) -> set[str]:
    result = await ask(client.text_document_completion_async(
        types.CompletionParams(doc(uri), position)))
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return {item.label for item in items}


# ---------------------------------------------------------------- diagnostics

async def test_initialize_advertises_the_features(client: LanguageClient):
    capabilities = client.protocol.server_capabilities if hasattr(
        client.protocol, "server_capabilities") else None
    result = await ask(client.workspace_symbol_async(types.WorkspaceSymbolParams("")))
    assert isinstance(result, list)
    assert capabilities is None or capabilities.completion_provider is not None


async def test_findings_on_open_then_on_change(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "s.cfg"
    found = await open_script(client, path, SCRIPT)
    by_code = {d.code: d for d in found}
    assert set(by_code) == {"V202", "T308", "T307"}
    unheard = by_code["V202"]
    assert unheard.range == types.Range(at(9, 16), at(9, 25))
    assert unheard.severity == types.DiagnosticSeverity.Warning
    assert unheard.source == "cfgscript"
    assert unheard.code_description.href.endswith("#raise-unheard-v202")
    fixed = await change(client, path.as_uri(), 2, types.TextDocumentContentChangePartial(
        span(9, 4, 27), 'raise_event("E_PING");'))
    assert {d.code for d in fixed} == {"T308", "T307"}
    broken = await change(client, path.as_uri(), 3, types.TextDocumentContentChangePartial(
        span(13, 4, 4), "xlog(;\n    "))
    assert [d.code for d in broken] == ["E100"]
    assert broken[0].range.start.line == 13


async def test_columns_are_utf16(client: LanguageClient, tmp_path: Path):
    text = 'startup_route {\n    xlog("😀 ✓"); raise_event("E_ALONE");\n}\n'
    found = await open_script(client, tmp_path / "wide.cfg", text)
    (unheard,) = [d for d in found if d.code == "V202"]
    # '    xlog("' is 10 units, the emoji 2, ' ✓");' 5, a blank 1, 'raise_event(' 12
    assert unheard.range.start == at(1, 30)


async def test_code_actions_fix_and_suppress(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "fix.cfg"
    found = await open_script(client, path, SCRIPT)
    level = next(d for d in found if d.code == "T307")
    actions = await ask(client.text_document_code_action_async(types.CodeActionParams(
        doc(path.as_uri()), level.range, types.CodeActionContext([level]))))
    fix = next(a for a in actions if a.is_preferred)
    text = apply_edits(SCRIPT, fix.edit.changes[path.as_uri()])
    assert 'xlog("L_ERR", "got ping\\n");' in text
    after = await change(client, path.as_uri(), 2,
                         types.TextDocumentContentChangeWholeDocument(text))
    assert "T307" not in {d.code for d in after}
    unheard = next(d for d in after if d.code == "V202")
    actions = await ask(client.text_document_code_action_async(types.CodeActionParams(
        doc(path.as_uri()), unheard.range, types.CodeActionContext([unheard]))))
    suppress = next(a for a in actions if "noqa" in a.title)
    text = apply_edits(text, suppress.edit.changes[path.as_uri()])
    assert '    raise_event("E_ALONE");  # noqa: V202\n' in text
    after = await change(client, path.as_uri(), 3,
                         types.TextDocumentContentChangeWholeDocument(text))
    assert {d.code for d in after} == {"T308"}


# ---------------------------------------------------------------- completion and hover

def cursors(text: str) -> tuple[str, list[types.Position]]:
    """The text without its `|` marks, and the position of each mark."""
    positions = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        while "|" in line:
            positions.append(at(number, line.index("|")))
            line = line.replace("|", "", 1)
        lines[number] = line
    return "\n".join(lines), positions


async def test_completion_in_each_context(client: LanguageClient, tmp_path: Path):
    text, (modparam_module, modparam_name, socket, subscribed, raised, transformation,
           route, param, variable, function, event_route, module, global_name) = cursors(
        SCRIPT + '''\
modparam("|cfgutils", "|")
timer_route[tick, 5] {
    subscribe_event("E_PING", "|");
    subscribe_event("|");
    raise_event("|");
    $var(x) = $(var(count){|});
    route(|);
}
event_route[E_CORE_LOG] {
    xlog("$param(|)");
    $|
    |
}
event_route[|]
loadmodule "|"
|
''')
    path = tmp_path / "complete.cfg"
    await open_script(client, path, text)
    uri = path.as_uri()
    assert {"event_datagram", "cfgutils"} == await labels(client, uri, modparam_module)
    assert "initial_probability" in await labels(client, uri, modparam_name)
    assert {"udp:", "rabbitmq:"} <= await labels(client, uri, socket)
    assert {"E_PING", "E_CORE_LOG"} <= await labels(client, uri, subscribed)
    assert {"E_PING", "E_ALONE"} <= await labels(client, uri, raised)
    assert "s.len" in await labels(client, uri, transformation)
    assert await labels(client, uri, route) == {"helper"}
    assert {"message", "level"} <= await labels(client, uri, param)
    assert {"var", "avp", "param"} <= await labels(client, uri, variable)
    assert {"raise_event", "rand_set_prob"} <= await labels(client, uri, function)
    assert "E_CORE_LOG" in await labels(client, uri, event_route)
    assert "cfgutils" in await labels(client, uri, module)
    assert "log_level" in await labels(client, uri, global_name)


async def test_function_completion_is_a_snippet(client: LanguageClient, tmp_path: Path):
    text = 'loadmodule "cfgutils.so"\nstartup_route {\n    \n}\n'
    path = tmp_path / "snippet.cfg"
    await open_script(client, path, text)
    result = await ask(client.text_document_completion_async(
        types.CompletionParams(doc(path.as_uri()), at(2, 4))))
    items = {item.label: item for item in result.items}
    assert items["rand_set_prob"].insert_text.startswith("rand_set_prob(${1:")
    assert items["rand_set_prob"].insert_text_format == types.InsertTextFormat.Snippet
    assert "subscribe_event" in items


async def test_hover(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "hover.cfg"
    await open_script(client, path, SCRIPT)
    uri = path.as_uri()
    function = await ask(client.text_document_hover_async(types.HoverParams(doc(uri), at(5, 8))))
    assert "subscribe_event(" in function.contents.value and "Allowed in" in \
        function.contents.value
    variable = await ask(client.text_document_hover_async(types.HoverParams(doc(uri), at(6, 6))))
    assert "$var" in variable.contents.value and "writable" in variable.contents.value
    text = SCRIPT + "event_route[E_CORE_LOG] { exit; }\n"
    await change(client, uri, 2, types.TextDocumentContentChangeWholeDocument(text))
    event = await ask(client.text_document_hover_async(types.HoverParams(
        doc(uri), at(SCRIPT.count("\n"), 15))))
    assert "E_CORE_LOG" in event.contents.value and "`message`" in event.contents.value


async def test_hover_shows_the_documented_description(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "described.cfg"
    await open_script(client, path, SCRIPT)
    uri = path.as_uri()
    function = await ask(client.text_document_hover_async(types.HoverParams(doc(uri), at(5, 8))))
    assert describe_function("core", "subscribe_event") in function.contents.value
    text = SCRIPT + "event_route[E_CORE_LOG] { xlog(\"$ru\"); }\n"
    await change(client, uri, 2, types.TextDocumentContentChangeWholeDocument(text))
    last = SCRIPT.count("\n")
    event = await ask(client.text_document_hover_async(types.HoverParams(doc(uri), at(last, 15))))
    assert "Log message produced." in event.contents.value
    variable = await ask(client.text_document_hover_async(types.HoverParams(
        doc(uri), at(last, 33))))
    assert "reference to request's URI" in variable.contents.value


# ---------------------------------------------------------------- navigation

async def test_definition_references_and_rename(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "nav.cfg"
    await open_script(client, path, SCRIPT)
    uri = path.as_uri()
    (route,) = await ask(client.text_document_definition_async(
        types.DefinitionParams(doc(uri), at(7, 11))))
    assert route.range == span(12, 6, 12)
    raised = await ask(client.text_document_definition_async(
        types.DefinitionParams(doc(uri), at(16, 14))))
    assert {loc.range.start.line for loc in raised} == {5, 8}
    (event_route,) = await ask(client.text_document_definition_async(
        types.DefinitionParams(doc(uri), at(8, 18))))
    assert event_route.range.start.line == 16
    found = await ask(client.text_document_references_async(types.ReferenceParams(
        text_document=doc(uri), position=at(12, 8),
        context=types.ReferenceContext(include_declaration=True))))
    assert sorted(loc.range.start.line for loc in found) == [7, 12]
    edit = await ask(client.text_document_rename_async(
        types.RenameParams(doc(uri), at(12, 8), "assist")))
    text = apply_edits(SCRIPT, edit.changes[uri])
    assert "route(assist);" in text and "route[assist] {" in text


async def test_variable_and_include_definitions(client: LanguageClient, tmp_path: Path):
    (tmp_path / "part.cfg").write_text('route[part] {\n    exit;\n}\n')
    text = ('include_file "part.cfg"\nstartup_route {\n    $var(n) = 1;\n'
            '    xlog("L_INFO", "n");\n    if ($var(n) == 1) route(part);\n}\n')
    path = tmp_path / "main.cfg"
    await open_script(client, path, text)
    uri = path.as_uri()
    (included,) = await ask(client.text_document_definition_async(
        types.DefinitionParams(doc(uri), at(0, 5))))
    assert included.uri == (tmp_path / "part.cfg").as_uri()
    (assignment,) = await ask(client.text_document_definition_async(
        types.DefinitionParams(doc(uri), at(4, 10))))
    assert assignment.range == span(2, 4, 11)


async def test_symbols(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "symbols.cfg"
    await open_script(client, path, SCRIPT + "timer_route[tick, 5] { exit; }\n")
    found = await ask(client.text_document_document_symbol_async(
        types.DocumentSymbolParams(doc(path.as_uri()))))
    kinds = {s.name: s.kind for s in found}
    assert kinds == {"startup_route": types.SymbolKind.Constructor,
                     "route[helper]": types.SymbolKind.Function,
                     "event_route[E_PING]": types.SymbolKind.Event,
                     "timer_route[tick]": types.SymbolKind.Method}
    everywhere = await ask(client.workspace_symbol_async(types.WorkspaceSymbolParams("")))
    names = {s.name for s in everywhere}
    assert "route[helper]" in names
    assert "event_route[E_HEARTBEAT]" in names        # examples/quickstart.cfg, not open


# ---------------------------------------------------------------- robustness

def send_raw(client: LanguageClient, message: str) -> None:
    """Bytes straight to the server, past the client's own checks."""
    body = message.encode("utf-8")
    client._server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


async def test_survives_malformed_requests(client: LanguageClient, tmp_path: Path):
    send_raw(client, '{"jsonrpc": "2.0", "id": 9001, "method": "cfgscript/nothing"}')
    send_raw(client, '{"jsonrpc": "2.0", "id": 9002, "method": "textDocument/hover", '
                     '"params": {"bad": 1}}')
    send_raw(client, '{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": 7}')
    send_raw(client, '{"jsonrpc": "2.0", "id": 9003, "method": "textDocument/definition", '
                     '"params": {"textDocument": {"uri": "file:///nowhere.cfg"}, '
                     '"position": {"line": -4, "character": "x"}}}')
    missing = await ask(client.text_document_hover_async(types.HoverParams(
        doc((tmp_path / "never-opened.cfg").as_uri()), at(0, 0))))
    assert missing is None
    found = await open_script(client, tmp_path / "after.cfg", SCRIPT)
    assert found


async def test_text_that_is_not_utf8(client: LanguageClient, tmp_path: Path):
    text = 'startup_route {\n    xlog("\ud800 \udcff");\n    raise_event("E_ALONE");\n}\n'
    path = tmp_path / "odd.cfg"
    item = types.TextDocumentItem(path.as_uri(), "opensips", 1, text)
    found = await _published(client, item.uri, lambda: client.text_document_did_open(
        types.DidOpenTextDocumentParams(item)))
    assert "V202" in {d.code for d in found}
    hovered = await ask(client.text_document_hover_async(types.HoverParams(
        doc(item.uri), at(1, 11))))
    assert hovered is None


async def test_a_file_deleted_while_open(client: LanguageClient, tmp_path: Path):
    path = tmp_path / "gone.cfg"
    await open_script(client, path, SCRIPT)
    path.unlink()
    found = await change(client, path.as_uri(), 2, types.TextDocumentContentChangePartial(
        span(9, 4, 27), ""))
    assert {d.code for d in found} == {"T308", "T307"}
    saved = await _published(client, path.as_uri(), lambda: client.text_document_did_save(
        types.DidSaveTextDocumentParams(doc(path.as_uri()))))
    assert {d.code for d in saved} == {"T308", "T307"}


async def test_one_clear_line_without_pygls():
    hide = ("import sys; sys.modules['pygls'] = None; from cfgscript.cli import main; "
            "sys.exit(main(['lsp']))")
    done = subprocess.run([sys.executable, "-c", hide], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 2
    assert done.stderr == ("cfgscript lsp: error: the language server needs pygls: "
                           "pip install 'cfgscript[lsp]'\n")
