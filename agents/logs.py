"""Structured logging: one JSON object per line (or readable console lines), for our code and
for faust/aiokafka's standard-library loggers alike.

Why structlog: key-value events that log shippers index without regexes, rendered by the same
formatter for third-party stdlib loggers, so the worker's output is uniformly machine-readable.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import structlog

_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_dict(level: str = "info", fmt: str = "json") -> dict[str, Any]:
    """A `logging.config.dictConfig` routing every stdlib logger through structlog's renderer."""
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": _SHARED,
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # aiokafka logs every reconnect attempt at ERROR with a traceback; keep it readable.
            "aiokafka": {"level": "WARNING"},
            "kafka": {"level": "WARNING"},
            "sentence_transformers": {"level": "WARNING"},
        },
    }


def configure(level: str = "info", fmt: str = "json") -> None:
    """Configure structlog and the standard library once, at process start."""
    logging.config.dictConfig(logging_dict(level, fmt))
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get(name: str) -> Any:
    return structlog.get_logger(name)
