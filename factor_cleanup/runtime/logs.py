"""JSON logs, one object per line, carrying whatever ids are bound for the current record."""

from __future__ import annotations

import logging
import os

import structlog

from factor_cleanup.runtime.metrics import emf_processor


def configure(level: str | None = None) -> None:
    """Idempotent: handlers call it at import, the local stack and tests may call it again."""
    name = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            emf_processor,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping().get(name, logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(),  # whatever sys.stdout is when a line is written
        cache_logger_on_first_use=False,
    )
