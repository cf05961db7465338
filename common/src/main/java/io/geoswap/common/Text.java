package io.geoswap.common;

/**
 * How geoswap puts text it did not write (a driver's, Spark's or PostgreSQL's message, a line of a user's
 * file) into its own one-line messages and the registry: one line, no control bytes (PostgreSQL rejects
 * NUL in text, terminals act on escapes), bounded length.
 */
public final class Text {
  /** The most of one line of a user's file that a message quotes (the offending line, never more). */
  public static final int MAX_QUOTED = 200;

  private Text() {}

  /** Whitespace runs (newlines included) become one space; other control characters are dropped. */
  public static String oneLine(String s) {
    if (s == null) return "";
    StringBuilder b = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isWhitespace(ch)) {
        space = b.length() > 0;
        continue;
      }
      if (Character.isISOControl(ch)) continue;
      if (space) b.append(' ');
      space = false;
      b.append(ch);
    }
    return b.toString();
  }

  /** {@link #oneLine} cut to at most {@code max} characters, marked with … when cut. */
  public static String clip(String s, int max) {
    String line = oneLine(s);
    return line.length() <= max ? line : line.substring(0, Math.max(0, max - 1)) + "…";
  }

  /** The first line of {@code s} (up to its first newline), as {@link #clip}. */
  public static String firstLine(String s, int max) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return clip(nl < 0 ? s : s.substring(0, nl), max);
  }
}
