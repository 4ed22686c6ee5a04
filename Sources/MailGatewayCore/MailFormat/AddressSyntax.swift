/// The syntax of the addresses the gateway stores, sends to and compares: a strict subset of RFC 5321 §4.1.2
/// `Mailbox` without SMTPUTF8, and the one canonical key used wherever two addresses are compared.
///
/// Accepted: `Dot-string "@" Domain`, all ASCII; the local part at most 64 octets, the domain at most 255
/// and the whole address at most 254 (RFC 5321 §4.5.3.1: a path is at most 256 octets with its brackets); the
/// domain two or more LDH labels of 1 to 63 octets (an internationalised domain in its `xn--` form).
/// Refused, each with its own reason: control characters (C0, DEL, C1 such as NEL), any non-ASCII character,
/// quoted local parts, address literals.
///
/// Comparison: the whole address without case (`canonicalKey`). RFC 5321 §2.4 lets a server treat local parts
/// as case-sensitive, but no mail system the partners use does, and case-sensitive keys let `Victim@` and
/// `VICTIM@` escape the notice rate limit while a partner writing `Marie.Dupont@` was taken for a stranger.
/// Addresses are stored as given and only compared through this key.
public enum AddressSyntax {
    /// Why an address was refused. The description never repeats the address (it may be hostile).
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case missingAt
        case controlCharacter(UInt32)
        case nonASCII
        case quotedLocalPart
        case invalidLocalPart
        case localPartTooLong(Int)
        case invalidDomain
        case domainTooLong(Int)
        case tooLong(Int)

        public var description: String {
            switch self {
            case .empty: "the address is empty"
            case .missingAt: "the address has no @ followed by a domain"
            case .controlCharacter(let v):
                "the address contains a control character (U+\(String(v, radix: 16, uppercase: true).leftPadded(4)))"
            case .nonASCII: "the address contains non-ASCII characters (SMTPUTF8 addresses are not supported)"
            case .quotedLocalPart: "quoted local parts (\"…\"@domain) are not supported"
            case .invalidLocalPart: "the part before @ is not a valid dot-atom (RFC 5321 Dot-string)"
            case .localPartTooLong(let n): "the part before @ is \(n) octets long (at most 64)"
            case .invalidDomain: "the domain is not a valid host name (letters, digits, hyphens, at least two labels)"
            case .domainTooLong(let n): "the domain is \(n) octets long (at most 255)"
            case .tooLong(let n): "the address is \(n) octets long (at most 254)"
            }
        }
    }

    /// The address's problem, or nil when it is acceptable.
    public static func problem(_ address: String) -> Problem? {
        do { try check(address) } catch { return error }
        return nil
    }

    /// True when the address is acceptable.
    public static func isValid(_ address: String) -> Bool { problem(address) == nil }

    /// Checks an address; throws the first problem found.
    public static func check(_ address: String) throws(Problem) {
        let bytes = Array(address.utf8)
        guard !bytes.isEmpty else { throw .empty }
        // Control characters first (named precisely), then anything else outside ASCII.
        for scalar in address.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { throw .controlCharacter(v) }
        }
        guard bytes.allSatisfy({ $0 < 0x80 }) else { throw .nonASCII }
        if bytes.first == UInt8(ascii: "\"") { throw .quotedLocalPart }
        let parts = MailAddress.split(address)
        guard let domainPart = parts.domain, !parts.localPart.isEmpty, !domainPart.isEmpty else {
            throw bytes.first == UInt8(ascii: "@") ? .invalidLocalPart : .missingAt
        }
        let local = ArraySlice(parts.localPart.utf8), domain = ArraySlice(domainPart.utf8)
        guard local.count <= 64 else { throw .localPartTooLong(local.count) }
        guard isDotString(local) else { throw .invalidLocalPart }
        guard domain.count <= 255 else { throw .domainTooLong(domain.count) }
        guard isHostName(domain) else { throw .invalidDomain }
        guard bytes.count <= 254 else { throw .tooLong(bytes.count) }
    }

    /// The key two addresses are compared by: `MailAddress.canonicalKey(_:)`, which owns the case rules (kept
    /// here for the callers and the members migration that name it).
    public static func canonicalKey(_ address: String) -> String { MailAddress.canonicalKey(address) }

    // MARK: Grammar

    /// `atext` (RFC 5322 §3.2.3): letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    package static func isAtext(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(c)
        }
    }

    /// `Dot-string = Atom *("." Atom)`.
    private static func isDotString(_ s: ArraySlice<UInt8>) -> Bool {
        var atomLength = 0
        for c in s {
            if c == UInt8(ascii: ".") {
                guard atomLength > 0 else { return false }
                atomLength = 0
            } else if isAtext(c) {
                atomLength += 1
            } else {
                return false
            }
        }
        return atomLength > 0
    }

    /// Two or more labels of letters, digits and hyphens, 1 to 63 octets, no hyphen first or last.
    private static func isHostName(_ s: ArraySlice<UInt8>) -> Bool {
        let labels = s.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        return labels.allSatisfy { label in
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"),
                  label.last != UInt8(ascii: "-") else { return false }
            return label.allSatisfy { c in
                (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == UInt8(ascii: "-")
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
