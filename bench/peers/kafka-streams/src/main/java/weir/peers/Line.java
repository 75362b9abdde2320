package weir.peers;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One combined-format log line, parsed by the same regex as the Spark job. */
final class Line {
  private static final Pattern LINE =
      Pattern.compile("^(\\S+) \\S+ \\S+ \\[([^\\]]+)\\] \"(\\S+) (\\S+)[^\"]*\" (\\d{3}) (\\S+) \"([^\"]*)\" \"([^\"]*)\"");
  private static final Pattern ASSET = Pattern.compile("\\.(css|js|png|jpe?g|gif|svg|ico|woff2?|webp)(\\?|$)");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);

  final long time;
  final String method;
  final String path;
  final int status;
  final long bytes;
  final boolean noReferrer;

  private Line(long time, String method, String path, int status, long bytes, boolean noReferrer) {
    this.time = time;
    this.method = method;
    this.path = path;
    this.status = status;
    this.bytes = bytes;
    this.noReferrer = noReferrer;
  }

  /** The line's event time (epoch ms) from its `[...]` field, or -1 when it has none. */
  static long eventTime(String line) {
    int open = line.indexOf('[');
    int close = open < 0 ? -1 : line.indexOf(']', open);
    if (close < 0) return -1;
    try {
      return OffsetDateTime.parse(line.substring(open + 1, close), TIME).toInstant().toEpochMilli();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** The parsed line, or null when it does not match. */
  static Line parse(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.find()) return null;
    long time = eventTime(line);
    if (time < 0) return null;
    String bytes = m.group(6);
    return new Line(time, m.group(3), m.group(4), Integer.parseInt(m.group(5)), bytes.equals("-") ? 0 : Long.parseLong(bytes), m.group(7).equals("-"));
  }

  boolean isAsset() {
    return ASSET.matcher(path).find();
  }
}
