"""docker/: the compose file parses (Debian's docker-compose validates it against the Compose schema), the
PostGIS init script loads the demo data into a real PostGIS, and the AWS templates are well-formed and
least-privilege. No Docker engine here: the stack itself is not started."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"


def compose_config(env_file: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GEOSWAP_DB_PASSWORD"}
    return subprocess.run(["docker-compose", "--env-file", str(env_file), "-f", str(DOCKER / "compose.yaml"), "config"],
                          capture_output=True, text=True, env=env)


def test_compose_file_is_valid_and_wires_postgis_airflow_and_moto():
    out = compose_config(DOCKER / ".env.example")
    assert out.returncode == 0, out.stderr
    config = yaml.safe_load(out.stdout)
    assert set(config["services"]) == {"postgis", "airflow", "moto"}
    airflow = config["services"]["airflow"]
    assert airflow["command"] == "standalone"
    assert airflow["environment"]["GEOSWAP_RUNNER"] == "local"
    mounts = {v.split(":")[1] for v in airflow["volumes"]}
    assert {"/opt/airflow/dags", "/opt/geoswap/pipelines"} <= mounts
    assert airflow["depends_on"]["postgis"]["condition"] == "service_healthy"
    postgis = config["services"]["postgis"]
    assert any(v.endswith("/docker-entrypoint-initdb.d/10-demo-data.sh:ro") for v in postgis["volumes"])


def test_compose_refuses_to_start_without_a_password_of_your_own(tmp_path):
    empty = tmp_path / ".env"
    empty.write_text("")
    out = compose_config(empty)
    assert out.returncode != 0
    assert "set GEOSWAP_DB_PASSWORD in docker/.env" in out.stderr


def psql(db: str, sql: str) -> str:
    return subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_the_init_script_loads_the_demo_data_into_postgis():
    db = "it_compose_init"
    psql("postgres", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {db}")
    env = dict(os.environ, POSTGRES_USER=os.environ["PGUSER"], POSTGRES_DB=db, GEOSWAP_EXAMPLES=str(ROOT / "examples"))
    subprocess.run(["sh", str(DOCKER / "init/10-demo-data.sh")], check=True, env=env, capture_output=True)
    defaults = dict(line.split("=", 1) for line in (ROOT / "examples/zone_stats/defaults.properties").read_text().splitlines()
                    if line and not line.startswith("#"))
    zones = int(defaults["zones_x"]) * int(defaults["zones_y"])
    assert psql(db, "SELECT count(*) FROM public.zones") == str(zones)
    assert psql(db, "SELECT count(*) FROM public.events") == defaults["events"]
    psql("postgres", f"DROP DATABASE {db} WITH (FORCE)")


@pytest.mark.parametrize("name", ["ecs-task-role-policy.json", "emr-job-role-policy.json"])
def test_iam_policies_grant_named_actions_on_named_resources_only(name):
    policy = json.loads((DOCKER / "iam" / name).read_text())
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert statement["Effect"] == "Allow"
        assert all("*" not in a for a in actions), f"{name}: wildcard action in {statement['Sid']}"
        assert all(r != "*" and not r.endswith(":*") for r in resources), f"{name}: unscoped resource in {statement['Sid']}"


@pytest.mark.parametrize("name", ["ecs-task-trust.json", "emr-job-trust.json"])
def test_trust_policies_name_one_service(name):
    policy = json.loads((DOCKER / "iam" / name).read_text())
    [statement] = policy["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"]["Service"].endswith(".amazonaws.com")


def test_the_ecs_task_definition_logs_to_cloudwatch_and_holds_no_secret():
    task = json.loads((DOCKER / "ecs/task-definition.json").read_text())
    [container] = task["containerDefinitions"]
    assert container["logConfiguration"]["logDriver"] == "awslogs"  # its last line becomes the XCom
    assert "secrets" not in container  # the task reads its database secret itself (--db-secret-id)
    assert not any("PASSWORD" in e["name"].upper() for e in container.get("environment", []))
    assert task["requiresCompatibilities"] == ["FARGATE"]
