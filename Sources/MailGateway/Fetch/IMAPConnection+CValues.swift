internal import CEtPan
import Foundation

/// Conversions between Swift values and libetpan's C structures (sets, flag lists, lists, dates, SNI).
extension IMAPConnection {
    func makeSet(_ uids: [UInt32], command: String) throws(IMAPError) -> UnsafeMutablePointer<mailimap_set> {
        guard let set = mailimap_set_new_empty() else { throw outOfMemory(command) }
        // Consecutive UIDs become intervals: a 500-message batch is usually one `a:b`.
        var index = 0
        let sorted = Array(Set(uids)).sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count, sorted[end + 1] == sorted[end] + 1 { end += 1 }
            let code = index == end ? mailimap_set_add_single(set, sorted[index])
                : mailimap_set_add_interval(set, sorted[index], sorted[end])
            guard code == MAILIMAP_NO_ERROR else {
                mailimap_set_free(set)
                throw outOfMemory(command)
            }
            index = end + 1
        }
        return set
    }

    func makeFlagList(_ flags: [IMAPFlag], command: String) throws(IMAPError)
        -> UnsafeMutablePointer<mailimap_flag_list>
    {
        guard let list = mailimap_flag_list_new_empty() else { throw outOfMemory(command) }
        for flag in flags {
            let made: UnsafeMutablePointer<mailimap_flag>? = switch flag {
            case .seen: mailimap_flag_new_seen()
            case .answered: mailimap_flag_new_answered()
            case .flagged: mailimap_flag_new_flagged()
            case .deleted: mailimap_flag_new_deleted()
            case .draft: mailimap_flag_new_draft()
            }
            guard let made else {
                mailimap_flag_list_free(list)
                throw outOfMemory(command)
            }
            guard mailimap_flag_list_add(list, made) == MAILIMAP_NO_ERROR else {
                mailimap_flag_free(made)
                mailimap_flag_list_free(list)
                throw outOfMemory(command)
            }
        }
        return list
    }

    static func succeeded(_ code: Int32) -> Bool {
        code == MAILIMAP_NO_ERROR || Int(code) == MAILIMAP_NO_ERROR_AUTHENTICATED
            || Int(code) == MAILIMAP_NO_ERROR_NON_AUTHENTICATED
    }

    static func items<T>(of list: UnsafeMutablePointer<clist>?, as type: T.Type) -> [UnsafeMutablePointer<T>] {
        var pointers: [UnsafeMutablePointer<T>] = []
        var iterator = cetpan_clist_begin(list)
        while let current = iterator {
            if let data = cetpan_clist_content(current) { pointers.append(data.assumingMemoryBound(to: T.self)) }
            iterator = cetpan_clist_next(current)
        }
        return pointers
    }

    /// Sets SNI on libetpan's TLS context; `data` is a C string owned by `open()` for the duration of the call.
    static let setServerName: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { context, data in
        guard let context, let data else { return }
        _ = mailstream_ssl_set_server_name(context, data.assumingMemoryBound(to: CChar.self))
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// An INTERNALDATE as a `Date`, by arithmetic (one `Calendar` per message cost more than the rest of a listing).
    static func date(_ value: mailimap_date_time) -> Date? {
        let (year, month, day) = (Int(value.dt_year), Int(value.dt_month), Int(value.dt_day))
        let (hour, minute, second) = (Int(value.dt_hour), Int(value.dt_min), Int(value.dt_sec))
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
              (0...60).contains(second), (1...9999).contains(year) else { return nil }
        let zone = Int(value.dt_zone)
        let offset = (zone < 0 ? -1 : 1) * ((abs(zone) / 100) * 3600 + (abs(zone) % 100) * 60)
        let days = CivilDate.days(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + hour * 3600 + minute * 60 + second - offset))
    }

    static func makeDateTime(_ date: Date) -> UnsafeMutablePointer<mailimap_date_time>? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, let second = parts.second else { return nil }
        return mailimap_date_time_new(Int32(day), Int32(month), Int32(year), Int32(hour), Int32(minute),
                                      Int32(second), 0)
    }
}
