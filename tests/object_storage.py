"""Object storage in the tests: a real S3-compatible server (moto in server mode, on
loopback, a free port), the settings that point the portal's stores at it, and the
environment that points a portal process at the same stores.

TEST_STORE_BACKEND=s3 runs every test on it (CI runs the store, submission and publication
tests so); tests/store runs on both backends whatever it says.
"""

import io
import logging
import os
import uuid
from dataclasses import dataclass

import polars as pl
import pyarrow.fs as pafs
from moto.server import ThreadedMotoServer

BACKENDS = ("local", "s3")
DEFAULT_BACKEND = os.environ.get("TEST_STORE_BACKEND", "local")
BUCKET = "did-test"
REGION = "eu-west-2"
# moto accepts any credentials; without them the AWS SDK would ask the machine's metadata
# service, which is not there.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}

if DEFAULT_BACKEND not in BACKENDS:
    raise ValueError(f"TEST_STORE_BACKEND must be one of {BACKENDS}, not {DEFAULT_BACKEND!r}")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str


def start_server() -> tuple[ThreadedMotoServer, S3Server]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    admin = pafs.S3FileSystem(
        region=REGION,
        endpoint_override=endpoint,
        access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        allow_bucket_creation=True,
    )
    admin.create_dir(BUCKET)
    return server, S3Server(endpoint, BUCKET)


def use_s3(settings, server: S3Server) -> None:
    """Point this test's stores at the server, under a prefix no other test uses."""
    settings.STORE_BACKEND = "s3"
    settings.STORE_S3_BUCKET = server.bucket
    settings.STORE_S3_ENDPOINT = server.endpoint
    settings.STORE_S3_REGION = REGION
    settings.STORE_S3_PREFIX = f"test-{uuid.uuid4().hex}"


def store_environment() -> dict[str, str]:
    """The environment of a portal process that uses this test's stores."""
    from django.conf import settings

    env = {"STORE_BACKEND": settings.STORE_BACKEND, "DID_STORE": str(settings.DID_STORE)}
    if settings.STORE_BACKEND == "s3":
        env.update(
            CREDENTIALS,
            STORE_S3_BUCKET=settings.STORE_S3_BUCKET,
            STORE_S3_ENDPOINT=settings.STORE_S3_ENDPOINT,
            STORE_S3_REGION=settings.STORE_S3_REGION,
            STORE_S3_PREFIX=settings.STORE_S3_PREFIX,
        )
    return env


def read_parquet(key: str, store=None) -> pl.DataFrame:
    """A Parquet object of the record store (or `store`), read whole."""
    from portal.store import api

    return pl.read_parquet(io.BytesIO((store or api.records()).read_bytes(key)))


def keys(prefix: str = "", store=None) -> list[str]:
    """Every object's key under `prefix` of the record store (or `store`), sorted."""
    from portal.store import api

    return sorted(found.key for found in (store or api.records()).list(prefix))
