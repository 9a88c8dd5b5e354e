"""Document type (the Colombian list) and number, as the institutions' forms ask them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Select

from kiosk.core.members import DOCUMENT_TYPES, MAX_DOCUMENT_LENGTH
from kiosk.i18n import _
from kiosk.textual_adapter import steady_select_class


class DocumentInput(Widget):
    DEFAULT_CSS = """
    DocumentInput { height: auto; }
    DocumentInput Horizontal { height: auto; }
    DocumentInput Select { width: 28; }
    DocumentInput Input { width: 1fr; }
    """

    def __init__(self, types: list[str] | None = None, number_label: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._types = types or list(DOCUMENT_TYPES)
        self._number_label = number_label

    def compose(self) -> ComposeResult:
        with Horizontal():
            if len(self._types) > 1:
                yield self._type_select()
            # Long enough to type a mistake, so the mistake can be explained.
            number = Input(id="document", max_length=MAX_DOCUMENT_LENGTH + 5)
            number.border_title = self._number_label or _("Número de Documento")
            yield number

    def _type_select(self) -> Select:
        kind = steady_select_class()(
            [(_(DOCUMENT_TYPES[code]), code) for code in self._types],
            value=self._types[0],
            allow_blank=False,
            id="document-type",
        )
        kind.border_title = _("Tipo de Documento")
        return kind

    @property
    def document_type(self) -> str:
        if len(self._types) == 1:
            return self._types[0]
        return str(self.query_one("#document-type", Select).value)

    @property
    def number(self) -> str:
        return self.query_one("#document", Input).value
