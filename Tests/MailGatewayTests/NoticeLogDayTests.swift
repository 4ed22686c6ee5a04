import Foundation
import Testing
@testable import MailGateway

@Suite("Notice rate-limit day")
struct NoticeLogDayTests {
    @Test("the arithmetic UTC day equals the Gregorian calendar's, across centuries, leap days and day edges")
    func matchesCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        var instants: [TimeInterval] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, -2_208_988_800]
        for _ in 0..<5_000 { instants.append(TimeInterval.random(in: -3_000_000_000...6_000_000_000, using: &generator)) }
        for t in instants {
            let date = Date(timeIntervalSince1970: t)
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%d-%02d-%02d", c.year!, c.month!, c.day!)
            #expect(NoticeLog.dayString(date) == expected, "t=\(t)")
        }
    }
}
