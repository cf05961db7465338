package io.geoswap.common.registry;

import io.geoswap.common.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.Optional;

/**
 * What {@code verify} recorded: a version compared with the relation it is to replace ({@code schema.name}
 * of a materialized view, table or view), matched or not, with the report. {@code adopt} requires a match.
 */
public final class Verifications {
  private final Connection c;

  public Verifications(Connection c) {
    this.c = c;
  }

  /** A recorded verification. */
  public record Verification(String pipeline, String version, String against, boolean matched, String reportJson,
      OffsetDateTime verifiedAt) {}

  /** Records (or replaces) the outcome of verifying {@code version} against {@code against}. */
  public void record(String pipeline, String version, String against, boolean matched, String reportJson) {
    Db.inTransaction(c, "recording the verification", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("INSERT INTO geoswap.verifications"
          + " (pipeline, version, against, matched, report) VALUES (?, ?, ?, ?, ?::jsonb)"
          + " ON CONFLICT (pipeline, version, against) DO UPDATE SET matched = excluded.matched,"
          + " report = excluded.report, verified_at = now()")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setString(3, against);
        ps.setBoolean(4, matched);
        ps.setString(5, reportJson);
        return ps.executeUpdate();
      }
    });
  }

  /** The last verification of {@code version} against {@code against}, if any. */
  public Optional<Verification> find(String pipeline, String version, String against) {
    return Db.run(c, "reading verifications", conn -> {
      try (PreparedStatement ps = conn.prepareStatement("SELECT matched, report::text, verified_at FROM"
          + " geoswap.verifications WHERE pipeline = ? AND version = ? AND against = ?")) {
        ps.setString(1, pipeline);
        ps.setString(2, version);
        ps.setString(3, against);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next()
              ? Optional.of(new Verification(pipeline, version, against, rs.getBoolean(1), rs.getString(2),
                  rs.getObject(3, OffsetDateTime.class)))
              : Optional.empty();
        }
      }
    });
  }
}
