"""Real Airflow 3 (from PyPI) on a throwaway metadata DB, driving geoswap's DAGs with the local runner
against the local PostGIS that ./geoswap test started (PG* in the environment)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DB = "it_airflow"


def psql(sql: str, db: str = DB) -> str:
    out = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def java_tool(main_class: str, *args: str) -> None:
    """A main class of the job jar, started the one way geoswap starts JVMs (jvm/run-java)."""
    subprocess.run([str(ROOT / "jvm/run-java"), "job", main_class, *args], check=True, stdout=subprocess.DEVNULL)


def pytest_configure(config):
    home = Path(os.environ.setdefault("AIRFLOW_HOME", str(ROOT / ".geoswap/airflow-test")))
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home}/airflow.db")
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
    os.environ["GEOSWAP_HOME"] = str(ROOT)
    os.environ["PGDATABASE"] = DB
    sys.path.insert(0, str(ROOT / "dags"))


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    subprocess.run([sys.executable, "-m", "airflow", "db", "reset", "-y"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def zone_data():
    """A fresh database with small zone_stats data: 100 zones, 5,000 events."""
    subprocess.run(["psql", "-qX", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)"], check=True)
    subprocess.run(["psql", "-qX", "-d", "postgres", "-c", f"CREATE DATABASE {DB}"], check=True)
    psql("CREATE EXTENSION postgis")
    java_tool("io.geoswap.job.tools.ExampleData", str(ROOT / "examples/zone_stats"), "zones_x=10", "zones_y=10",
              "events=5000")
    return DB
