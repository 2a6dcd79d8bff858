"""Backtest output formats: each formats `phasegate.review.backtest`'s plain result, and
computes nothing."""

from __future__ import annotations

from phasegate.report.backtest import json, markdown, text

#: Format name -> renderer of a backtest result.
BACKTEST_FORMATS = {"text": text.render, "json": json.render, "markdown": markdown.render}
