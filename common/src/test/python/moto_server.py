"""The AWS API emulator for geoswap's ITs: moto's server over HTTP on a loopback port.

moto completes an EMR Serverless job run the moment it is started (state SUCCESS), so nothing could
observe a run that is still going: a cancel on SIGTERM, a second launcher reattaching, a timeout. Here new
runs start RUNNING instead, and one extra route moves a run to any state, the way EMR's own scheduler
would (POST /_geoswap/job-run-state {"applicationId", "jobRunId", "state", "stateDetails"}). Every other
request is moto's, unchanged.

usage: python moto_server.py PORT
"""
import json
import sys

import moto.emrserverless.models as emr
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

emr.JOB_STATUS = "RUNNING"


def find_run(application_id, job_run_id):
    for account_backends in emr.emrserverless_backends.values():
        for backend in account_backends.values():
            try:
                return backend.get_job_run(application_id, job_run_id)
            except Exception:
                continue
    return None


def control(app):
    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == "/_geoswap/job-run-state":
            body = json.loads(Request(environ).get_data() or b"{}")
            run = find_run(body["applicationId"], body["jobRunId"])
            if run is None:
                return Response("no such job run", status=404)(environ, start_response)
            run.state = body["state"]
            run.state_details = body.get("stateDetails")
            return Response(json.dumps({"state": run.state}), mimetype="application/json")(environ, start_response)
        return app(environ, start_response)

    return wsgi


if __name__ == "__main__":
    port = int(sys.argv[1])
    run_simple("127.0.0.1", port, control(DomainDispatcherApplication(create_backend_app)), threaded=True)
