"""Every option and argument of every ``roster`` command says what it is for in ``--help``."""

from __future__ import annotations

import argparse

from roster_tui.cli.main import build_parser


def parsers(parser: argparse.ArgumentParser, name: str = "roster") -> list[tuple[str, argparse.ArgumentParser]]:
    found = [(name, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                found += parsers(sub, f"{name} {sub_name}")
    return found


def test_every_option_of_every_command_has_help_text() -> None:
    missing = [f"{name} {action.option_strings or action.dest}"
               for name, parser in parsers(build_parser())
               for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction | argparse._HelpAction)
               and (not action.help or action.help == argparse.SUPPRESS)]
    assert missing == []
    assert {"roster serve", "roster seed", "roster token create"} <= {n for n, _p in parsers(build_parser())}
