"""Loading the deploy/ files for the tests: Kubernetes documents (raw, or rendered by kustomize) and compose."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

__all__ = ["BASE", "DEPLOY", "OVERLAYS", "base_documents", "by_kind", "compose", "containers", "pod_spec", "render"]

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
BASE = DEPLOY / "k8s" / "base"
OVERLAYS = sorted(p for p in (DEPLOY / "k8s" / "overlays").iterdir() if p.is_dir())


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def base_documents() -> list[dict[str, Any]]:
    """Every document of the files the base kustomization lists, as written (no kustomize needed)."""
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs.extend(_documents((BASE / name).read_text()))
    return docs


def render(directory: Path) -> list[dict[str, Any]] | None:
    """The kustomization rendered by ``kubectl kustomize``; None when kubectl is not installed."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    out = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=True,
                         timeout=60)
    return _documents(out.stdout)


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def containers(docs: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(workload name, pod spec, container) for every container of every workload."""
    out = []
    for doc in docs:
        if doc["kind"] in ("Deployment", "Job", "CronJob", "StatefulSet", "DaemonSet"):
            spec = pod_spec(doc)
            out.extend((doc["metadata"]["name"], spec, container)
                       for container in [*spec.get("initContainers", []), *spec["containers"]])
    return out


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())
