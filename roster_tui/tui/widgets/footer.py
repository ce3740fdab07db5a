"""The console's footer: the keys that matter most on a screen, in 80 columns; ``?`` lists the rest."""

from __future__ import annotations

from textual.widgets import Footer


class KeyFooter(Footer):
    """A compact footer of the bindings shown (``show=True``) on the screen, ``? Help`` among them.

    The palette's key is left out (ctrl+p still opens it, and the help lists it): at 80 columns the room goes to
    the screen's own keys.
    """

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
