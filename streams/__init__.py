"""The pure core of narrative-detector: normalise, embed, window, cluster, track, describe.

Nothing in this package imports faust or kafka, reads the clock or the environment: time is
passed in as event time, so the same input always gives the same narrative events.
"""

from streams.detector import DETECTOR_VERSION, Detector, DetectorParams, IngestResult
from streams.documents import Document, EmptyTextError, from_record
from streams.window import Admission

__all__ = [
    "DETECTOR_VERSION",
    "Admission",
    "Detector",
    "DetectorParams",
    "Document",
    "EmptyTextError",
    "IngestResult",
    "from_record",
]
