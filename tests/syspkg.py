"""Debian packages a test needs (nginx, rsync, ...): installed when missing, as CI's test
setup does (root, apt-get); a skip with the reason only where installing is impossible."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"]


def _which(binary: str) -> str | None:
    return shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")


def require(binary: str, package: str | None = None) -> str:
    """Path of ``binary``, installing Debian's ``package`` (default: same name) if missing."""
    package = package or binary
    found = _which(binary)
    if found:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        pytest.skip(f"{binary} is missing and cannot be installed here (needs root and "
                    f"apt-get): apt-get install -y {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run = [*APT, "install", "--no-install-recommends", package]
    proc = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # a fresh container has no package lists yet
        subprocess.run([*APT, "update"], env=env, capture_output=True, check=False)
        proc = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    found = _which(binary)
    if not found:
        pytest.skip(f"installing {package} failed ({proc.returncode}): "
                    f"{(proc.stderr or proc.stdout).strip()[-300:]}")
    return found
