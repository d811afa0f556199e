"""Where things live in the record store (keys relative to its root):

incoming/<uuid>.part                              an upload still arriving
uploads/<submission-id>/<file name>               the file as uploaded (until retention)
reports/<submission-id>.issues.parquet            every issue the validator found
records/<org>/<period>/<submission-id>.parquet    accepted records + derived fields
tmp/<uuid>.tmp                                    object storage: a write not yet in place
"""

UPLOADS = "uploads"
REPORTS = "reports"
RECORDS = "records"


def upload_key(submission_id, file_name: str) -> str:
    return f"{UPLOADS}/{submission_id}/{file_name}"


def report_key(submission_id) -> str:
    return f"{REPORTS}/{submission_id}.issues.parquet"


def records_key(organisation_code: str, period: str, submission_id) -> str:
    return f"{RECORDS}/{organisation_code}/{period}/{submission_id}.parquet"
