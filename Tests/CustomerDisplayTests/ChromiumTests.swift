import Testing

/// The tests that drive a real Chromium. One browser at a time is plenty for a two-core machine, so they run
/// one after another (`.serialized` applies to the suites nested in this one).
@Suite(.serialized, .timeLimit(.minutes(5)))
enum ChromiumTests {}
