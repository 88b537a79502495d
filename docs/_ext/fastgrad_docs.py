"""Directives of fastgrad's docs that render tables and help texts from the code itself.

* ``fastgrad-status-table``: the status codes of :data:`fastgrad.result.STATUS` (code,
  constant name, meaning), so the docs list exactly the codes ``minimize`` returns.
* ``fastgrad-cli-help``: the ``--help`` text of the command line and of every subcommand, from
  :func:`fastgrad.cli.build_parser` (a new subcommand shows up without a change here).
"""

from __future__ import annotations

import argparse

from docutils import nodes
from sphinx.util.docutils import SphinxDirective


class StatusTable(SphinxDirective):
    has_content = False

    def run(self):
        from fastgrad import result

        names = {
            value: name
            for name, value in vars(result).items()
            if name.isupper() and isinstance(value, int) and value in result.STATUS
        }
        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        for width in (8, 20, 72):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += _row(["status", "constant", "meaning"])
        body = nodes.tbody()
        group += body
        for code, text in sorted(result.STATUS.items()):
            body += _row([str(code), f"fastgrad.result.{names.get(code, '')}", text],
                         literal=(False, True, False))
        return [table]


def _row(cells, literal=(False, False, False)):
    row = nodes.row()
    for text, lit in zip(cells, literal):
        entry = nodes.entry()
        para = nodes.paragraph()
        para += nodes.literal(text=text) if lit else nodes.Text(text)
        entry += para
        row += entry
    return row


class CliHelp(SphinxDirective):
    has_content = False

    def run(self):
        import os

        from fastgrad import cli

        os.environ["COLUMNS"] = "90"  # argparse wraps to the terminal: fix the width
        parser = cli.build_parser()
        out = [_section("fastgrad", parser.format_help())]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append(_section(f"fastgrad {name}", sub.format_help()))
        return out


def _section(title: str, text: str):
    para = nodes.rubric(text=title)
    block = nodes.literal_block(text=text.rstrip(), language="text")
    return nodes.container("", para, block)


def setup(app):
    app.add_directive("fastgrad-status-table", StatusTable)
    app.add_directive("fastgrad-cli-help", CliHelp)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
