"""The one exception readers raise: the file cannot be read as DID records at all."""


class FileRejected(Exception):  # noqa: N818 - a reject is the domain word, not an error
    """A file-level reject: `rule` is a DIDP1xx code, `message` plain English."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
