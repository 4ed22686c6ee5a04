public import Foundation
import Synchronization

/// Date formatters for what people read (notices, digests), by language, time zone and styles, built once.
///
/// Building a `DateFormatter` opens ICU's formatter for its locale, which costs far more than formatting a date:
/// composing a notice took ~0.8 ms, half of it building its formatter, inside the ingest writer's transaction
/// (`perf`, docs/benchmarks.md stop 21), and a digest run formats the same few dates for thousands of members.
/// `DateFormatter` is thread-safe for formatting once configured (Foundation's documentation, iOS 7 / macOS 10.9,
/// and swift-corelibs-foundation, where each formatter holds its own lock), so one instance serves every thread.
package enum LocalizedDateFormatter {
    /// The formatter of `language` in `zone` with the Gregorian calendar and the given styles. It is shared: format
    /// with it, never configure it (a change would show in every notice and digest of the process).
    package static func formatter(_ language: Language, zone: TimeZone, date: DateFormatter.Style,
                                 time: DateFormatter.Style) -> DateFormatter {
        let key = Key(language: language, zone: zone.identifier, date: date.rawValue, time: time.rawValue)
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let formatter = DateFormatter()
        formatter.locale = locale(language)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        formatter.calendar = calendar
        formatter.timeZone = zone
        formatter.dateStyle = date
        formatter.timeStyle = time
        cache.withLock { cache in
            // Bounded: a zone per member at most, a few styles; a flood of zones only rebuilds.
            if cache.count > 500 { cache.removeAll() }
            cache[key] = formatter
        }
        return formatter
    }

    /// The locale of a language's dates: France's French, British English, Spain's Spanish.
    package static func locale(_ language: Language) -> Locale {
        switch language {
        case .fr: Locale(identifier: "fr_FR")
        case .en: Locale(identifier: "en_GB")
        case .es: Locale(identifier: "es_ES")
        }
    }

    private struct Key: Hashable {
        var language: Language
        var zone: String
        var date: UInt
        var time: UInt
    }

    private static let cache = Mutex<[Key: DateFormatter]>([:])
}
