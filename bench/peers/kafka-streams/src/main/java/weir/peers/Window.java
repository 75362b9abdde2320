package weir.peers;

/** A customer's 1-minute window over closed sessions: the layout of its aggregates and its JSON. */
final class Window {
  static final Aggregate.Layout LAYOUT = new Aggregate.Layout("sessions:sum", "events:sum", "durationS:sum", "maxEvents:max", "bytes:sum",
      "maxBytes:max", "errors:sum", "nonGet:sum", "assets:sum", "noReferrer:sum", "paths:sum");

  private Window() {}

  static String json(String customer, long windowStart, Aggregate window) {
    return "{\"customer\":\"" + customer + "\",\"windowStart\":" + windowStart + "," + window.jsonFields() + "}";
  }
}
