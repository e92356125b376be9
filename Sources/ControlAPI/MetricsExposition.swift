/// How metrics are served: the Prometheus text exposition format, version 0.0.4.
public enum MetricsExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
