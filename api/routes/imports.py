"""Import jobs over HTTP: how ``POST /v1/imports`` answers, and ``GET /v1/imports/{id}``.

Every import is a job in a process of its own (``geo.imports.job_runner``). The POST
waits up to ``STATIONFINDER_IMPORT_WAIT_S`` for it: a job done by then answers as
imports always have (200 with the report, or the file's error), a longer one answers
``202 Accepted`` with ``Location: /v1/imports/{id}``, where it can be followed. A client
that would rather not wait sends ``wait=false`` (or ``Prefer: respond-async``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from api.deps import RegistryDep, WriterDep
from api.schemas import ERROR_RESPONSES, documented
from api.schemas.admin import ImportJobDocument
from api.strict import StrictRoute
from api.traffic import Traffic, traffic
from geo import errors as e
from geo.access import Actor
from geo.datums import parse_datum
from geo.imports.job_runner import ImportOptions, JobRunner
from geo.imports.jobs import ImportJob, JobStatus, is_job_id
from geo.registry import Registry

router = APIRouter(
    route_class=StrictRoute, prefix="/v1", tags=["import and export"], responses=ERROR_RESPONSES
)


ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": ImportJobDocument,
        "description": "Still importing: follow `Location` (`GET /v1/imports/{job_id}`).",
    }
}


def job_runner(request: Request) -> JobRunner:
    """The app's import job runner."""
    runner: JobRunner = request.app.state.jobs
    return runner


def wants_async(prefer: str | None) -> bool:
    """``Prefer: respond-async`` (RFC 7240): answer 202 at once."""
    tokens = (t.split("=")[0].strip().lower() for t in (prefer or "").replace(";", ",").split(","))
    return "respond-async" in tokens


def start_import(
    request: Request,
    *,
    file: UploadFile,
    options: ImportOptions,
    actor: Actor,
    wait: bool,
) -> JSONResponse:
    """Save the upload where its job can read it, start the job, and answer."""
    if options.crs is not None:
        parse_datum(options.crs)  # refused now, not after a 202
    runner = job_runner(request)
    runner.registry.store.check_writable()  # a store gone (file removed): 503, no job
    workdir = Path(tempfile.mkdtemp(prefix="stationfinder-import-"))
    upload = workdir / f"upload{Path(file.filename or 'upload').suffix}"
    try:
        with upload.open("wb") as out:
            shutil.copyfileobj(file.file, out)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    job = runner.start(
        upload=upload, filename=file.filename or upload.name, options=options, actor=actor
    )
    if wait:
        job = runner.wait(job.id, request.app.state.settings.import_wait_s) or job
    return _answer(job, runner.registry, wait=wait)


def _answer(job: ImportJob, registry: Registry, *, wait: bool) -> JSONResponse:
    if wait and job.status is JobStatus.SUCCEEDED:
        return JSONResponse(job.report)
    if wait and job.status is JobStatus.FAILED:
        raise _error(job.error or {})
    return JSONResponse(
        job.to_dict(), status_code=202, headers={"Location": f"/v1/imports/{job.id}"}
    )


def _classes(cls: type[e.StationError]) -> list[type[e.StationError]]:
    return [cls, *(c for sub in cls.__subclasses__() for c in _classes(sub))]


def _error(error: dict[str, Any]) -> e.StationError:
    """The domain error a job recorded, to answer as the API answers it."""
    by_code = {cls.code: cls for cls in _classes(e.StationError)}
    cls = by_code.get(str(error.get("code")), e.ImportInterrupted)
    message = str(error.get("message", "the import failed"))
    return cls(message, str(error.get("message_zh", message)), details=error.get("details"))


@router.get(
    "/imports/{job_id}",
    summary="An import job / 导入任务",
    openapi_extra=traffic(Traffic.SEARCH),
    **documented(ImportJobDocument),
)
def import_job(
    request: Request,
    registry: RegistryDep,
    actor: WriterDep,
    job_id: Annotated[str, PathParam(description="The id `POST /v1/imports` gave.")],
) -> dict[str, Any]:
    """Status, progress and, once done, the report of an import (its starter or an admin)."""
    job = job_runner(request).get(job_id) if is_job_id(job_id) else None
    if job is None or not job.visible_to(actor):  # another's job: as if there were none
        raise e.ImportJobNotFound(
            f"no import job {job_id[:40]!r} that you may see",
            f"不存在您可查看的导入任务 {job_id[:40]!r}",
        )
    if job.status is JobStatus.SUCCEEDED:
        registry.sync()  # once a job says so, this server's searches see its stations
    return job.to_dict()
