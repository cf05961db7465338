package io.geoswap.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Stable ids derived from text (a version from a run id, an EMR Serverless client token): SHA-256 in hex. */
public final class Digests {
  private Digests() {}

  /** The SHA-256 of {@code text}'s UTF-8 bytes, 64 lower-case hex digits. */
  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
