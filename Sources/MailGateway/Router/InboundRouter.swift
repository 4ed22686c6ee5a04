/// Classifies an inbound message of a list's mailbox by the address it was delivered to (CM-1), before
/// anything else reads it. Pure: the headers in, an ``InboundRoute`` out.
///
/// The address is the first of, in order, `Delivered-To` (its first instance: the one the final MTA prepended),
/// `X-Original-To`, `Envelope-To`, `To`, `Cc`, that is one of the list's own addresses (``ListAddresses``: the
/// posting address, a `+` subaddress, or a legacy `-request`/`-owner`/`-bounces`/`-join`/`-leave`/`-confirm+`
/// spelling), compared without case. A message naming none of them (Bcc, an alias the MTA rewrote) is a post,
/// which the posting policy judges as any other.
///
/// What a forged header can do: the router reads headers a sender can write, so a forged `Delivered-To` may send
/// a post to a command handler (it is then not distributed) or a command to the posting policy (which judges it
/// as a post). It can never confirm anything: every change needs a token only the real address received.
public struct InboundRouter: Sendable {
    /// The header fields read, in order.
    public static let addressFields = ["Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc"]

    public let addresses: ListAddresses
    /// The list's local part, and its subaddress (`list+`) and legacy (`list-`) prefixes, in lower case, once
    /// (every address read compares them).
    let localPart: String, subaddressPrefix: String, legacyPrefix: String

    public init(addresses: ListAddresses) {
        self.addresses = addresses
        localPart = addresses.localPart.lowercased()
        subaddressPrefix = localPart + addresses.delimiter.lowercased()
        legacyPrefix = localPart + "-"
    }

    public init(list: ListConfig, delimiter: String = ListAddresses.defaultDelimiter) {
        self.init(addresses: ListAddresses(address: list.address, delimiter: delimiter))
    }

    /// The route of a message and the address that decided it (nil when none of the list's addresses appears).
    public func route(_ message: ParsedMessage) -> (route: InboundRoute, address: String?) {
        for field in Self.addressFields {
            let values = message.headerValues(field)
            // Delivered-To: only the first instance (the last hop's); a later one was written further upstream.
            let considered = field == "Delivered-To" ? Array(values.prefix(1)) : values
            for value in considered {
                for address in Self.addresses(in: value) {
                    if let route = route(address: address) { return (route, address) }
                }
            }
        }
        return (.post, nil)
    }

    /// The route of one address, or nil when it is not one of the list's.
    public func route(address: String) -> InboundRoute? {
        let split = MailAddress.split(address)
        guard let domain = split.domain, HeaderScan.equalsIgnoringCase(domain, addresses.domain) else { return nil }
        let local = split.localPart.lowercased()
        if local == localPart { return .post }
        if local.hasPrefix(subaddressPrefix) {
            return Self.route(detail: String(local.dropFirst(subaddressPrefix.count)))
        }
        guard local.hasPrefix(legacyPrefix) else { return nil }
        let legacy = local.dropFirst(legacyPrefix.count)
        switch legacy {
        case "request": return .request
        case "owner", "admin": return .owner
        case "join", "subscribe": return .join(mode: nil)
        case "leave", "unsubscribe": return .leave
        case "bounces": return .bounce(token: nil)
        default:
            if legacy.hasPrefix("bounces+") { return .bounce(token: String(legacy.dropFirst("bounces+".count))) }
            if legacy.hasPrefix("confirm+") { return .confirm(token: String(legacy.dropFirst("confirm+".count))) }
            return nil
        }
    }

    /// The route of a subaddress detail (`request`, `join.digest`, `confirm.<token>`, ...), lower case.
    static func route(detail: String) -> InboundRoute {
        let parts = detail.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let head = String(parts[0])
        let argument = parts.count > 1 ? String(parts[1]) : nil
        switch (head, argument) {
        case ("request", nil): return .request
        case ("join", let mode), ("subscribe", let mode): return .join(mode: mode)
        case ("leave", nil), ("unsubscribe", nil): return .leave
        case ("set", let mode?) where !mode.isEmpty: return .set(mode: mode)
        case ("lang", let code?) where !code.isEmpty: return .lang(code: code)
        case ("help", nil): return .help
        case ("confirm", let token?): return .confirm(token: token)
        case ("owner", nil): return .owner
        case ("bounce", let token): return .bounce(token: token)
        case ("get", let key?) where !key.isEmpty: return .get(key: key)
        default: return .unknown(detail: detail)
        }
    }

    /// The addresses in a header value: `a@b`, `<a@b>`, `Name <a@b>, c@d` (quoted names may hold commas and
    /// `@`; comments are ignored). Bounded: at most 50 addresses per value.
    ///
    /// A scan of the UTF-8 bytes (every message reads up to five fields here): the delimiters are ASCII octets, as
    /// in RFC 5322 and RFC 6532 (and the parser's own address decoder), even when a combining mark follows one; a
    /// string is made only of a candidate that holds an `@`.
    static func addresses(in value: String) -> [String] {
        var result: [String] = []
        var current: [UInt8] = []
        var angle: [UInt8]?
        var quoted = false
        var comment = 0
        func flush() {
            let bytes = angle ?? current
            current.removeAll(keepingCapacity: true)
            angle = nil
            guard bytes.contains(UInt8(ascii: "@")) else { return }
            let candidate = TextSpaces.trimmedOfSpacesAndNewlines(String(decoding: bytes, as: UTF8.self))
            if !candidate.utf8.contains(UInt8(ascii: " ")) { result.append(candidate) }
        }
        for byte in value.utf8 {
            if result.count >= 50 { break }
            if quoted {
                if byte == UInt8(ascii: "\"") { quoted = false }
                continue
            }
            if comment > 0 {
                if byte == UInt8(ascii: "(") { comment += 1 } else if byte == UInt8(ascii: ")") { comment -= 1 }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): quoted = true
            case UInt8(ascii: "("): comment = 1
            case UInt8(ascii: "<"): angle = []
            case UInt8(ascii: ">"): if let a = angle { current = a; angle = nil; flush() }
            case UInt8(ascii: ","), UInt8(ascii: ";"): flush()
            case UInt8(ascii: ":") where angle == nil: current.removeAll(keepingCapacity: true)  // a group's display name
            default:
                if angle != nil { angle!.append(byte) } else { current.append(byte) }
            }
        }
        flush()
        return result
    }
}
