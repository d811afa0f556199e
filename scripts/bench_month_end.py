"""Month-end benchmark (issue 17.5): 50 organisations upload 50,000-record files within one
minute to the production process set on this machine.

    .venv/bin/python scripts/bench_month_end.py
    .venv/bin/python scripts/bench_month_end.py --organisations 10 --records 5000   # a quick look

The process set, each its own process on this machine's cores: PostgreSQL (a scratch
database on DATABASE_URL's server if that is PostgreSQL, else on --server), `portal serve`
(gunicorn, SERVE_WORKERS x SERVE_THREADS, production settings), two validation workers and
an email worker (`portal worker`), the record store in a local folder. Every organisation
has its own submitter, API token and sites; its file is `did synth --reference DIR
--provider CODE` against the portal's own reference data (`portal export-reference`), so it
is accepted. The uploads start evenly spread over --window seconds, each through the REST
API. Meanwhile a few signed-in people (three submitters and a service desk analyst) load
their pages in a loop. Figures: time until the last file is accepted, p95 of the page loads
during the rush (target <= 300 ms), peak resident memory of every worker. The section
"month-end" of docs/benchmarks.md gets them (a row per store) with the load average.
"""

import argparse
import base64
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pyarrow.fs as pafs
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from bench_doc import DOC, markers, write_section
from bench_submissions import free_port, p95

ROOT = Path(__file__).resolve().parent.parent
START, END = markers("month-end")
PORTAL = [sys.executable, "-m", "portal.manage"]
DID = [str(Path(sys.executable).parent / "did")]
LATENCY_TARGET_MS = 300.0
# A person opens a page, reads for half a second, opens the next.
PAGE_GAP_SECONDS = 0.5
PROXY = {"X-Forwarded-Proto": "https"}  # production expects a TLS proxy in front
FINAL = ("accepted", "rejected", "failed")
# Object storage here is moto's S3 server (a separate process on loopback): S3's protocol and
# the portal's S3 code paths, not S3's speed.
S3_BUCKET = "did-bench"
S3_REGION = "eu-west-2"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
}
STORE_LABELS = {
    "local": "local folder",
    "s3": "S3 (moto server)",
}
TABLE_HEADER = (
    "| Store | Files × records | Uploads spread over (s) | Last accepted after the first upload "
    "(s) | … after the last upload (s) | Queued p50 / max (s) | Validation p50 / max (s) "
    "| Pages p95 in the rush (ms) | Pages p95 idle (ms) | Peak RSS per worker (MiB) "
    "| Load before / peak | Target ≤ 300 ms |"
)


# ---------------------------------------------------------------- the process set


def scratch_database(server: str) -> tuple[str, callable]:
    """(DATABASE_URL, drop) of a new database on the PostgreSQL `server`."""
    name = f"did_bench_month_end_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunparse(urlparse(server)._replace(path=f"/{name}")), drop


def start_object_storage(scratch: Path) -> tuple[subprocess.Popen, dict]:
    """moto's S3 server as a process of its own, with a bucket; (process, environment)."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with (scratch / "s3.log").open("ab") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    filesystem = pafs.S3FileSystem(
        region=S3_REGION,
        endpoint_override=endpoint,
        access_key=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        secret_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        allow_bucket_creation=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            filesystem.create_dir(S3_BUCKET)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.2)
    return server, {
        **S3_CREDENTIALS,
        "STORE_BACKEND": "s3",
        "STORE_S3_BUCKET": S3_BUCKET,
        "STORE_S3_ENDPOINT": endpoint,
        "STORE_S3_REGION": S3_REGION,
    }


def production_env(database_url: str, scratch: Path, smtp_port: int, args) -> dict:
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "AUDIT_SEAL_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "PORTAL_BASE_URL": "https://did.example.nhs.uk",
        "TRUSTED_PROXY_COUNT": "1",
        "SERVICE_DESK_EMAIL": "did.servicedesk@example.nhs.uk",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "STORE_BACKEND": "local",
        "DID_STORE": str(scratch / "store"),
        "STATIC_ROOT": str(scratch / "static"),
        "EMAIL_DELIVERY": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SERVE_WORKERS": str(args.web_workers),
        "SERVE_THREADS": str(args.web_threads),
        "LOG_LEVEL": "WARNING",
    }


class ProcessSet:
    """The long-running processes, their output in log files under the scratch folder."""

    def __init__(self, env: dict, scratch: Path):
        self.env, self.scratch = env, scratch
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, label: str, *args: str, nice: int = 0, **env: str) -> subprocess.Popen:
        prefix = ["nice", "-n", str(nice)] if nice else []
        with (self.scratch / f"{label}.log").open("ab") as log:
            process = subprocess.Popen(
                [*prefix, *PORTAL, *args],
                env={**self.env, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes[label] = process
        return process

    def run(self, *args: str) -> None:
        subprocess.run([*PORTAL, *args], env=self.env, check=True)

    def check_alive(self) -> None:
        dead = [label for label, p in self.processes.items() if p.poll() is not None]
        if dead:
            raise RuntimeError(f"stopped: {dead}; see the logs in {self.scratch}")

    def web_workers(self) -> list[int]:
        """The gunicorn workers: the children of `portal serve` (the arbiter)."""
        arbiter = self.processes["serve"].pid
        children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------- people and files


def set_up_organisations(count: int) -> list[dict]:
    """`count` trusts (one to three sites each), GP practices, a submitter with an API
    token for every trust. Returns [{code, token, user}]."""
    from portal.accounts.models import Membership, User
    from portal.accounts.roles import Role
    from portal.organisations.models import Organisation, OrganisationKind
    from portal.submissions import tokens

    opened = date(2000, 4, 1)
    for number in range(1, 21):
        Organisation.objects.create(
            code=f"Y9{number:04d}",
            name=f"MONTH END SURGERY {number}",
            kind=OrganisationKind.GP_PRACTICE,
            open_date=opened,
        )
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    organisations = []
    for index in range(count):
        code = f"R{letters[index // 10 % len(letters)]}{index % 10}"
        trust = Organisation.objects.create(
            code=code,
            name=f"MONTH END NHS TRUST {index + 1}",
            kind=OrganisationKind.NHS_TRUST,
            open_date=opened,
        )
        for site in range(1, 2 + index % 3):
            Organisation.objects.create(
                code=f"{code}{site:02d}",
                name=f"MONTH END HOSPITAL {index + 1}.{site}",
                kind=OrganisationKind.NHS_TRUST_SITE,
                parent_code=code,
                open_date=opened,
            )
        user = User.objects.create_user(email=f"submitter@{code.lower()}.nhs.uk", password=None)
        Membership.objects.create(user=user, role=Role.SUBMITTER, organisation=trust)
        _, token = tokens.create(user, "month end")
        organisations.append({"code": code, "token": token, "user": user})
    return organisations


def service_desk_person():
    from portal.accounts.models import Membership, User
    from portal.accounts.roles import Role

    user = User.objects.create_user(email="analyst@desk.example.nhs.uk", password=None)
    Membership.objects.create(user=user, role=Role.SERVICE_DESK)
    return user


def session_of(user) -> str:
    """A signed-in session for `user` (as after signing in with password and code)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def write_files(organisations, reference: Path, folder: Path, records: int, period: str):
    """One `did synth` file per organisation, two at a time."""

    def synth(index_and_code):
        index, code = index_and_code
        out = folder / f"{code}.csv"
        subprocess.run(
            [*DID, "synth", "--rows", str(records), "--period", period, "--seed", str(index),
             "--reference", str(reference), "--provider", code,
             "--received", date.today().isoformat(), str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        return code, out

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(synth, enumerate(o["code"] for o in organisations)))


# ---------------------------------------------------------------- measuring


class PageLoads:
    """Signed-in people loading their pages in a loop until stopped; every answer must be
    200. Latencies in milliseconds, with the time each load started."""

    def __init__(self, base: str):
        self.base = base
        self.loads: list[tuple[float, float, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def person(self, session: str, pages) -> None:
        def loop():
            browser = requests.Session()
            browser.headers.update(PROXY)
            browser.cookies.set("sessionid", session)
            while not self.stop.is_set():
                for page in pages():
                    started = time.perf_counter()
                    response = browser.get(self.base + page, timeout=60, allow_redirects=False)
                    label = page if page.count("/") < 3 else "/submissions/<id>/"
                    self.loads.append((started, (time.perf_counter() - started) * 1000, label))
                    if response.status_code != 200:
                        self.errors.append(f"{page}: {response.status_code}")
                    if self.stop.wait(PAGE_GAP_SECONDS):
                        return

        self.threads.append(threading.Thread(target=loop, daemon=True))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def between(self, start: float, end: float) -> list[float]:
        return [ms for at, ms, _ in self.loads if start <= at <= end]

    def by_page(self, start: float, end: float) -> dict[str, list[float]]:
        pages: dict[str, list[float]] = {}
        for at, ms, label in self.loads:
            if start <= at <= end:
                pages.setdefault(label, []).append(ms)
        return pages


def upload(base: str, organisation: dict, path: Path, period: str) -> tuple[float, float, dict]:
    with requests.Session() as api, path.open("rb") as handle:
        api.headers.update(Authorization=f"Bearer {organisation['token']}", **PROXY)
        started = time.perf_counter()
        response = api.post(
            base + "/api/submissions",
            data={"organisation": organisation["code"], "period": period},
            files={"file": (path.name, handle, "text/csv")},
            timeout=600,
        )
        ended = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"{organisation['code']}: {response.status_code} {response.text[:300]}")
    return started, ended, response.json()


def wait_until_healthy(base: str, processes: ProcessSet, seconds=180.0) -> None:
    end = time.monotonic() + seconds
    last = None
    while time.monotonic() < end:
        processes.check_alive()
        try:
            last = requests.get(base + "/healthz", headers=PROXY, timeout=5)
            if last.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"/healthz did not answer 200: {last.text if last is not None else ''}")


def event_times(ids: list[str]) -> dict[str, dict[str, float]]:
    from portal.submissions.models import SubmissionEvent

    times: dict[str, dict[str, float]] = {}
    for event in SubmissionEvent.objects.filter(submission_id__in=ids):
        times.setdefault(str(event.submission_id), {})[event.status] = event.at.timestamp()
    return times


def load_sampler(stop: threading.Event, peaks: list[float]) -> None:
    while not stop.wait(1.0):
        peaks.append(os.getloadavg()[0])


# ---------------------------------------------------------------- the doc


def _rows_and_notes() -> tuple[dict[str, str], dict[str, str]]:
    """The table rows and the per-store notes the section holds now, by store label."""
    text = DOC.read_text(encoding="utf-8")
    rows, notes = {}, {}
    if START in text:
        for line in text[text.index(START) : text.index(END)].splitlines():
            if line.startswith("| ") and not line.startswith(("| Store", "| ---")):
                rows[line.split("|")[1].strip()] = line
            elif line.startswith("- ") and ": " in line:
                notes[line[2:].split(":")[0]] = line
    return rows, notes


def write_doc(args, label: str, row: str, note: str) -> None:
    """Rewrite the month-end section with this store's row and note, keeping the other
    store's."""
    rows, notes = _rows_and_notes()
    rows[label], notes[label] = row, note
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    lines = [
        "## Month end: 50 organisations upload within a minute",
        "",
        f"Last measured {date.today().isoformat()} ({machine}) by `make bench`:",
        "`.venv/bin/python scripts/bench_month_end.py --store local` and `--store s3`",
        "(`make bench-month-end` runs both alone). The production process set on this",
        "machine, each its own process on the same 2 cores: PostgreSQL (a scratch database),",
        f"`portal serve` (gunicorn, {args.web_workers} workers × {args.web_threads} threads, "
        "production settings), two",
        "validation workers and an email worker (`portal worker`); the record store in a local",
        "folder, or in object storage (moto's S3 server, a process of its own on loopback: S3's",
        "protocol and the portal's S3 code, not S3's speed). Every organisation has its own",
        "submitter, API token and sites; its file is `did synth --reference DIR --provider",
        "CODE` against the portal's reference data (`portal export-reference`), so it is",
        f"accepted. The {args.organisations} uploads of {args.records:,} records start evenly "
        f"spread over {args.window:g} s,",
        "each through the REST API. *Last accepted* runs from the first upload's start (or the",
        "last upload's response) to the last file's accepted event; *queued* is received →",
        "validating and *validation* validating → accepted, per file. Meanwhile three",
        "submitters and a service desk analyst, signed in, load their pages in a loop (home,",
        "submissions list, their submission's page, account; the desk's submissions overview),",
        f"one every {PAGE_GAP_SECONDS:g} s each; p95 of the loads from the first upload to the",
        "last acceptance, and of the same pages on the idle set just before. *Peak RSS* is each",
        "process's VmHWM: the two validation workers, the email worker, the web workers.",
        "*Load* is the machine's 1-minute load average just before the rush and its peak",
        "during it: on a shared machine (load above 2 on these 2 cores) the neighbours' work",
        "slows every figure, and the lead re-measures on a quiet machine.",
        "",
        TABLE_HEADER,
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *[rows[key] for key in sorted(rows, key=str.lower)],
        "",
        "Pages p95 in the rush, by page (number of loads):",
        "",
        *[notes[key] for key in sorted(notes, key=str.lower)],
    ]
    write_section("month-end", lines)


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--window", type=float, default=60.0, help="Seconds the uploads span.")
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server for the scratch database when DATABASE_URL is not PostgreSQL.",
    )
    parser.add_argument(
        "--store",
        choices=sorted(STORE_LABELS),
        default="local",
        help="The record store: a local folder, or object storage (moto's S3 server).",
    )
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=0,
        help="Start the validation workers under `nice -n N` (web pages first on a shared box).",
    )
    parser.add_argument("--no-doc", action="store_true", help="Print the figures only.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder.")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "")
    server = given if given.startswith(("postgres://", "postgresql://")) else args.server
    try:
        database_url, drop = scratch_database(server)
    except psycopg.OperationalError as error:
        print(f"month-end benchmark skipped: no PostgreSQL server at {server} ({error})")
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="did-bench-month-end-"))
    smtp = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = production_env(database_url, scratch, smtp.port, args)
    object_storage = None
    if args.store == "s3":
        object_storage, store_env = start_object_storage(scratch)
        env.update(store_env)
    os.environ.update(env)
    processes = ProcessSet(env, scratch)
    try:
        return run(args, scratch, processes)
    finally:
        processes.stop()
        smtp.stop()
        if object_storage is not None:
            object_storage.terminate()
            object_storage.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        drop()
        if args.keep:
            print(f"scratch folder kept: {scratch}")
        else:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)


def run(args, scratch: Path, processes: ProcessSet) -> int:
    print(f"migrating a scratch database; collecting static files ({scratch})", flush=True)
    processes.run("migrate", "--noinput", "-v", "0")
    processes.run("collectstatic", "--noinput", "-v", "0")
    import django

    django.setup()
    from portal.submissions import calendar

    period = calendar.last_month()
    organisations = set_up_organisations(args.organisations)
    desk = service_desk_person()
    reference = scratch / "reference"
    processes.run("export-reference", str(reference))
    files_dir = scratch / "files"
    files_dir.mkdir()
    started = time.perf_counter()
    print(
        f"writing {args.organisations} files of {args.records:,} records for {period}",
        flush=True,
    )
    files = write_files(organisations, reference, files_dir, args.records, period)
    size_mb = sum(path.stat().st_size for path in files.values()) / len(files) / 1e6
    print(f"  {time.perf_counter() - started:.0f} s, {size_mb:.1f} MB each", flush=True)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes.start("serve", "serve", SERVE_BIND=f"127.0.0.1:{port}")
    processes.run("resume-submissions")  # as a worker's start runs it (ADR 082)
    for name in ("validation-1", "validation-2"):
        processes.start(
            name, "worker", "--queue-name", "validation", "--worker-id", name, nice=args.worker_nice
        )
    processes.start("email", "worker", "--queue-name", "email", "--worker-id", "email")
    wait_until_healthy(base, processes)

    ids: dict[str, str] = {}  # organisation code -> submission id, as they arrive
    watched = organisations[:3]
    pages = PageLoads(base)
    for organisation in watched:
        code = organisation["code"]
        pages.person(
            session_of(organisation["user"]),
            lambda code=code: [
                "/",
                "/submissions/",
                *([f"/submissions/{ids[code]}/"] if code in ids else []),
                "/account/",
            ],
        )
    pages.person(session_of(desk), lambda: ["/", "/service-desk/submissions/"])
    pages.start()
    time.sleep(3)  # first loads warm the web workers up: not counted
    idle_start = time.perf_counter()
    time.sleep(10)  # the idle set: the same people, before the rush
    idle = pages.between(idle_start, time.perf_counter())

    load_before = os.getloadavg()[0]
    sampling, load_peaks = threading.Event(), [load_before]
    threading.Thread(target=load_sampler, args=(sampling, load_peaks), daemon=True).start()
    print(f"the rush: {args.organisations} uploads over {args.window:g} s", flush=True)
    rush_start = time.perf_counter()
    rush_start_wall = time.time()
    gap = args.window / args.organisations
    answers, failures = {}, []

    def send(index: int, organisation: dict) -> None:
        time.sleep(max(0.0, rush_start + index * gap - time.perf_counter()))
        try:
            answer = upload(base, organisation, files[organisation["code"]], period)
            answers[organisation["code"]] = answer
            ids[organisation["code"]] = answer[2]["id"]
        except Exception as error:  # reported below
            failures.append(repr(error))

    uploaders = [
        threading.Thread(target=send, args=(index, organisation), daemon=True)
        for index, organisation in enumerate(organisations)
    ]
    for thread in uploaders:
        thread.start()
    for thread in uploaders:
        thread.join(timeout=args.window + 900)
    if failures:
        raise RuntimeError(f"uploads failed: {failures[:5]}")
    last_upload_end = max(ended for _, ended, _ in answers.values())

    from portal.submissions.models import Submission

    deadline = time.monotonic() + 1800
    while True:
        processes.check_alive()
        finished = Submission.objects.filter(pk__in=ids.values(), status__in=FINAL).count()
        if finished == len(ids):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {finished} of {len(ids)} finished in 30 minutes")
        time.sleep(0.5)
    rush_end = time.perf_counter()
    sampling.set()
    pages.finish()
    if pages.errors:
        raise RuntimeError(f"pages failed: {pages.errors[:5]}")

    statuses = list(Submission.objects.filter(pk__in=ids.values()).values_list("status", flat=True))
    if set(statuses) != {"accepted"}:
        print(f"NOT ALL ACCEPTED: {statuses}", file=sys.stderr)
        return 1
    times = event_times(list(ids.values()))
    last_accepted = max(t["accepted"] for t in times.values())
    first_upload = rush_start_wall
    to_last = last_accepted - first_upload
    after_last_upload = to_last - (last_upload_end - rush_start)
    queued = [t["validating"] - t["received"] for t in times.values()]
    validating = [t["accepted"] - t["validating"] for t in times.values()]
    spread = max(s for s, _, _ in answers.values()) - rush_start
    rush = pages.between(rush_start, rush_end)
    rss = {
        "validation": [peak_rss_mib(processes.processes[n].pid) for n in ("validation-1", "validation-2")],
        "email": [peak_rss_mib(processes.processes["email"].pid)],
        "web": [peak_rss_mib(pid) for pid in processes.web_workers()],
    }  # fmt: skip
    load_peak = max(load_peaks)
    met = "met" if p95(rush) <= LATENCY_TARGET_MS else "**missed**"
    rss_text = (
        "validation " + " / ".join(f"{v:.0f}" for v in rss["validation"])
        + f"; email {rss['email'][0]:.0f}; web " + " / ".join(f"{v:.0f}" for v in rss["web"])
    )  # fmt: skip
    row = (
        f"| {STORE_LABELS[args.store]} | {args.organisations} × {args.records:,} ({size_mb:.1f} MB each) "
        f"| {spread:.0f} | {to_last:.0f} | {after_last_upload:.0f} "
        f"| {statistics.median(queued):.1f} / {max(queued):.1f} "
        f"| {statistics.median(validating):.1f} / {max(validating):.1f} "
        f"| {p95(rush):.0f} ({len(rush)} loads, max {max(rush):.0f}) | {p95(idle):.0f} "
        f"| {rss_text} | {load_before:.1f} / {load_peak:.1f} | {met} |"
    )
    print(row, flush=True)
    per_page = "; ".join(
        f"`{page}` {p95(values):.0f} ms ({len(values)})"
        for page, values in sorted(pages.by_page(rush_start, rush_end).items())
        if len(values) >= 2
    )
    print(f"pages p95 in the rush: {per_page}", flush=True)
    if not args.no_doc:
        write_doc(args, STORE_LABELS[args.store], row, f"- {STORE_LABELS[args.store]}: {per_page}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
