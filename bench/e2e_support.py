"""Processes, CPU from /proc and polling for bench/e2e.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")

DIAGRAM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_e2e" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:message id="Message_Lead" name="lead.created"/>
  <bpmn:process id="bench_e2e" name="Bench e2e" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="Message_Lead"/></bpmn:startEvent>
    <bpmn:scriptTask id="Score" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>score = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Review" name="Review" camunda:assignee="${initiator}"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Score"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Score" targetRef="Review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Review" targetRef="End"/>
  </bpmn:process>
</bpmn:definitions>
"""


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in a process group."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # pgrp
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def named_cpu(*names: str) -> float:
    """CPU seconds of every process whose command name is one of `names` (postgres, redis-server)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        if name in names:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    """A service in its own process group (its pid is the group id)."""
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_for(check, timeout: float, what: str, interval: float = 0.002):  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(interval)


class Http:
    """JSON over HTTP with a bearer token."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: object = None, raw: bytes | None = None,
             content_type: str = "application/json") -> dict:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read()
        return json.loads(text) if text else {}

    def up(self) -> bool:
        try:
            urllib.request.urlopen(self.base + "/healthz", timeout=1).read()
            return True
        except OSError:
            return False


def multipart(field: str, filename: str, body: bytes) -> tuple[bytes, str]:
    boundary = "flowdeskbench"
    data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/xml\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    return data, f"multipart/form-data; boundary={boundary}"
