"""Plotly figure defaults shared by the HTML report's sections (one look for every chart)."""

from __future__ import annotations

import json

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


def layout(**extra) -> dict:
    """The report's chart layout, with `extra` overriding any key."""
    out = dict(template="plotly_white", font={"family": FONT, "size": 12},
               margin={"l": 70, "r": 20, "t": 30, "b": 50}, height=380,
               legend={"orientation": "h", "y": -0.18}, hovermode="closest")
    out.update(extra)
    return out


def figure(fig) -> dict:
    """A plotly figure as plain JSON data (no NaN: it is not JSON)."""
    return json.loads(fig.to_json())
