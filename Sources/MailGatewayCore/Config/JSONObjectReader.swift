package import Foundation

/// Reads one JSON object of the configuration, remembering the keys it was asked for so that unknown keys can
/// be reported, and collecting problems with their JSON path instead of stopping at the first one.
package struct JSONObjectReader {
    package let path: String
    private let object: [String: Any]
    private var consumed: Set<String> = []
    private(set) var problems: [ConfigProblem] = []

    package init?(_ value: Any?, path: String, problems: inout [ConfigProblem], required: Bool = true) {
        guard let value, !Self.isNull(value) else {
            if required { problems.append(ConfigProblem(path: path, reason: "missing (an object is required)")) }
            return nil
        }
        guard let object = value as? [String: Any] else {
            problems.append(ConfigProblem(path: path, reason: "must be an object, found \(JSONObjectReader.kind(of: value))"))
            return nil
        }
        self.path = path
        self.object = object
    }

    package static func kind(of value: Any) -> String {
        switch value {
        case is String: "a string"
        case let n as NSNumber: isBoolean(n) ? "a boolean" : "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        default: "\(type(of: value))"
        }
    }

    /// JSON `null` (`JSONSerialization`'s `NSNull`), by the value's dynamic type. `value is NSNull` bridged a Swift
    /// dictionary or array to Foundation's classes to compare (the whole object, boxing every value): 2.7 M
    /// instructions of a 36 M `archive search` process (callgrind, docs/benchmarks.md).
    package static func isNull(_ value: Any) -> Bool {
        type(of: value) == NSNull.self
    }

    /// JSON booleans decode as NSNumber too; their Objective-C type code is "c".
    package static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    package func child(_ key: String) -> String { "\(path).\(key)" }

    package mutating func fail(_ key: String, _ reason: String) {
        problems.append(ConfigProblem(path: child(key), reason: reason))
    }

    package mutating func raw(_ key: String) -> Any? {
        consumed.insert(key)
        guard let v = object[key], !Self.isNull(v) else { return nil }
        return v
    }

    package mutating func string(_ key: String, required: Bool = true, default fallback: String? = nil) -> String? {
        guard let v = raw(key) else {
            if required && fallback == nil { fail(key, "missing (a string is required)") }
            return fallback
        }
        guard let s = v as? String else {
            fail(key, "must be a string, found \(Self.kind(of: v))")
            return fallback
        }
        if TextSpaces.isBlank(s) {
            fail(key, "must not be empty")
            return fallback
        }
        return s
    }

    package mutating func int(_ key: String, required: Bool = true, default fallback: Int? = nil,
                      range: ClosedRange<Int>? = nil) -> Int? {
        guard let v = raw(key) else {
            if required && fallback == nil { fail(key, "missing (a number is required)") }
            return fallback
        }
        guard let n = v as? NSNumber, !Self.isBoolean(n), n.doubleValue == n.doubleValue.rounded()
        else {
            fail(key, "must be a whole number, found \(Self.kind(of: v))")
            return fallback
        }
        let i = n.intValue
        if let range, !range.contains(i) {
            fail(key, "must be between \(range.lowerBound) and \(range.upperBound), found \(i)")
            return fallback
        }
        return i
    }

    package mutating func bool(_ key: String, required: Bool = true) -> Bool? {
        guard let v = raw(key) else {
            if required { fail(key, "missing (true or false is required)") }
            return nil
        }
        guard let n = v as? NSNumber, Self.isBoolean(n) else {
            fail(key, "must be true or false, found \(Self.kind(of: v))")
            return nil
        }
        return n.boolValue
    }

    package mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ key: String, _ type: E.Type, required: Bool = true
    ) -> E? where E.RawValue == String {
        guard let s = string(key, required: required) else { return nil }
        guard let e = E(rawValue: s) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            fail(key, "\"\(s)\" is not one of: \(allowed)")
            return nil
        }
        return e
    }

    /// An optional enumerated value with its default (an unknown value is a problem and reads as the default).
    package mutating func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, default fallback: E) -> E
    where E.RawValue == String {
        enumValue(key, type, required: false) ?? fallback
    }

    package mutating func stringArray(_ key: String) -> [String] {
        guard let v = raw(key) else { return [] }
        guard let a = v as? [Any] else {
            fail(key, "must be an array of strings, found \(Self.kind(of: v))")
            return []
        }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            if let s = e as? String { out.append(s) } else {
                problems.append(ConfigProblem(path: "\(child(key))[\(i)]", reason: "must be a string"))
            }
        }
        return out
    }

    /// Reports every key of the object that nobody asked for.
    package mutating func finish(into problems: inout [ConfigProblem]) {
        for key in object.keys.sorted() where !consumed.contains(key) {
            self.problems.append(ConfigProblem(path: child(key), reason: "unknown key"))
        }
        problems.append(contentsOf: self.problems)
        self.problems = []
    }
}
