"""The configured stores: the record store, and the media store for release files and
certificate scans; each a local folder or a prefix of one S3 bucket (STORE_BACKEND)."""

import os

import pyarrow.fs as pafs
from django.conf import settings

from portal.store.local import LocalStore
from portal.store.objects import ObjectStore
from portal.store.s3 import S3Store

# The record store's and the media store's prefixes inside STORE_S3_PREFIX.
RECORDS_PREFIX = "store"
MEDIA_PREFIX = "media"
S3_ATTEMPTS = 5

_clients: dict[tuple, pafs.S3FileSystem] = {}


def s3_filesystem() -> pafs.S3FileSystem:
    """One S3 client per process and configuration: a client made before a fork (gunicorn,
    the task worker) is never used after it. Credentials come from the standard AWS chain
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or the machine's role)."""
    endpoint, region = settings.STORE_S3_ENDPOINT, settings.STORE_S3_REGION
    key = (os.getpid(), endpoint, region)
    if key not in _clients:
        _clients[key] = pafs.S3FileSystem(
            region=region,
            endpoint_override=endpoint or None,
            retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=S3_ATTEMPTS),
        )
    return _clients[key]


def _s3_store(area: str) -> S3Store:
    prefix = "/".join(p for p in (settings.STORE_S3_PREFIX.strip("/"), area) if p)
    return S3Store(s3_filesystem(), settings.STORE_S3_BUCKET, prefix)


def records() -> ObjectStore:
    """The record store: uploads, reports, accepted records (Parquet)."""
    if settings.STORE_BACKEND == "s3":
        return _s3_store(RECORDS_PREFIX)
    return LocalStore(settings.DID_STORE)


def media() -> ObjectStore:
    """Release files and certificate scans."""
    if settings.STORE_BACKEND == "s3":
        return _s3_store(MEDIA_PREFIX)
    return LocalStore(settings.MEDIA_ROOT)
