"""A hand-written fake of the AWS the `ecs` runner talks to: ECS (RunTask, DescribeTasks, ListTasks, StopTask) and
CloudWatch Logs (GetLogEvents), as one small in-memory object.

Call its methods as a boto3 client's (`op.__dict__["client"] = fake`), or `serve()` it on 127.0.0.1 and point
AWS_ENDPOINT_URL at it: botocore and aiobotocore then speak their real JSON protocol to it, so the provider's
operator, its deferrable trigger (TaskDoneTrigger), its waiter and its log reads run unchanged. Every call is
recorded as the IAM action it needs (`ecs:RunTask`), for the test that compares them with docker/iam.

A task's container "runs" for `polls` DescribeTasks calls, then stops with the exit code and log lines its
`script` gives for its command; its log stream is named as the awslogs driver names it:
`<awslogs-stream-prefix>/<container>/<task id>` (docker/ecs/task-definition.json: prefix `ecs`).
"""
from __future__ import annotations

import contextlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

ACCOUNT = "123456789012"
REGION = "eu-west-1"
STREAM_PREFIX = "ecs"  # the task definition's awslogs-stream-prefix


@dataclass
class Outcome:
    """What a container does: its exit code and its log lines (the last one is geoswap's JSON result)."""
    exit_code: int
    lines: list[str] = field(default_factory=list)
    polls: int = 2  # DescribeTasks calls that still see it running
    lag: int = 0  # GetLogEvents calls after the stop that don't see the last line yet (CloudWatch ingestion)


def result(code: int, /, **json_result) -> Outcome:
    """A geoswap task's output: a log line, then its JSON result line."""
    return Outcome(code, ["12:00:00 INFO geoswap: working", json.dumps(json_result)])


@dataclass
class Task:
    arn: str
    cluster: str
    started_by: str | None
    container: str
    command: list[str]
    outcome: Outcome
    task_definition: str = ""
    describes: int = 0
    stop_reason: str | None = None
    reads_after_stop: int = 0

    @property
    def id(self) -> str:
        return self.arn.rsplit("/", 1)[1]

    @property
    def stopped(self) -> bool:
        return self.stop_reason is not None or self.describes > self.outcome.polls

    def describe(self) -> dict:
        self.describes += 1
        status = "STOPPED" if self.stopped else ("PROVISIONING" if self.describes == 1 else "RUNNING")
        container = {"name": self.container, "lastStatus": status}
        task = {"taskArn": self.arn, "clusterArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{self.cluster}",
                "lastStatus": status, "desiredStatus": "STOPPED" if self.stopped else "RUNNING",
                "containers": [container]}
        if self.started_by:
            task["startedBy"] = self.started_by
        if status == "STOPPED":
            if self.stop_reason:  # StopTask: SIGTERM, then the container exits (geoswap's JVMs: 75)
                container["exitCode"] = 75
                task.update(stopCode="UserInitiated", stoppedReason=self.stop_reason)
            else:
                container["exitCode"] = self.outcome.exit_code
                task.update(stopCode="EssentialContainerExited", stoppedReason="Essential container in task exited")
        return task


class AwsError(Exception):
    """A service error, as the JSON protocol returns it (HTTP 400 with `__type`)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class FakeEcs:
    """ECS and CloudWatch Logs in memory. `script(command) -> Outcome` decides what each started task does."""

    def __init__(self, script: Callable[[list[str]], Outcome] | None = None):
        self.script = script or (lambda command: result(0, status="ok"))
        self.tasks: dict[str, Task] = {}
        self.calls: list[str] = []
        self.lock = threading.Lock()

    # -- setup helpers for tests ---------------------------------------------------------------------------------
    def add_task(self, command: list[str], outcome: Outcome, *, cluster: str = "geoswap", started_by: str | None = None,
                 container: str = "geoswap") -> Task:
        arn = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{uuid.uuid4().hex}"
        task = Task(arn, cluster, started_by, container, list(command), outcome)
        self.tasks[arn] = task
        return task

    def started(self, startswith: list[str] | None = None) -> list[Task]:
        """Tasks started through RunTask or add_task, optionally those whose command starts so."""
        return [t for t in self.tasks.values() if not startswith or t.command[:len(startswith)] == startswith]

    def _record(self, action: str) -> None:
        self.calls.append(action)

    # -- ECS -----------------------------------------------------------------------------------------------------
    def run_task(self, *, cluster: str, taskDefinition: str, overrides: dict | None = None, startedBy: str | None = None,
                 **_: object) -> dict:
        self._record("ecs:RunTask")
        [override] = (overrides or {}).get("containerOverrides", [{"name": "geoswap", "command": []}])
        command = override.get("command") or []
        task = self.add_task(command, self.script(command), cluster=cluster, started_by=startedBy,
                             container=override["name"])
        task.task_definition = taskDefinition
        return {"tasks": [{"taskArn": task.arn, "lastStatus": "PROVISIONING",
                           "containers": [{"name": task.container, "lastStatus": "PENDING"}]}], "failures": []}

    def describe_tasks(self, *, cluster: str, tasks: list[str], **_: object) -> dict:
        self._record("ecs:DescribeTasks")
        found = [self.tasks[a].describe() for a in tasks if a in self.tasks]
        failures = [{"arn": a, "reason": "MISSING"} for a in tasks if a not in self.tasks]
        return {"tasks": found, "failures": failures}

    def list_tasks(self, *, cluster: str, desiredStatus: str = "RUNNING", startedBy: str | None = None,
                   **_: object) -> dict:
        self._record("ecs:ListTasks")
        wanted_stopped = desiredStatus == "STOPPED"
        return {"taskArns": [t.arn for t in self.tasks.values() if t.cluster == cluster
                             and (startedBy is None or t.started_by == startedBy) and t.stopped == wanted_stopped]}

    def stop_task(self, *, cluster: str, task: str, reason: str = "", **_: object) -> dict:
        self._record("ecs:StopTask")
        self.tasks[task].stop_reason = reason or "stopped"
        return {"task": {"taskArn": task, "desiredStatus": "STOPPED"}}

    # -- CloudWatch Logs -----------------------------------------------------------------------------------------
    def get_log_events(self, *, logGroupName: str, logStreamName: str, startFromHead: bool = False,
                       nextToken: str | None = None, limit: int | None = None, **_: object) -> dict:
        self._record("logs:GetLogEvents")
        task = next((t for t in self.tasks.values()
                     if logStreamName == f"{STREAM_PREFIX}/{t.container}/{t.id}" and t.describes > 1), None)
        if task is None:
            raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.")
        if task.stopped:
            task.reads_after_stop += 1
        ingested = task.stopped and task.reads_after_stop > task.outcome.lag
        lines = task.outcome.lines if ingested else task.outcome.lines[:-1]
        events = [{"timestamp": 1_700_000_000_000 + i, "message": m, "ingestionTime": 1_700_000_000_000 + i}
                  for i, m in enumerate(lines)]
        if not startFromHead:  # the newest `limit` events, as the operator reads the XCom line
            events = events[-(limit or len(events)):] if events else []
            return {"events": events, "nextForwardToken": f"f/{len(lines)}", "nextBackwardToken": "b/0"}
        start = int(nextToken.split("/")[1]) if nextToken else 0
        return {"events": events[start:], "nextForwardToken": f"f/{len(lines)}", "nextBackwardToken": f"b/{start}"}

    # -- the wire ------------------------------------------------------------------------------------------------
    TARGETS = {"AmazonEC2ContainerServiceV20141113": "ecs", "Logs_20140328": "logs"}

    def call(self, target: str, body: dict) -> dict:
        """One JSON-protocol call: `X-Amz-Target: <prefix>.<Operation>` → the method named like the operation."""
        prefix, _, operation = target.partition(".")
        if prefix not in self.TARGETS:
            raise AwsError("UnknownOperationException", target)
        method = getattr(self, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower(), None)
        if method is None:
            self._record(f"{self.TARGETS[prefix]}:{operation}")
            raise AwsError("UnknownOperationException", f"the fake has no {operation}")
        with self.lock:
            return method(**body)

    @contextlib.contextmanager
    def serve(self):
        """Serves the fake on 127.0.0.1 until the block ends; yields its URL (for AWS_ENDPOINT_URL)."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                try:
                    status, answer = 200, fake.call(self.headers.get("X-Amz-Target", ""), body)
                except AwsError as e:
                    status, answer = 400, {"__type": e.code, "message": e.message}
                except Exception as e:  # a bug in the fake or a test's script: say so, don't hang up
                    status, answer = 400, {"__type": "FakeEcsError", "message": f"{type(e).__name__}: {e}"}
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def aws_env(monkeypatch, url: str) -> None:
    """Points botocore (boto3 and aiobotocore) at the fake: its endpoint, a region and throwaway credentials."""
    for k, v in {"AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                 "AWS_ACCESS_KEY_ID": "fake", "AWS_SECRET_ACCESS_KEY": "fake"}.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(k, raising=False)
