"""The record store as its own bounded context (docs/adr/091).

It owns where files live (a local folder or S3-compatible object storage, one interface,
`portal.store.objects`), the manifest of accepted Parquet files (`ManifestEntry`), the
"current accepted files for a window" query, and clean-up of what crashes leave. Other apps
call it only through `portal.store.api`.
"""
