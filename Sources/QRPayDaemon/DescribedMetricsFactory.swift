import Metrics
import Prometheus

/// swift-prometheus' factory with a `# HELP` line for every metric qrpayd names: the swift-metrics API carries no
/// description, and the registry refuses a second, different description for a family, so the words are attached
/// here, where every handler is made. Everything else (buckets, destroying) is the wrapped factory's.
struct DescribedMetricsFactory: MetricsFactory {
    let base: PrometheusMetricsFactory
    let help: [String: String]

    private func descriptor(_ label: String) -> MetricNameDescriptor? {
        self.help[label].map { MetricNameDescriptor(metricName: label, unitName: "", helpText: $0) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.base.makeCounter(label: label, dimensions: dimensions)
        }
        return self.base.registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.base.makeFloatingPointCounter(label: label, dimensions: dimensions)
        }
        return self.base.registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard !aggregate, let descriptor = self.descriptor(label) else {
            return self.base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        return self.base.registry.makeGauge(descriptor: descriptor, labels: dimensions)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.base.makeMeter(label: label, dimensions: dimensions)
        }
        return self.base.registry.makeGauge(descriptor: descriptor, labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.base.makeTimer(label: label, dimensions: dimensions)
        }
        let buckets = self.base.durationHistogramBuckets[label] ?? self.base.defaultDurationHistogramBuckets
        return self.base.registry.makeDurationHistogram(descriptor: descriptor, labels: dimensions, buckets: buckets)
    }

    func destroyCounter(_ handler: any CounterHandler) { self.base.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        self.base.destroyFloatingPointCounter(handler)
    }
    func destroyRecorder(_ handler: any RecorderHandler) { self.base.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { self.base.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { self.base.destroyTimer(handler) }
}
