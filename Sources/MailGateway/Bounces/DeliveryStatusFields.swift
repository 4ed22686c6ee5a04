import Foundation

/// One recipient's block of an RFC 3464 `message/delivery-status` (or RFC 6533 `message/global-delivery-status`).
public struct DeliveryStatusRecipient: Sendable, Equatable {
    /// `Final-Recipient`'s address (the `rfc822;` or `utf-8;` type removed).
    public var finalRecipient: String?
    /// `Original-Recipient`'s address.
    public var originalRecipient: String?
    /// `Action`, lower case: `failed`, `delayed`, `delivered`, `relayed`, `expanded`.
    public var action: String
    /// `Status` (`5.1.1`).
    public var status: EnhancedStatus?
    /// `Diagnostic-Code` without its type (`smtp;`).
    public var diagnostic: String
    /// `Remote-MTA` without its type.
    public var remoteMTA: String?

    /// The address the report is about: `Original-Recipient`, else `Final-Recipient` (flufl.bounce's order).
    public var address: String? { originalRecipient ?? finalRecipient }
}

/// The reader of a delivery-status body: groups of header-like fields separated by empty lines, the first about
/// the message, each other about one recipient (RFC 3464 §2.1). Folded lines are unfolded; a group without
/// `Action` and without a recipient is not a recipient.
enum DeliveryStatusFields {
    static func recipients(in text: String) -> [DeliveryStatusRecipient] {
        var groups: [[(String, String)]] = [[]]
        var lastName: String?
        // "\r\n" is one Character in Swift: split on the LF scalar.
        let unix = text.replacingOccurrences(of: "\r\n", with: "\n")
        for line in unix.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if !(groups.last?.isEmpty ?? true) { groups.append([]) }
                lastName = nil
                continue
            }
            if let first = line.first, first == " " || first == "\t", lastName != nil, var group = groups.popLast(),
               var field = group.popLast() {
                field.1 += " " + line.trimmingCharacters(in: .whitespaces)
                group.append(field)
                groups.append(group)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            lastName = name
            groups[groups.count - 1].append((name, value))
        }
        return groups.compactMap { group in
            func value(_ name: String) -> String? { group.first { $0.0 == name }?.1 }
            let final = value("final-recipient").flatMap(typedAddress)
            let original = value("original-recipient").flatMap(typedAddress)
            guard let action = value("action")?.lowercased(), final != nil || original != nil else { return nil }
            let diagnostic = value("diagnostic-code").map(withoutType) ?? ""
            return DeliveryStatusRecipient(
                finalRecipient: final, originalRecipient: original,
                action: action.split(separator: " ").first.map(String.init) ?? action,
                status: value("status").flatMap { EnhancedStatus($0) }, diagnostic: diagnostic,
                remoteMTA: value("remote-mta").map(withoutType))
        }
    }

    /// `rfc822; anne@example.org` -> `anne@example.org` (angle brackets removed); nil for an empty or `unknown`
    /// address.
    static func typedAddress(_ value: String) -> String? {
        var address = withoutType(value).trimmingCharacters(in: .whitespaces)
        if address.hasPrefix("<"), address.hasSuffix(">") { address = String(address.dropFirst().dropLast()) }
        guard address.contains("@"), !address.contains(" ") else { return nil }
        return address
    }

    /// The value after `type;` (`smtp; 550 …` -> `550 …`).
    static func withoutType(_ value: String) -> String {
        guard let semicolon = value.firstIndex(of: ";") else { return value }
        let type = value[..<semicolon]
        guard !type.isEmpty, type.count <= 20, !type.contains(" ") else { return value }
        return value[value.index(after: semicolon)...].trimmingCharacters(in: .whitespaces)
    }
}
