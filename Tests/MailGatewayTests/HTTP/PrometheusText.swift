import Foundation

/// A strict reader of the Prometheus text exposition format (version 0.0.4), for the `/metrics` tests: every line
/// is a `# HELP`/`# TYPE` comment or a sample `name{label="value",...} number`; a sample's family must have been
/// typed before it. Samples by their full key (`name{labels}` as written).
struct PrometheusText {
    struct Problem: Error, CustomStringConvertible {
        var line: String
        var description: String { "not Prometheus text: \(line)" }
    }

    var samples: [String: Double] = [:]
    /// The declared type of each family.
    var types: [String: String] = [:]

    init(_ text: String) throws {
        let name = #"[a-zA-Z_:][a-zA-Z0-9_:]*"#
        let label = #"[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*""#
        let sample = try NSRegularExpression(pattern: "^(\(name))(\\{(?:\(label))(?:,\(label))*\\})? ([-+0-9.eE]+|NaN|[+-]Inf)$")
        let typeLine = try NSRegularExpression(pattern: "^# TYPE (\(name)) (counter|gauge|histogram|summary|untyped)$")
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            let range = NSRange(line.startIndex..., in: line)
            if let m = typeLine.firstMatch(in: line, range: range) {
                types[String(line[Range(m.range(at: 1), in: line)!])] = String(line[Range(m.range(at: 2), in: line)!])
            } else if line.hasPrefix("# HELP ") {
                continue
            } else if let m = sample.firstMatch(in: line, range: range) {
                let metric = String(line[Range(m.range(at: 1), in: line)!])
                let family = types[metric] != nil ? metric
                    : metric.replacingOccurrences(of: #"_(bucket|sum|count)$"#, with: "", options: .regularExpression)
                guard types[family] != nil else { throw Problem(line: line + " (no # TYPE before it)") }
                let key = metric + (Range(m.range(at: 2), in: line).map { String(line[$0]) } ?? "")
                guard let value = Double(String(line[Range(m.range(at: 3), in: line)!])) else { throw Problem(line: line) }
                samples[key] = value
            } else {
                throw Problem(line: line)
            }
        }
    }

    /// The sample `name{labels}` (labels written `key="value"`, in the order given).
    func value(_ name: String, _ labels: [(String, String)] = []) -> Double? {
        let key = labels.isEmpty ? name : name + "{" + labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
        return samples[key]
    }
}
