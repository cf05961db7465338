package io.geoswap.common.registry;

import io.geoswap.common.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * The session-level advisory lock a build of {@code pipeline}/{@code version} holds while it runs. It lives
 * as long as the builder's session, so a crashed or killed build releases it too: a version left
 * {@code building} whose lock is free was abandoned ({@link VersionRegistry#reclaimAbandonedBuilds}).
 * Key: {@code (hashtext('geoswap.build'), hashtext('<pipeline>/<version>'))}.
 */
public record BuildLock(String pipeline, String version) {
  private static final String KEY = "hashtext('geoswap.build'), hashtext(?)";

  /** Takes the lock on {@code c}'s session; false when another session (another build of it) holds it. */
  public boolean tryLock(Connection c) {
    return Db.run(c, "locking the build", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(" + KEY + ")")) {
        ps.setString(1, key());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    });
  }

  /** Releases the lock {@link #tryLock} took on {@code c}'s session. */
  public void unlock(Connection c) {
    Db.run(c, "unlocking the build", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(" + KEY + ")")) {
        ps.setString(1, key());
        return ps.execute();
      }
    });
  }

  private String key() {
    return pipeline + "/" + version;
  }
}
