"""Exceptions with stable error codes, shared by the CLI, the API and the workers."""

from __future__ import annotations

from typing import ClassVar


class OcrServerError(Exception):
    """Base class: anything the project raises on purpose.

    Attributes:
        code: stable machine-readable error code (part of the API).
        http_status: status the API answers with.
        exit_code: status the CLI exits with.
    """

    code: ClassVar[str] = "internal_error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1


class InputError(OcrServerError):
    """The caller gave us something we cannot process; retrying will not help."""

    code: ClassVar[str] = "bad_input"
    http_status: ClassVar[int] = 422
    exit_code: ClassVar[int] = 2


class EmptyFileError(InputError):
    code: ClassVar[str] = "empty_file"


class UnsupportedTypeError(InputError):
    code: ClassVar[str] = "unsupported_type"
    http_status: ClassVar[int] = 415


class UnreadableImageError(InputError):
    code: ClassVar[str] = "unreadable_image"


class ImageTooLargeError(InputError):
    code: ClassVar[str] = "image_too_large"


class EncryptedPdfError(InputError):
    code: ClassVar[str] = "encrypted_pdf"


class CorruptPdfError(InputError):
    code: ClassVar[str] = "corrupt_pdf"


class UnknownProcedureError(InputError):
    code: ClassVar[str] = "unknown_procedure"


class EngineUnavailableError(OcrServerError):
    code: ClassVar[str] = "engine_unavailable"
    http_status: ClassVar[int] = 503
