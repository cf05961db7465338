package io.geoswap.common;

import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last line of defence for secrets: every error line, JSON result and registry error text passes
 * through {@link #redact}, which masks each secret this JVM has been given (the database password, the
 * value of a Secrets Manager secret). Messages are written not to contain secrets in the first place; this
 * catches what a driver, Spark or a user's file smuggles in (e.g. a transform that reads
 * {@code /proc/self/environ}).
 */
public final class Redactor {
  /** Shorter values would mask ordinary words; no password geoswap accepts is that short in practice. */
  static final int MIN_LENGTH = 4;
  private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
  public static final String MASK = "****";

  private Redactor() {}

  /** Remembers {@code secret} (and its URL-encoded form) for this JVM's lifetime. */
  public static void register(String secret) {
    if (secret == null || secret.length() < MIN_LENGTH) return;
    SECRETS.add(secret);
    String encoded = java.net.URLEncoder.encode(secret, java.nio.charset.StandardCharsets.UTF_8);
    if (!encoded.equals(secret)) SECRETS.add(encoded);
  }

  /** {@code text} with every known secret replaced by {@value #MASK}. */
  public static String redact(String text) {
    if (text == null || SECRETS.isEmpty()) return text;
    String out = text;
    // Longest first: a secret that contains another is masked whole.
    for (String s : SECRETS.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
      if (out.contains(s)) out = out.replace(s, MASK);
    }
    return out;
  }
}
