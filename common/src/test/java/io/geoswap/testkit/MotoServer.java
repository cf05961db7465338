package io.geoswap.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * moto's AWS emulator over HTTP on a free loopback port (common/src/test/python/moto_server.py, run by the
 * Python that ./geoswap test installed moto into: $GEOSWAP_MOTO_PYTHON).
 */
public final class MotoServer implements AutoCloseable {
  public final String endpoint;
  private final Process process;
  private final HttpClient http = HttpClient.newHttpClient();

  public MotoServer() throws Exception {
    String python = System.getenv("GEOSWAP_MOTO_PYTHON");
    if (python == null) throw new IllegalStateException("no moto: run the ITs through ./geoswap test (it installs moto)");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    endpoint = "http://127.0.0.1:" + port;
    Path script = TestDb.repoRoot().resolve("common/src/test/python/moto_server.py");
    process = new ProcessBuilder(python, script.toString(), Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(endpoint + "/moto-api/")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) throw new IllegalStateException("moto did not start", e);
        Thread.sleep(200);
      }
    }
  }

  /** Moves a job run to {@code state}, as EMR's scheduler would. */
  public void setState(String applicationId, String jobRunId, String state, String details) throws Exception {
    String body = "{\"applicationId\":\"" + applicationId + "\",\"jobRunId\":\"" + jobRunId + "\",\"state\":\""
        + state + "\",\"stateDetails\":" + (details == null ? "null" : "\"" + details + "\"") + "}";
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint + "/_geoswap/job-run-state"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) throw new IllegalStateException(r.body());
  }

  @Override
  public void close() {
    process.destroy();
  }
}
