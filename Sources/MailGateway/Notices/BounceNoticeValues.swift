import Foundation

/// The values of the bounce notices, beside ``NoticeValues``. Template variables: `memberAddress`, `score`,
/// `events` (each with `date`, `class`, `code`, `text`), `reenableAddress`, `warningNumber`, `maxWarnings`,
/// `removalDays`, `receivingDomain`, `policyCount`, `policyCodes`, `policySample`, `authorDomains`
/// (`hasAuthorDomains`).
public struct BounceNoticeValues: Sendable {
    public var memberAddress = ""
    public var score: Double = 0
    public var events: [BounceEventRecord] = []
    public var reenableAddress: String?
    public var warningNumber = 0
    public var maxWarnings = 0
    public var removalDays = 0
    public var receivingDomain = ""
    public var policyCount = 0
    public var policyCodes = ""
    public var policySample = ""
    public var authorDomains: [String] = []

    public init() {}

    var context: [String: Any] {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        var c: [String: Any] = [
            "memberAddress": memberAddress,
            "score": String(format: "%.2f", score),
            "events": events.prefix(5).map { event -> [String: Any] in
                ["date": formatter.string(from: event.at), "class": event.bounceClass.rawValue,
                 "code": event.status ?? event.code.map(String.init) ?? "",
                 "text": NoticeComposer.oneLine(String(event.diagnostic.prefix(200)))]
            },
            "warningNumber": String(warningNumber), "maxWarnings": String(maxWarnings),
            "removalDays": String(removalDays), "receivingDomain": receivingDomain, "policyCount": String(policyCount),
            "policyCodes": policyCodes, "policySample": NoticeComposer.oneLine(String(policySample.prefix(300))),
            "authorDomains": authorDomains.joined(separator: ", "), "hasAuthorDomains": !authorDomains.isEmpty,
        ]
        if let reenableAddress { c["reenableAddress"] = reenableAddress }
        return c
    }
}
