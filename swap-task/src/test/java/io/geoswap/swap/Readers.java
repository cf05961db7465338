package io.geoswap.swap;

import io.geoswap.common.db.Db;
import io.geoswap.testkit.TestDb;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Readers querying a view in a loop, recording what each query saw and how long it took. */
final class Readers implements AutoCloseable {
  final AtomicBoolean stop = new AtomicBoolean();
  final AtomicLong queries = new AtomicLong();
  final AtomicLong maxMillis = new AtomicLong();
  final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  final List<Thread> threads = new ArrayList<>();

  Readers(TestDb db, int n, String view) {
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try (Connection c = Db.connect(db.settings.withApplicationName("it-reader")); Statement st = c.createStatement()) {
          while (!stop.get()) {
            long t0 = System.nanoTime();
            try (ResultSet rs = st.executeQuery("SELECT count(*), count(DISTINCT tag), min(tag) FROM " + view)) {
              rs.next();
              long ms = (System.nanoTime() - t0) / 1_000_000;
              maxMillis.accumulateAndGet(ms, Math::max);
              queries.incrementAndGet();
              if (rs.getLong(1) == 0) problems.add("empty result");
              if (rs.getLong(2) > 1) problems.add("mixed versions in one result");
            } catch (Exception e) {
              problems.add(e.getMessage());
            }
          }
        } catch (Exception e) {
          problems.add(e.toString());
        }
      }, "reader-" + i);
      t.start();
      threads.add(t);
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) t.join();
  }
}
