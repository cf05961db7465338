#!/usr/bin/env python3
"""Builds a throwaway Java base image as a docker-archive, offline: a jlink'd JRE from this machine's JDK,
the shared libraries it links against, busybox for a shell, and a writable /tmp.

jib takes it as `-Djib.from.image=tar://<out>` where the production base (eclipse-temurin:17-jre, pulled
from a registry) can't be reached. Like that image: JAVA_HOME=/opt/java/openjdk, java on PATH, no user of
ours in /etc/passwd (the task image runs as a bare uid).

usage: offline_base.py OUT.tar
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

JAVA_HOME = "/opt/java/openjdk"
BUSYBOX_APPLETS = ["sh", "ls", "cat", "id", "env", "chmod", "mkdir", "rm", "whoami", "uname", "sleep", "ps"]


def jdk_home() -> Path:
    java = Path(shutil.which("java")).resolve()
    return java.parent.parent


def shared_libraries(root: Path) -> set[str]:
    """Every library the JRE's executables and libraries need, resolved by the host's loader."""
    libs: set[str] = set()
    for f in root.rglob("*"):
        if f.is_file() and (f.suffix == ".so" or f.parent.name == "bin"):
            out = subprocess.run(["ldd", str(f)], capture_output=True, text=True).stdout
            for m in re.finditer(r"(/\S+\.so[.\d]*)", out):
                if not m.group(1).startswith(str(root)):  # the JRE's own, found through $ORIGIN
                    libs.add(m.group(1))
    # glibc loads these by name at run time (NSS, used when Java asks who the user is).
    for extra in ("libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2"):
        for d in ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64"):
            if os.path.exists(f"{d}/{extra}"):
                libs.add(f"{d}/{extra}")
    return libs


def build_rootfs(rootfs: Path) -> None:
    jre = rootfs / JAVA_HOME.lstrip("/")
    jre.parent.mkdir(parents=True)
    jdk = jdk_home()
    subprocess.run(["jlink", "--module-path", str(jdk / "jmods"), "--add-modules", "ALL-MODULE-PATH",
                    "--strip-debug", "--no-man-pages", "--no-header-files", "--compress=2", "--output", str(jre)],
                   check=True)
    # Both the path ldd printed and the file's real path (Debian merges /lib into /usr): the loader and
    # the libraries are found under either.
    for lib in sorted(shared_libraries(rootfs)):
        real = Path(lib).resolve()
        for p in {Path(lib), real}:
            dest = rootfs / str(p).lstrip("/")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if not dest.exists():
                shutil.copy2(real, dest)
    (rootfs / "bin").mkdir(exist_ok=True)
    shutil.copy2(shutil.which("busybox") or "/bin/busybox", rootfs / "bin/busybox")
    for applet in BUSYBOX_APPLETS:
        (rootfs / "bin" / applet).symlink_to("busybox")
    etc = rootfs / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    (etc / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    (etc / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files dns\n")
    (etc / "hosts").write_text("127.0.0.1 localhost\n")
    (rootfs / "tmp").mkdir()
    (rootfs / "tmp").chmod(0o1777)
    (rootfs / "root").mkdir(mode=0o700)


def layer_tar(rootfs: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(rootfs.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(rootfs)))
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = 0
            if info.isfile():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    return buf.getvalue()


def write_archive(out: Path, layer: bytes, tag: str) -> None:
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64", "os": "linux",
        "config": {"Env": [f"JAVA_HOME={JAVA_HOME}", f"PATH={JAVA_HOME}/bin:/usr/bin:/bin"],
                   "Labels": {"org.opencontainers.image.description": "geoswap offline test base (jlink JRE)"}},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "docker/base/offline_base.py"}],
    }
    config_bytes = json.dumps(config).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": ["layer.tar"]}]
    with tarfile.open(out, "w") as tar:
        for name, data in ((config_name, config_bytes), ("layer.tar", layer),
                           ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rootfs = Path(tmp) / "rootfs"
        rootfs.mkdir()
        build_rootfs(rootfs)
        layer = layer_tar(rootfs)
    write_archive(out.with_suffix(".part"), layer, "geoswap-offline-base:17")
    out.with_suffix(".part").rename(out)
    print(f"{out}: {len(layer) // (1 << 20)} MiB layer", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
