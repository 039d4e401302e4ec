"""`cfgscript lsp`: the language server, over standard input and output.

Each open document is linted as `cfgscript lint` would lint the file (the same
settings, found upward from its path, and the same catalog release); after an
edit only the blocks that changed are analysed again (analysis.py). Completion,
hover and navigation read the last analysis and never parse."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from typing import Any, Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from . import completion, findings, hover, navigation
from .state import OpenDocument, open_document
from .text import UTF16, Document


class Collector:
    """Keeps Python's cyclic garbage collector off the analysis of large documents.

    An analysis of a 22k-line script is a few hundred thousand long-lived objects;
    each edit allocates tens of thousands more, which makes the collector walk
    all of them in the middle of the next edit. After each publication the
    objects alive are frozen (the collector skips them); every few edits they are
    thawed and collected once, so cycles left behind are reclaimed."""

    THAW_EVERY = 32

    def __init__(self) -> None:
        self.settled = 0

    def settle(self) -> None:
        self.settled += 1
        if self.settled % self.THAW_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()


class CfgscriptServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("cfgscript", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.documents: dict[str, OpenDocument] = {}
        self.collector = Collector()

    @property
    def encoding(self) -> str:
        chosen = self.server_capabilities.position_encoding
        return str(chosen.value if hasattr(chosen, "value") else chosen or UTF16)

    def document(self, uri: str) -> Optional[OpenDocument]:
        return self.documents.get(uri)

    def opened(self, item: types.TextDocumentItem) -> None:
        path = to_fs_path(item.uri) or item.uri
        doc = open_document(Document(item.uri, path, item.text, item.version))
        self.documents[item.uri] = doc
        if doc.settings_problem:
            self.window_show_message(types.ShowMessageParams(types.MessageType.Warning,
                                                             doc.settings_problem))
        self.publish(doc)

    def publish(self, doc: OpenDocument) -> None:
        params = '{"uri":%s,"version":%s,"diagnostics":%s}' % (
            json.dumps(doc.document.uri), json.dumps(doc.document.version),
            findings.diagnostics_json(doc, self.encoding))
        self.send_raw('{"jsonrpc":"2.0","method":"%s","params":%s}'
                      % (types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params))
        self.collector.settle()

    def send_raw(self, body: str) -> None:
        """Send a message already in its JSON form. Thousands of diagnostics go out
        after every edit; they are kept serialised (findings.py), and the protocol's
        own path would convert them back and forth."""
        writer = self.protocol.writer
        if writer is None:
            return
        data = body.encode("utf-8")
        if self.protocol._include_headers:
            data = b"Content-Length: %d\r\n\r\n%s" % (len(data), data)
        writer.write(data)


server = CfgscriptServer()
Handler = Callable[..., Any]


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: CfgscriptServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.opened(params.text_document)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: CfgscriptServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return
    for change in params.content_changes:
        doc.document.apply(change, ls.encoding)
    doc.document.version = params.text_document.version
    doc.reanalyse()
    ls.publish(doc)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=True))
def did_save(ls: CfgscriptServer, params: types.DidSaveTextDocumentParams) -> None:
    doc = ls.document(params.text_document.uri)
    if doc is None:
        return
    if params.text is not None:
        doc.document.apply(types.TextDocumentContentChangeWholeDocument(params.text), ls.encoding)
    # a save may change what the settings or the included files say: start afresh
    ls.opened(types.TextDocumentItem(doc.document.uri, "opensips", doc.document.version,
                                     doc.document.text))


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: CfgscriptServer, params: types.DidCloseTextDocumentParams) -> None:
    if ls.documents.pop(params.text_document.uri, None) is not None:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            params.text_document.uri, []))


def about_a_document(feature: str, options: Any = None) -> Callable[[Handler], Handler]:
    """Register handler(ls, doc, params) for a request about one document; the
    answer is None while the document is not open."""
    def register(handler: Handler) -> Handler:
        def answer(ls: CfgscriptServer, params: Any) -> Any:
            doc = ls.document(params.text_document.uri)
            return None if doc is None else handler(ls, doc, params)
        answer.__name__ = handler.__name__
        server.feature(feature, options)(answer)
        return handler
    return register


@about_a_document(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
    code_action_kinds=[types.CodeActionKind.QuickFix]))
def code_action(ls: CfgscriptServer, doc: OpenDocument, params: types.CodeActionParams):
    return findings.code_actions(doc, params.range, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(
    trigger_characters=['"', "$", "(", "[", "{", ".", ":"]))
def complete(ls: CfgscriptServer, doc: OpenDocument, params: types.CompletionParams):
    return completion.complete(doc, params.position, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: CfgscriptServer, doc: OpenDocument, params: types.HoverParams):
    return hover.hover(doc, params.position, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_DEFINITION)
def definition(ls: CfgscriptServer, doc: OpenDocument, params: types.DefinitionParams):
    return navigation.definition(doc, params.position, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_REFERENCES)
def references(ls: CfgscriptServer, doc: OpenDocument, params: types.ReferenceParams):
    return navigation.references(doc, params.position, ls.encoding,
                                 params.context.include_declaration)


@about_a_document(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: CfgscriptServer, doc: OpenDocument,
                     params: types.DocumentSymbolParams):
    return navigation.document_symbols(doc, ls.encoding)


@server.feature(types.WORKSPACE_SYMBOL)
def workspace_symbols(ls: CfgscriptServer, params: types.WorkspaceSymbolParams):
    return navigation.workspace_symbols(params.query, list(ls.documents.values()),
                                        ls.workspace.root_path, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_PREPARE_RENAME)
def prepare_rename(ls: CfgscriptServer, doc: OpenDocument, params: types.PrepareRenameParams):
    return navigation.prepare_rename(doc, params.position, ls.encoding)


@about_a_document(types.TEXT_DOCUMENT_RENAME)
def rename(ls: CfgscriptServer, doc: OpenDocument, params: types.RenameParams):
    return navigation.rename(doc, params.position, params.new_name, ls.encoding)


def serve() -> int:
    server.start_io()
    return 0
