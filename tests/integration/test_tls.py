"""The worker and the CLI over TLS, against the real broker with a TLS listener.

Certificates are made here with openssl: a throwaway CA, and a broker certificate for
127.0.0.1 signed by it, packed as the PKCS#12 keystore the broker reads.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agents.local_kafka import LocalKafka, free_port
from agents.local_worker import WorkerProcess
from agents.sample_stream import generate_sample

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed"),
]

STORE_PASSWORD = "changeit-test-only"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_certificates(directory: Path) -> tuple[Path, Path]:
    """(CA certificate PEM, broker keystore PKCS#12) for a broker on 127.0.0.1."""
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=narratives-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        cwd=directory,
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "broker.key",
        "-out",
        "broker.csr",
        cwd=directory,
    )
    (directory / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "x509",
        "-req",
        "-in",
        "broker.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "broker.pem",
        cwd=directory,
    )
    _openssl(
        "pkcs12",
        "-export",
        "-in",
        "broker.pem",
        "-inkey",
        "broker.key",
        "-certfile",
        "ca.pem",
        "-name",
        "broker",
        "-out",
        "broker.p12",
        "-passout",
        f"pass:{STORE_PASSWORD}",
        cwd=directory,
    )
    return directory / "ca.pem", directory / "broker.p12"


@pytest.fixture
def tls_kafka(tmp_path: Path) -> Iterator[tuple[LocalKafka, int, Path]]:
    certs = tmp_path / "certs"
    certs.mkdir()
    ca, keystore = make_certificates(certs)
    port, tls_port = free_port(), free_port()
    extra = tmp_path / "tls.properties"
    extra.write_text(
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1},"
        f"SSL://127.0.0.1:{tls_port}\n"
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port},SSL://127.0.0.1:{tls_port}\n"
        f"ssl.keystore.type=PKCS12\nssl.keystore.location={keystore}\n"
        f"ssl.keystore.password={STORE_PASSWORD}\nssl.key.password={STORE_PASSWORD}\n"
        "ssl.client.auth=none\n"
    )
    broker = LocalKafka(
        port=port,
        state_dir=tmp_path / "kafka",
        extra_env={"KAFKA_EXTRA_PROPERTIES": str(extra)},
    )
    broker.start()
    try:
        yield broker, tls_port, ca
    finally:
        broker.stop()


def test_worker_and_cli_work_over_tls(
    tmp_path: Path,
    tls_kafka: tuple[LocalKafka, int, Path],
    start_worker: Callable[[dict[str, str]], WorkerProcess],
) -> None:
    _, tls_port, ca = tls_kafka
    env = {
        "NARRATIVES_BROKER": f"127.0.0.1:{tls_port}",
        "NARRATIVES_SECURITY_PROTOCOL": "SSL",
        "NARRATIVES_SSL_CAFILE": str(ca),
        "NARRATIVES_APP_ID": "tls-app",
        "NARRATIVES_WINDOW_LENGTH_S": "10800",
        "NARRATIVES_WINDOW_SLIDE_S": "1800",
        "NARRATIVES_ALLOWED_LATENESS_S": "60",
    }
    worker = start_worker(env)
    sample = tmp_path / "sample.jsonl"
    records = generate_sample(300, hours=8.0)
    sample.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        import os

        return subprocess.run(
            [sys.executable, "-m", "agents.cli", *args],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    produced = cli("produce", str(sample))
    assert produced.returncode == 0, produced.stderr[-2000:]
    assert json.loads(produced.stdout)["produced"] == len(records)

    tail = cli("tail", "--json", "--max-events", "3", "--idle-timeout", "180")
    assert tail.returncode == 0, (tail.stderr[-2000:], worker.log_tail())
    events = [json.loads(line) for line in tail.stdout.splitlines() if line.strip()]
    assert len(events) == 3 and all(e["narrative_id"].startswith("nar-") for e in events)
