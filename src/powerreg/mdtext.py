"""Registry text made safe inside Markdown reports (tables and list items).

Registry text is data: a ``|`` must not split a table cell, and ``<script>`` must not
become markup when a report is rendered.

Examples:
    >>> md_cell("a | b <script>")
    'a \\\\| b &lt;script&gt;'
"""

from __future__ import annotations


def md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )
