"""The cleanup report: tally, needs-attention, and its renderings (table, JSON, CSV, HTML, SVG)."""
