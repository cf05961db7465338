package io.geoswap.port;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import net.sf.jsqlparser.parser.CCJSqlParserTokenManager;
import net.sf.jsqlparser.parser.SimpleCharStream;
import net.sf.jsqlparser.parser.StringProvider;
import net.sf.jsqlparser.parser.Token;

/**
 * Where a construct is in a view's definition, for the report: a token search. The definition and each
 * needle are split by JSqlParser's own tokenizer (the one that parsed the view), and a needle's line is the
 * line of the first token of its next match; comments and string literals are single tokens (or none), so
 * a needle never matches inside a name, a literal or a comment. Successive searches for one needle move
 * forward, as the port meets the nodes in the definition's order. Only the report reads these lines; the
 * rewrite never looks at text.
 */
final class DefinitionLines {
  private record Tok(String text, int line) {}

  private final List<Tok> tokens;
  private final Map<String, Integer> cursor = new HashMap<>();

  DefinitionLines(String definition) {
    this.tokens = tokens(definition);
  }

  /** The line of {@code needle}'s next match, or {@code fallback} when it has none. */
  int lineOf(String needle, int fallback) {
    List<Tok> n = tokens(needle);
    if (n.isEmpty()) return fallback;
    String key = String.join(" ", n.stream().map(Tok::text).toList());
    int from = cursor.getOrDefault(key, 0);
    for (int pass = 0; pass < 2; pass++) {
      for (int i = pass == 0 ? from : 0; i + n.size() <= tokens.size(); i++) {
        if (matches(i, n)) {
          cursor.put(key, i + 1);
          return tokens.get(i).line();
        }
      }
    }
    return fallback;
  }

  private boolean matches(int at, List<Tok> needle) {
    for (int j = 0; j < needle.size(); j++) {
      if (!tokens.get(at + j).text().equals(needle.get(j).text())) return false;
    }
    return true;
  }

  /** The tokens of {@code text}, lower-cased, each with its line; empty when the tokenizer fails on it. */
  private static List<Tok> tokens(String text) {
    List<Tok> out = new ArrayList<>();
    try {
      CCJSqlParserTokenManager tm = new CCJSqlParserTokenManager(new SimpleCharStream(new StringProvider(text)));
      for (Token t = tm.getNextToken(); t.kind != CCJSqlParserConstants.EOF; t = tm.getNextToken()) {
        out.add(new Tok(t.image.toLowerCase(Locale.ROOT), t.beginLine));
      }
    } catch (RuntimeException | Error e) { // TokenMgrError: a needle the grammar can't split (the line is a fallback)
      return out;
    }
    return out;
  }
}
