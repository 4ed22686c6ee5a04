package import Foundation
package import GRDB
import Synchronization

/// The database value of a `Date` (GRDB's text, `yyyy-MM-dd HH:mm:ss.SSS` UTC), remembered for the few instants a
/// bulk write repeats: a fan-out writes the same `now` three times per copy and a digest run the same period end
/// and `now` for thousands of members, and GRDB formats each one through a shared ICU DateFormatter (a third of a
/// digest issue's cost). The value is GRDB's own, so it compares and sorts exactly as every other stored date.
package enum StoreDate {
    private static let recent = Mutex<[(Date, DatabaseValue)]>([])
    private static let capacity = 8

    /// `date.databaseValue`, from the last few instants encoded when it is one of them.
    package static func value(_ date: Date) -> DatabaseValue {
        if let hit = recent.withLock({ cache in cache.first { $0.0 == date }?.1 }) { return hit }
        let value = date.databaseValue
        recent.withLock { cache in
            cache.insert((date, value), at: 0)
            if cache.count > capacity { cache.removeLast() }
        }
        return value
    }

    /// `value(_:)` for an optional date (NULL for nil).
    package static func value(_ date: Date?) -> DatabaseValue {
        date.map { value($0) } ?? .null
    }
}
